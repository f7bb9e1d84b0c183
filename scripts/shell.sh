#!/usr/bin/env bash
# The Rasa shell for VRT staff, with the action server running in the background.
source "$(dirname "$0")/common.sh"

model="$(latest_model)"
[[ -n "$model" ]] || die "no trained model in models/; run 'make train'"
say "spaCy pipeline in this model: $(recorded_pipeline "$model")"
mkdir -p var
rasa run actions --port "$ACTION_PORT" >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
wait_for_http "http://localhost:$ACTION_PORT/health" 60 || die "action server did not start; see var/actions-shell.log"
rasa shell --endpoints "$VRT_ENDPOINTS" --interface "$VRT_BIND"
