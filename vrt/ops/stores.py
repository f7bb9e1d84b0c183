"""PostgreSQL and Redis from Debian's packages as unprivileged processes on a free loopback port
and a private data folder: for `make run-cluster`, tests/cluster and tests/e2e.

Each can be stopped and started again on the same port and data, as an operator restarts a
store (tests/cluster restarts them under load). The first start moves to another free port
when another process took the chosen one in the meantime (vrt.ops.servers.PortInUse).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from vrt.ops.servers import PORT_ATTEMPTS, PortInUse, free_port, listening_ports_of, log_since, port_taken

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_until(check, timeout: float = 30, what: str = "service") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not start within {timeout} s")


class RedisServer:
    def __init__(self, workdir: Path, port: Optional[int] = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        # A port given by the caller, or one the servers already use (a restart), stays.
        self.port_may_move = port is None
        self.process: Optional[subprocess.Popen] = None

    @property
    def env(self) -> Dict[str, str]:
        """The variables deploy/endpoints.{postgres,redis}.yml read."""
        return {"VRT_REDIS_HOST": "127.0.0.1", "VRT_REDIS_PORT": str(self.port)}

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "redis.log"
        for attempt in range(PORT_ATTEMPTS):
            with log.open("ab") as output:
                since = output.tell()
                self.process = subprocess.Popen(
                    [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
                    + ["--appendonly", "no", "--dir", str(self.workdir)],
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C in `make run-cluster` reaches the supervisor only
                )
            try:
                self._wait_ready(log, since)
                break
            except PortInUse:
                self.process = None
                if not self.port_may_move or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.port = free_port()
        self.port_may_move = False  # the servers now have this port
        return self

    def _wait_ready(self, log: Path, since: int) -> None:
        import redis

        def ready() -> bool:
            if self.process.poll() is not None:
                output = log_since(log, since)
                error = PortInUse if port_taken(output) else RuntimeError
                raise error(f"redis-server on port {self.port} ended:\n{output[-2000:]}")
            # Whatever else holds the port would answer (or hang): first this process's listener.
            if ("127.0.0.1", self.port) not in listening_ports_of(self.process.pid):
                return False
            try:
                client = redis.Redis(
                    host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2
                )
                return client.ping()
            except redis.RedisError:
                return False

        try:
            wait_until(ready, what=f"redis-server on port {self.port}")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class PostgresServer:
    """A PostgreSQL 15 cluster with database and user `rasa` (trust on loopback)."""

    def __init__(self, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.port_may_move = port is None  # as RedisServer's
        # Not under pytest's tmp dir: that one is private to root, and postgres must reach it.
        self.base = Path(tempfile.mkdtemp(prefix="vrt-pg-"))
        self.datadir = self.base / "data"
        # PostgreSQL refuses to run as root; the Debian package creates the user postgres.
        self.as_postgres: List[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

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

    def _run(self, program: str, *args: str) -> None:
        # In its own folder: the user postgres may not enter the caller's (a checkout of mode 700).
        result = subprocess.run(
            [*self.as_postgres, str(PG_BIN / program), *args], cwd=self.base, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(
                f"PostgreSQL: {program} {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )

    def pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), *args)

    def create(self) -> "PostgresServer":
        """initdb, start, createdb rasa."""
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError("PostgreSQL 15 is not installed (Debian package postgresql)")
        self.base.chmod(0o755)
        self.datadir.mkdir()
        if self.as_postgres:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.datadir, "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", "rasa", "--auth=trust")
        for attempt in range(PORT_ATTEMPTS):
            try:
                self.start()
                break
            except PortInUse:
                if not self.port_may_move or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.port = free_port()
        self.port_may_move = False
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "rasa", "rasa")
        return self

    def start(self) -> None:
        log = self.datadir / "server.log"
        since = log.stat().st_size if log.exists() else 0
        try:
            self.pg_ctl(
                "-w",
                "-l",
                str(log),
                "-o",
                f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c max_connections=200",
                "start",
            )
        except RuntimeError as failed:
            output = log_since(log, since)
            error = PortInUse if port_taken(output) else RuntimeError
            raise error(f"{failed}\n{output[-2000:]}") from None

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stops the server if it runs and deletes its data."""
        if not self.base.exists():
            return
        subprocess.run(
            [*self.as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"],
            cwd=self.base,
            capture_output=True,
        )
        shutil.rmtree(self.base, ignore_errors=True)

    def query(self, sql: str, *args) -> list:
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=self.port, user="rasa", dbname="rasa") as db:
            with db.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()
