"""make run-cluster: python -m vrt_cluster (README, "Crisis-day scale")."""

import sys

from vrt_cluster.cluster import main

sys.exit(main())
