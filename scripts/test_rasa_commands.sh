#!/usr/bin/env bash
# Rasa's own commands as a Rasa user types them (tests/commands): `rasa data validate`,
# `rasa train`, `rasa run actions` + `rasa run`, `rasa shell`, `rasa test`, with only the
# venv activated. They use the default ports 5005 and 5055, so the tests run in a private
# network namespace (unshare) where no other bot on this machine can be in the way.
source "$(dirname "$0")/common.sh"

ensure_apt_packages tmux:tmux iproute2:ip util-linux:unshare
tests=(tests/commands -q --disable-warnings "$@")
if unshare --net true 2>/dev/null; then
  exec unshare --net bash -c 'ip link set lo up && exec "$0" -m pytest "$@"' "$PY" "${tests[@]}"
fi
say "unshare --net is not permitted here; running on the machine's own ports 5005 and 5055"
exec "$PY" -m pytest "${tests[@]}"
