"""Fixtures shared by the end-to-end tests: real PostgreSQL and Redis servers on free
loopback ports (Debian packages postgresql and redis-server; scripts/test.sh installs them),
and the figures file the fault tests write their measurements to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import pytest

from tests.servers import ROOT, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
FIGURES = ROOT / "results" / "fault-figures.txt"


def wait_until(check, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise RuntimeError("service did not start")


@pytest.fixture(scope="session")
def figures():
    """record(line): a measured figure (recovery time, wait), printed by scripts/test.sh."""
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text("")

    def record(line: str) -> None:
        with FIGURES.open("a") as out:
            out.write(line + "\n")

    return record


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; scripts/test.sh installs it")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    import redis

    def ready():
        try:
            return redis.Redis(host="127.0.0.1", port=port).ping()
        except redis.RedisError:
            return False

    wait_until(ready)
    yield {"VRT_REDIS_HOST": "127.0.0.1", "VRT_REDIS_PORT": str(port)}
    process.terminate()
    process.wait(timeout=10)


@dataclass
class PostgresServer:
    datadir: Path
    port: int
    as_postgres: List[str]

    @property
    def env(self) -> Dict[str, str]:
        """The variables deploy/endpoints.postgres.yml reads."""
        return {
            "VRT_DB_HOST": "127.0.0.1",
            "VRT_DB_PORT": str(self.port),
            "VRT_DB_NAME": "rasa",
            "VRT_DB_USER": "rasa",
            "VRT_DB_PASSWORD": "unused",
        }

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), *args],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.pg_ctl(
            "-w",
            "-l",
            str(self.datadir / "server.log"),
            "-o",
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def postgres_server():
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 is not installed; scripts/test.sh installs it")
    # Not under pytest's tmp dir: that one is private to root, and postgres must reach it.
    base = Path(tempfile.mkdtemp(prefix="vrt-pg-"))
    base.chmod(0o755)
    datadir = base / "data"
    datadir.mkdir()
    # PostgreSQL refuses to run as root; the Debian package creates the user postgres.
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(datadir, "postgres")
    subprocess.run(
        [*as_postgres, str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "rasa", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    server = PostgresServer(datadir=datadir, port=free_port(), as_postgres=as_postgres)
    server.start()
    subprocess.run(
        [
            *as_postgres,
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "rasa",
            "rasa",
        ],
        check=True,
        capture_output=True,
    )
    yield server
    subprocess.run(
        [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", "fast", "stop"], capture_output=True
    )
    shutil.rmtree(base, ignore_errors=True)
