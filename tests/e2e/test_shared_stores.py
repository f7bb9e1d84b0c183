"""Several Rasa servers sharing one conversation store: PostgreSQL or Redis.

Uses the project's own deploy/endpoints.*.yml against real PostgreSQL and Redis
servers (fixtures in conftest.py). Two Rasa servers take turns in one conversation: the
second must know what was said to the first. Both call the action server with the shared
secret VRT_ACTION_TOKEN, as in a multi-server set-up. A crisis notice published once (in the
same database) is shown by both.
"""

from __future__ import annotations

import json
import secrets
import uuid

from tests.notices import TEXT, TITLE, banner, make_notice, poll, publish, texts
from vrt.ops.servers import BotServers, current_model


def two_servers(tmp_path_factory, endpoints: str, env: dict):
    env = {**env, "VRT_ACTION_TOKEN": secrets.token_urlsafe(16)}
    model = current_model()
    first = BotServers(
        workdir=tmp_path_factory.mktemp("first"), model=model, endpoints=endpoints, extra_env=env
    )
    first.start()
    second = BotServers(
        workdir=tmp_path_factory.mktemp("second"),
        model=model,
        endpoints=endpoints,
        extra_env=env,
        action_port=first.action_port,
    )
    try:
        second.start_rasa()  # shares the first one's action server
    except BaseException:
        first.stop()
        raise
    return first, second


def conversation_moves_between_servers(first: BotServers, second: BotServers):
    user = f"shared-{uuid.uuid4().hex[:8]}"
    assert "sterk netwerk" in first.say(user, "wat staat er in het beleidsplan over netwerk?")[0]["text"]
    # The follow-ups need the answers the other server stored (knowledge/vervolg.yml):
    # netwerk -> platformfunctie -> platform_ivz.
    assert "platformfunctie" in second.say(user, "vertel meer")[0]["text"]
    assert "2008" in first.say(user, "en verder?")[0]["text"]
    return user


def notice_shown_by_both(first: BotServers, second: BotServers, tmp_path) -> None:
    """One `make notice` publish: both servers answer with it, point to it and show the banner."""
    notice_id = publish(first, tmp_path, lifetime_s=3600)
    for server in (first, second):
        user = f"notice-{uuid.uuid4().hex[:8]}"
        # The server's channels and the action server each read the notices at most every 5 s.
        assert poll(lambda s=server: [n["title"] for n in banner(s)] == [TITLE]), (
            f"no banner on {server.rasa_url}"
        )
        answer = poll(
            lambda s=server, u=user: [t for t in texts(s.say(u, "wat is er aan de hand?")) if TEXT in t]
        )
        assert answer and answer[0].startswith(f"{TITLE}\n{TEXT}"), (
            f"{server.rasa_url} does not answer with it"
        )
        assert texts(server.say(user, "hallo"))[-1].startswith(f"Let op: VRT heeft een melding: {TITLE}.")
    assert make_notice(first, "end", str(notice_id)).returncode == 0
    for server in (first, second):
        assert poll(lambda s=server: banner(s) == []), f"{server.rasa_url} still shows the ended notice"


def test_postgres_tracker_store_with_redis_lock_store(tmp_path_factory, postgres_server, redis_server):
    env = {**postgres_server.env, **redis_server}
    first, second = two_servers(tmp_path_factory, "deploy/endpoints.postgres.yml", env)
    try:
        user = conversation_moves_between_servers(first, second)
        notice_shown_by_both(first, second, tmp_path_factory.mktemp("notice"))
    finally:
        second.stop_rasa()
        first.stop()

    import psycopg2

    with psycopg2.connect(host="127.0.0.1", port=env["VRT_DB_PORT"], user="rasa", dbname="rasa") as db:
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (user,))
            assert cursor.fetchone()[0] == 3
            # The notice and every change to it are in the same database.
            cursor.execute("SELECT action, by FROM notice_audit ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == ["publish", "end"]


def test_redis_tracker_store(tmp_path_factory, redis_server):
    first, second = two_servers(tmp_path_factory, "deploy/endpoints.redis.yml", redis_server)
    try:
        user = conversation_moves_between_servers(first, second)
        notice_shown_by_both(first, second, tmp_path_factory.mktemp("notice"))
    finally:
        second.stop_rasa()
        first.stop()

    import redis

    client = redis.Redis(host="127.0.0.1", port=int(redis_server["VRT_REDIS_PORT"]), db=0)
    (key,) = [key for key in client.keys("*tracker:*") if key.endswith(user.encode())]
    events = json.loads(client.get(key))["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [
        "wat staat er in het beleidsplan over netwerk?",
        "vertel meer",
        "en verder?",
    ]
