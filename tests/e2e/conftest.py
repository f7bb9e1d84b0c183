"""Fixtures shared by the end-to-end tests: real PostgreSQL and Redis servers on free
loopback ports (Debian packages postgresql and redis-server; scripts/test.sh installs them),
and the figures file the fault tests write their measurements to.
"""

from __future__ import annotations

import shutil

import pytest

from vrt.ops.servers import ROOT, figure_recorder
from vrt.ops.stores import PG_BIN, PostgresServer, RedisServer

FIGURES = ROOT / "results" / "fault-figures.txt"


@pytest.fixture(scope="session")
def figures():
    """record(line): a measured figure (recovery time, wait), printed by scripts/test.sh."""
    return figure_recorder(FIGURES)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed; scripts/test.sh installs it")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.env
    server.stop()


@pytest.fixture(scope="module")
def postgres_server():
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 is not installed; scripts/test.sh installs it")
    server = PostgresServer().create()
    yield server
    server.remove()
