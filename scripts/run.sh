#!/usr/bin/env bash
# make run: the action server, the Rasa server (REST + socket.io) and the widget page, under
# supervisord (scripts/supervisord.conf), which starts a part again when it crashes.
# Ctrl-C stops all of them.
source "$(dirname "$0")/common.sh"
# Conversations and logs are readable by the service user only (README, "Privacy").
umask 077

model="$(latest_model)"
[[ -n "$model" ]] || die "no trained model in models/; run 'make train'"
mkdir -p "$(dirname "$VRT_TRACKER_DB")" results

# Rasa's HTTP API stays closed unless VRT_API_TOKEN is set; then every API call needs
# ?token=<VRT_API_TOKEN> (README, "Safe to expose").
export VRT_RASA_API_ARGS=""
[[ -z "${VRT_API_TOKEN:-}" ]] || VRT_RASA_API_ARGS="--enable-api --auth-token $VRT_API_TOKEN"
export VRT_CHAT_SERVER_URL="${VRT_CHAT_SERVER_URL:-http://localhost:$RASA_PORT}"
export VRT_RUN_DIR="${VRT_RUN_DIR:-$ROOT/var/run}"
mkdir -p "$VRT_RUN_DIR"

say "spaCy pipeline in this model: $(recorded_pipeline "$model")"
# A corrupt SQLite file stops the start at once, naming the file (the Rasa server checks too).
if [[ "$VRT_ENDPOINTS" == endpoints.yml || "$VRT_ENDPOINTS" == deploy/endpoints.sqlite.yml ]]; then
  "$PY" -m vrt.core.sqlite_file "$VRT_TRACKER_DB" || die "the tracker store file is not usable (see above)"
fi

say "Action server on http://localhost:$ACTION_PORT (listens on ${VRT_ACTION_BIND:-127.0.0.1})"
say "Rasa server on http://localhost:$RASA_PORT (REST: /webhooks/rest/webhook, socket.io: /socket.io; listens on $VRT_BIND)"
say "Widget demo page on http://localhost:$WEB_PORT/"
[[ -z "$VRT_RASA_API_ARGS" ]] || say "Rasa HTTP API enabled; calls need ?token=\$VRT_API_TOKEN"

# Its own session, so Ctrl-C reaches supervisord only (through the trap) and it stops the parts.
setsid "$VENV/bin/supervisord" -c scripts/supervisord.conf &
supervisor_pid=$!
stop() {
  trap - INT TERM EXIT
  say "Stopping..."
  kill -TERM "$supervisor_pid" 2>/dev/null || true
  wait "$supervisor_pid" 2>/dev/null || true
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

supervisorctl() { "$VENV/bin/supervisorctl" -c scripts/supervisord.conf "$@"; }
start=$SECONDS
until curl -fsS -o /dev/null "http://localhost:$RASA_PORT/webhooks/rest/" 2>/dev/null; do
  kill -0 "$supervisor_pid" 2>/dev/null || die "supervisord stopped; see above"
  if supervisorctl status 2>/dev/null | grep -q FATAL; then
    supervisorctl status || true
    die "a part of the bot keeps stopping right after its start; see its output above"
  fi
  (( SECONDS - start < 600 )) || die "the Rasa server did not come up in 600 s"
  sleep 1
done
say "VRT Assistent is ready ($((SECONDS - start)) s). A part that stops is started again. Talk to it:"
say "  curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{\"sender\":\"ik\",\"message\":\"hoeveel kazernes zijn er?\"}'"
wait "$supervisor_pid"
