#!/usr/bin/env bash
# Browser tests of the website widget and of rasa-webchat (tests/browser) in real headless Chromium.
# Idempotent: installs Debian's chromium if missing, runs `npm ci` if node_modules is
# missing or stale, then runs the tests against the real bot. Nothing is skipped: a
# missing browser or axe-core fails the run. Screenshots and axe reports: results/browser/.
source "$(dirname "$0")/common.sh"

CHROMIUM=/usr/bin/chromium
ensure_apt_packages "chromium:$CHROMIUM"
[[ -x "$CHROMIUM" ]] || die "Chromium could not be installed at $CHROMIUM"

command -v npm >/dev/null || die "npm is needed for axe-core (apt-get install -y nodejs npm)"
if [[ ! -f node_modules/axe-core/axe.min.js || ! -f node_modules/.package-lock.json \
      || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "Installing the npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# rasa-webchat, the third-party widget tests/browser/test_webchat.py embeds: test only.
webchat=tests/browser/webchat
if [[ ! -f $webchat/node_modules/rasa-webchat/lib/index.js || ! -f $webchat/node_modules/.package-lock.json \
      || $webchat/package-lock.json -nt $webchat/node_modules/.package-lock.json ]]; then
  say "Installing rasa-webchat for the tests (npm ci in $webchat)"
  (cd "$webchat" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# The widget serves a vendored copy of linkifyjs; it must match the locked package.
cmp -s node_modules/linkifyjs/dist/linkify.min.js web/vendor/linkify.min.js \
  || die "web/vendor/linkify.min.js differs from node_modules; run 'npm run vendor' and commit it"

"$PY" -c 'import playwright' 2>/dev/null || die "Python playwright is missing; run 'make install'"
make --no-print-directory model  # trains only when the data changed
mkdir -p results/browser
say "Browser tests (Chromium: $("$CHROMIUM" --version 2>/dev/null | head -1))"
exec "$PY" -m pytest tests/browser "$@"
