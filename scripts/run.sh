#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST + socket.io) and, if present, the widget page.
# Ctrl-C stops all of them.
source "$(dirname "$0")/common.sh"

model="$(latest_model)"
[[ -n "$model" ]] || die "no trained model in models/; run 'make train'"
mkdir -p "$(dirname "$VRT_TRACKER_DB")" results

pids=()
stop() {
  trap - INT TERM EXIT
  say "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

say "spaCy pipeline in this model: $(recorded_pipeline "$model")"
say "Action server on http://localhost:$ACTION_PORT"
rasa run actions --port "$ACTION_PORT" &
pids+=($!)

# shellcheck disable=SC2086
say "Rasa server on http://localhost:$RASA_PORT (REST: /webhooks/rest/webhook, socket.io: /socket.io)"
rasa run --port "$RASA_PORT" --endpoints "$VRT_ENDPOINTS" --cors $VRT_CORS_ORIGINS &
pids+=($!)

if [[ -f web/index.html ]]; then
  say "Widget demo page on http://localhost:$WEB_PORT/"
  # Static files plus a generated vrt-config.js pointing at this Rasa server, with CSP headers.
  "$PY" scripts/serve_web.py --port "$WEB_PORT" --bind 127.0.0.1 \
    --server-url "${VRT_CHAT_SERVER_URL:-http://localhost:$RASA_PORT}" &
  pids+=($!)
fi

if wait_for_http "http://localhost:$RASA_PORT/webhooks/rest/" 180; then
  say "VRT Assistent is ready. Talk to it:"
  say "  curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{\"sender\":\"ik\",\"message\":\"hoeveel kazernes zijn er?\"}'"
else
  die "the Rasa server did not come up"
fi
# Stop everything as soon as one of them exits.
wait -n "${pids[@]}"
