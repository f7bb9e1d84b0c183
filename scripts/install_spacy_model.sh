#!/usr/bin/env bash
# Installs nl_core_news_sm 3.4.0, the official spaCy release, when it can be had:
#   1. a local wheel named in NL_CORE_NEWS_SM_WHEEL (servers without internet), or
#   2. the official release download (the artefact `spacy download` fetches), short timeout.
# When neither works, the offline Dutch pipeline is checked instead, and that is said loudly.
source "$(dirname "$0")/common.sh"

NAME=nl_core_news_sm
VERSION=3.4.0
WHEEL_FILE="$NAME-$VERSION-py3-none-any.whl"
URL="${NL_CORE_NEWS_SM_URL:-https://github.com/explosion/spacy-models/releases/download/$NAME-$VERSION/$WHEEL_FILE}"

installed() { "$PY" -c "import importlib.util,sys; sys.exit(0 if importlib.util.find_spec('$NAME') else 1)"; }

if ! installed; then
  wheel=""
  if [[ -n "${NL_CORE_NEWS_SM_WHEEL:-}" ]]; then
    [[ -f "$NL_CORE_NEWS_SM_WHEEL" ]] || die "NL_CORE_NEWS_SM_WHEEL=$NL_CORE_NEWS_SM_WHEEL does not exist"
    wheel="$NL_CORE_NEWS_SM_WHEEL"
  elif [[ -f "$VRT_CACHE/$WHEEL_FILE" ]]; then
    wheel="$VRT_CACHE/$WHEEL_FILE"
  else
    say "Downloading $NAME $VERSION from the official spaCy release (timeout 60 s)"
    mkdir -p "$VRT_CACHE"
    if curl -fsSL --connect-timeout 5 --max-time 60 -o "$VRT_CACHE/$WHEEL_FILE.part" "$URL"; then
      mv "$VRT_CACHE/$WHEEL_FILE.part" "$VRT_CACHE/$WHEEL_FILE"
      wheel="$VRT_CACHE/$WHEEL_FILE"
    else
      rm -f "$VRT_CACHE/$WHEEL_FILE.part"
      say "The official release of $NAME could not be reached."
    fi
  fi
  if [[ -n "$wheel" ]]; then
    say "Installing $NAME from $wheel"
    "$UV" pip install --python "$PY" --no-deps "$wheel"
  fi
fi

# Prints the pipeline in use and its lemmas; warns loudly for the offline stand-in.
"$PY" -m vrt.nlu.spacy_pipeline 2> >(grep -v -e tensorflow -e TensorRT -e oneDNN -e 'cuda drivers' -e 'cpu_feature_guard' -e 'rebuild TensorFlow' >&2)
