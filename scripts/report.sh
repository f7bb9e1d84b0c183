#!/usr/bin/env bash
# make report: what residents asked, what the bot could not answer, which answers they disliked.
# Reads the tracker store `make run` uses (endpoints.yml, or VRT_ENDPOINTS / VRT_TRACKER_DB as
# for make run); prints the report and writes results/report/. Options: python -m vrt.report -h.
source "$(dirname "$0")/common.sh"

exec "$PY" -m vrt.report --endpoints "$VRT_ENDPOINTS" "$@"
