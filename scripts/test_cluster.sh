#!/usr/bin/env bash
# make test-cluster (also a step of make test): tests/cluster against one cluster of 2 Rasa
# servers behind nginx with PostgreSQL and Redis, and the deploy/ files checked with
# kubernetes-validate, docker-compose config and nginx -t (README, "Crisis-day scale").
source "$(dirname "$0")/common.sh"
ensure_apt_packages nginx:/usr/sbin/nginx redis-server:redis-server \
  postgresql:/usr/lib/postgresql/15/bin/initdb docker-compose:docker-compose
mkdir -p results
"$PY" -m pytest tests/cluster -q --disable-warnings
if [[ -s results/cluster-figures.txt ]]; then
  say "Cluster faults and overload, measured (results/cluster-figures.txt):"
  sed 's/^/  /' results/cluster-figures.txt >&2
fi
