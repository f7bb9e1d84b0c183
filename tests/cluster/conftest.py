"""One cluster per module (vrt.ops.Cluster): 2 Rasa servers behind nginx, 1 action server,
PostgreSQL and Redis, all real processes on 127.0.0.1. Starting it takes 1-3 minutes on 2 cores,
so the module's tests share it and leave it working for the next test (the replica kill is last).
"""

from __future__ import annotations

import pytest

from vrt.ops.cluster import Cluster
from vrt.ops.servers import ROOT, figure_recorder

FIGURES = ROOT / "results" / "cluster-figures.txt"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def figures():
    """record(line): a measured figure, printed by scripts/test_cluster.sh."""
    return figure_recorder(FIGURES)
