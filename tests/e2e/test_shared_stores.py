"""Several Rasa servers sharing one conversation store: PostgreSQL or Redis.

Uses the project's own deploy/endpoints.*.yml against real PostgreSQL and Redis
servers that the tests start on free loopback ports (Debian packages postgresql and
redis-server; scripts/test.sh installs them). Two Rasa servers take turns in one
conversation: the second must know what was said to the first.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.servers import BotServers, current_model, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_until(check, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise RuntimeError("service did not start")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; scripts/test.sh installs it")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
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


@pytest.fixture(scope="module")
def postgres_server():
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 is not installed; scripts/test.sh installs it")
    # Not under pytest's tmp dir: that one is private to root, and postgres must reach it.
    base = Path(tempfile.mkdtemp(prefix="vrt-pg-"))
    base.chmod(0o755)
    datadir = base / "data"
    datadir.mkdir()
    port = free_port()
    # PostgreSQL refuses to run as root; the Debian package creates the user postgres.
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(datadir, "postgres")
    subprocess.run([*as_postgres, str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "rasa",
                    "--auth=trust"], check=True, capture_output=True)
    subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-w", "-l",
                    str(datadir / "server.log"), "-o",
                    f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                    "-U", "rasa", "rasa"], check=True, capture_output=True)
    yield {"VRT_DB_HOST": "127.0.0.1", "VRT_DB_PORT": str(port), "VRT_DB_NAME": "rasa",
           "VRT_DB_USER": "rasa", "VRT_DB_PASSWORD": "unused"}
    subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", "fast", "stop"],
                   capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def two_servers(tmp_path_factory, endpoints: str, env: dict):
    model = current_model()
    first = BotServers(workdir=tmp_path_factory.mktemp("first"), model=model,
                       endpoints=endpoints, extra_env=env)
    first.start()
    second = BotServers(workdir=tmp_path_factory.mktemp("second"), model=model,
                        endpoints=endpoints, extra_env=env, action_port=first.action_port)
    second.start_rasa()  # shares the first one's action server
    return first, second


def conversation_moves_between_servers(first: BotServers, second: BotServers):
    user = f"shared-{uuid.uuid4().hex[:8]}"
    assert "krachtige netwerk" in first.say(user, "wat staat er in het beleidsplan over netwerk?")[0]["text"]
    # The follow-up needs the theme the first server stored.
    reply = " ".join(m["text"] for m in second.say(user, "vertel meer"))
    assert "landelijk en internationaal" in reply
    assert "Meer heb ik niet" in first.say(user, "en verder?")[0]["text"]
    return user


def test_postgres_tracker_store_with_redis_lock_store(tmp_path_factory, postgres_server, redis_server):
    env = {**postgres_server, **redis_server}
    first, second = two_servers(tmp_path_factory, "deploy/endpoints.postgres.yml", env)
    try:
        user = conversation_moves_between_servers(first, second)
    finally:
        second.stop_rasa()
        first.stop()

    import psycopg2

    with psycopg2.connect(host="127.0.0.1", port=env["VRT_DB_PORT"], user="rasa", dbname="rasa") as db:
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (user,))
            assert cursor.fetchone()[0] == 3


def test_redis_tracker_store(tmp_path_factory, redis_server):
    first, second = two_servers(tmp_path_factory, "deploy/endpoints.redis.yml", redis_server)
    try:
        user = conversation_moves_between_servers(first, second)
    finally:
        second.stop_rasa()
        first.stop()

    import redis

    client = redis.Redis(host="127.0.0.1", port=int(redis_server["VRT_REDIS_PORT"]), db=0)
    assert any(user.encode() in key for key in client.keys("*"))
