#!/usr/bin/env bash
# make run-cluster: the crisis-day topology without Docker (README, "Crisis-day scale"):
# PostgreSQL, Redis and nginx from Debian's packages, 2 Rasa servers, 1 action server, all on
# 127.0.0.1. Ctrl-C stops everything. VRT_CLUSTER_PORT (8088), VRT_CLUSTER_REPLICAS (2),
# VRT_CLUSTER_ACTION_SERVERS (1), VRT_CLUSTER_DIR (var/cluster, the servers' logs).
# --bench (make bench-cluster): bench/cluster.py on such a cluster instead.
source "$(dirname "$0")/common.sh"
ensure_apt_packages nginx:/usr/sbin/nginx redis-server:redis-server postgresql:/usr/lib/postgresql/15/bin/initdb
[[ -n "$(latest_model)" ]] || die "no trained model in models/; run 'make train'"
say "spaCy pipeline in this model: $(recorded_pipeline "$(latest_model)")"
if [[ "${1:-}" == --bench ]]; then
  exec "$PY" -m bench.cluster
fi
exec "$PY" -m vrt.ops.cluster
