"""Crisis-day scale (README, "Crisis-day scale"): several Rasa servers behind nginx, sharing the
PostgreSQL tracker store and the Redis lock store.

* vrt.ops.nginx fills in deploy/nginx/vrt.conf.template from environment variables;
* vrt.ops.stores runs PostgreSQL and Redis from Debian's packages as plain processes;
* vrt.ops.cluster (`make run-cluster`, tests/cluster, bench) starts the whole topology on
  loopback.
"""
