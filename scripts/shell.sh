#!/usr/bin/env bash
# The Rasa shell for VRT staff: the newest model (the one `make run` serves) and the action
# server of a running `make run`, or one started in the background for the shell.
# DEBUG=1 prints, per message, the intent, FAQ topic and confidence (vrt.nlu.nlu_trace.NluTrace).
source "$(dirname "$0")/common.sh"

model="$(latest_model)"
[[ -n "$model" ]] || die "no trained model in models/; run 'make train'"
say "spaCy pipeline in this model: $(recorded_pipeline "$model")"
mkdir -p var
if curl -fsS -o /dev/null "http://localhost:$ACTION_PORT/health" 2>/dev/null; then
  say "Using the action server that already runs on port $ACTION_PORT"
else
  rasa run actions --port "$ACTION_PORT" >var/actions-shell.log 2>&1 &
  actions_pid=$!
  trap 'kill $actions_pid 2>/dev/null || true' EXIT
  wait_for_http "http://localhost:$ACTION_PORT/health" 60 || die "action server did not start; see var/actions-shell.log"
fi
if [[ "${DEBUG:-0}" != 0 ]]; then
  export VRT_NLU_TRACE=1
  say "DEBUG: every message shows [NLU] intent, FAQ topic and confidence"
fi
# The shell's own Rasa server listens on SHELL_PORT, so it can run next to `make run`.
"$PY" vrt/ops/quiet.py shell --model "$model" --endpoints "$VRT_ENDPOINTS" \
  --port "${SHELL_PORT:-5006}" --interface "$VRT_BIND"
