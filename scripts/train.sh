#!/usr/bin/env bash
# Trains a model unless one for exactly this config, data and spaCy pipeline exists.
# The model name carries a fingerprint of its inputs; Rasa's training cache makes a
# retrain after a small change cheap.
source "$(dirname "$0")/common.sh"

model="$(model_path)"
if [[ -f "$model" && "${FORCE_TRAIN:-0}" != 1 ]]; then
  say "Model is up to date: ${model#$ROOT/}"
  exit 0
fi

pipeline="$(spacy_pipeline_name)"
say "Training ${model#$ROOT/} with spaCy pipeline $pipeline"
[[ "$pipeline" == nl_core_news_sm ]] || say "!! Training with the OFFLINE stand-in pipeline '$pipeline', not nl_core_news_sm !!"
mkdir -p models "$RASA_CACHE_DIRECTORY"
log="$ROOT/models/train.log"
start=$SECONDS
if ! "$RASA" train --config config.yml --domain domain --data data --out models \
      --fixed-model-name "$(basename "$model" .tar.gz)" >"$log" 2>&1; then
  tail -40 "$log" >&2
  die "training failed; full log in ${log#$ROOT/}"
fi
say "Trained in $((SECONDS - start)) s: ${model#$ROOT/} (log: ${log#$ROOT/})"
say "spaCy pipeline recorded in the model: $(recorded_pipeline "$model")"
