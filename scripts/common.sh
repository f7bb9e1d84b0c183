# Shared settings for the scripts in this folder. Source it; do not run it.
# Every value can be overridden from the environment.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export VENV="$ROOT/.venv"
export PY="$VENV/bin/python"
export RASA="$VENV/bin/rasa"
# Plain `rasa` and `python` from the venv, as after `source .venv/bin/activate`.
export PATH="$VENV/bin:$PATH"
export UV_VERSION="${UV_VERSION:-0.13.9}"
export UV="${UV:-$ROOT/.tools/bin/uv}"

export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export WEB_PORT="${WEB_PORT:-8080}"
# endpoints.yml has literal defaults (action server on localhost:5055, var/tracker.db), so plain
# `rasa` commands work here. Other ports or another database file need the environment-driven
# variant; PostgreSQL and Redis: VRT_ENDPOINTS=deploy/endpoints.{postgres,redis}.yml.
export VRT_ACTION_ENDPOINT_URL="${VRT_ACTION_ENDPOINT_URL:-http://localhost:${ACTION_PORT}/webhook}"
if [[ -z "${VRT_ENDPOINTS:-}" ]]; then
  if [[ "$ACTION_PORT" == 5055 && -z "${VRT_TRACKER_DB:-}" ]]; then
    VRT_ENDPOINTS=endpoints.yml
  else
    VRT_ENDPOINTS=deploy/endpoints.sqlite.yml
  fi
fi
export VRT_ENDPOINTS
export VRT_TRACKER_DB="${VRT_TRACKER_DB:-$ROOT/var/tracker.db}"
# Interface of the Rasa server and the widget page in `make run`: loopback unless set, e.g.
# VRT_BIND=0.0.0.0 behind a firewall or reverse proxy. The action server: VRT_ACTION_BIND.
export VRT_BIND="${VRT_BIND:-127.0.0.1}"
# Origins allowed to call the Rasa server from a browser (space separated).
export VRT_CORS_ORIGINS="${VRT_CORS_ORIGINS:-http://localhost:${WEB_PORT} http://127.0.0.1:${WEB_PORT}}"

# Caches shared by every clone on this machine, so CI and fresh clones stay fast.
export VRT_CACHE="${VRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vrt-assistent}"
export RASA_CACHE_DIRECTORY="${RASA_CACHE_DIRECTORY:-$VRT_CACHE/rasa-training-cache}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uv}"

# Quieter TensorFlow; no telemetry from Rasa.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# Name of the spaCy pipeline the NLU will use, without importing spaCy (fast).
spacy_pipeline_name() { "$PY" "$ROOT/vrt/nlu/spacy_pipeline.py" --name; }

# The newest model in models/, the one `rasa run`, `rasa shell` and `rasa test` load by default.
latest_model() { ls -t "$ROOT"/models/*.tar.gz 2>/dev/null | head -1; }

# The spaCy pipeline recorded inside a trained model.
recorded_pipeline() {
  tar -xzOf "$1" --wildcards '*SpacyPipelineRecord*/spacy_pipeline.json' 2>/dev/null \
    | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(r["pipeline"], r.get("pipeline_version",""), "(official)" if r.get("official") else "(OFFLINE stand-in, not nl_core_news_sm)")'
}

wait_for_http() {  # url seconds
  local url="$1" limit="${2:-120}" start=$SECONDS
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    (( SECONDS - start < limit )) || return 1
    sleep 0.5
  done
}

# Installs Debian packages that are missing (CI runs as root on a bare machine).
ensure_apt_packages() {  # package:command ...
  local missing=()
  for spec in "$@"; do
    command -v "${spec#*:}" >/dev/null 2>&1 || [[ -x "${spec#*:}" ]] || missing+=("${spec%%:*}")
  done
  ((${#missing[@]})) || return 0
  say "Installing Debian packages: ${missing[*]}"
  local sudo=""; [[ $EUID -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
