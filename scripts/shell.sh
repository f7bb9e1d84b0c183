#!/usr/bin/env bash
# The Rasa shell for VRT staff, with the action server running in the background.
source "$(dirname "$0")/common.sh"

model="$(model_path)"
[[ -f "$model" ]] || die "no model for the current data; run 'make train'"
say "spaCy pipeline in this model: $(recorded_pipeline "$model")"
mkdir -p var
"$RASA" run actions --actions actions --port "$ACTION_PORT" >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
wait_for_http "http://localhost:$ACTION_PORT/health" 60 || die "action server did not start; see var/actions-shell.log"
"$RASA" shell --model "$model" --endpoints "$VRT_ENDPOINTS"
