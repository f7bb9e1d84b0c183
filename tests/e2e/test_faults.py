"""A part fails; the resident still gets a reply, and the bot recovers without a restart.

Against the real servers: the action server killed, the SQLite file locked or corrupt,
PostgreSQL stopped. The replies in a fault are the domain's utter_storing_* responses.
Measured waits go to results/fault-figures.txt (printed by make test).
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

from vrt.ops.servers import ROOT, VENV_BIN, BotServers, current_model, free_port

RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
ACTION_SERVER_DOWN = " ".join(RESPONSES["utter_storing_actieserver"][0]["text"].split())
STORE_UNAVAILABLE = " ".join(RESPONSES["utter_storing_opslag"][0]["text"].split())
THEME_QUESTION = "wat staat er in het beleidsplan over netwerk?"
THEME_ANSWER = "sterk netwerk"  # in the answer to THEME_QUESTION
THEME_DETAILS = "VRT heeft een platformfunctie"  # in the follow-up ("vertel meer") to that answer


def sender() -> str:
    return f"fault-{uuid.uuid4().hex[:8]}"


def texts(messages) -> str:
    return " ".join(" ".join(m.get("text", "").split()) for m in messages)


def stored_user_turns(db: Path, user: str) -> list:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (user,)
            )
        ]


@contextlib.contextmanager
def sqlite_locked(db: Path):
    """Holds an exclusive lock on the SQLite file, as a long write by another program does."""
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def test_action_server_down_gets_a_polite_reply_while_faq_and_112_still_work(bot, figures):
    user = sender()
    bot.kill_actions()
    try:
        assert texts(bot.say(user, "wat staat er in het beleidsplan over innovatie?")) == ACTION_SERVER_DOWN
        assert "29 kazernes" in texts(bot.say(user, "hoeveel kazernes zijn er?"))
        assert bot.say(user, "er is brand in mijn keuken")[0]["text"].startswith("Bel nu 112")
        # The widget's channel too.
        question = "wat zegt het beleidsplan over risico's?"
        (reply,) = bot.say_socketio(uuid.uuid4().hex, [question])
        assert " ".join(reply["text"].split()) == ACTION_SERVER_DOWN
    finally:
        started = time.monotonic()
        bot.start_actions()
        seconds = time.monotonic() - started
        figures(f"action server (vrt/ops/servers.py, no supervisor) started again in {seconds:.1f} s")
    assert THEME_ANSWER in texts(bot.say(user, THEME_QUESTION))
    assert "Failed to run custom action 'action_beleidsplan'" in bot.log("rasa")


def test_short_sqlite_lock_is_waited_out_while_the_server_goes_on(bot, figures):
    db = Path(bot.env()["VRT_TRACKER_DB"])
    user = sender()
    bot.say(user, THEME_QUESTION)
    with ThreadPoolExecutor(1) as pool:
        with sqlite_locked(db):
            started = time.monotonic()
            turn = pool.submit(bot.say, user, "vertel meer")
            time.sleep(1)
            assert not turn.done(), "the turn cannot read the conversation while the file is locked"
            # The wait happens in a worker thread: the server's event loop still answers.
            assert requests.get(bot.rasa_url + "/", timeout=10).ok
            assert not turn.done()
            time.sleep(1)  # 2 s in all, less than busy_timeout (5 s)
        reply = turn.result(timeout=60)
        figures(f"SQLite locked 2 s: reply with context after {time.monotonic() - started:.1f} s")
    assert THEME_DETAILS in texts(reply)
    assert len(stored_user_turns(db, user)) == 2


def test_long_sqlite_lock_gets_a_polite_reply_and_the_bot_recovers(bot, figures):
    db = Path(bot.env()["VRT_TRACKER_DB"])
    user = sender()
    bot.say(user, THEME_QUESTION)
    with sqlite_locked(db):
        started = time.monotonic()
        replies = bot.say(user, "vertel meer")
        seconds = time.monotonic() - started
        figures(f"SQLite locked longer than busy_timeout (5 s): polite reply after {seconds:.1f} s")
    assert texts(replies) == STORE_UNAVAILABLE
    assert replies[0]["text"].startswith("Bij nood: bel 112")
    log = bot.log("rasa")
    assert f"Tracker store {db} unavailable (database is locked" in log
    assert "Falling back" not in log
    # No restart: the next turn is answered with the stored context; the failed one was not kept.
    assert THEME_DETAILS in texts(bot.say(user, "vertel meer"))
    assert len(stored_user_turns(db, user)) == 2
    assert f"Tracker store {db} is available again" in bot.log("rasa")


def test_corrupt_sqlite_file_at_run_time_gets_a_polite_reply_until_it_is_restored(bot):
    db = Path(bot.env()["VRT_TRACKER_DB"])
    user = sender()
    bot.say(user, THEME_QUESTION)
    original = db.read_bytes()
    try:
        db.write_bytes(b"this is no database " * 1000)
        assert texts(bot.say(user, "vertel meer")) == STORE_UNAVAILABLE
        assert f"Tracker store {db} unavailable (file is not a database" in bot.log("rasa")
    finally:
        db.write_bytes(original)
    assert THEME_DETAILS in texts(bot.say(user, "vertel meer"))


def test_corrupt_sqlite_file_at_start_is_named_within_seconds(tmp_path, figures):
    db = tmp_path / "tracker.db"
    db.write_bytes(b"this is no database " * 1000)
    env = BotServers(workdir=tmp_path, model=current_model(), tracker_db=db).env()

    started = time.monotonic()
    result = subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "run",
            "--model",
            str(current_model()),
            "--port",
            str(free_port()),
            "--endpoints",
            "deploy/endpoints.sqlite.yml",
            "--credentials",
            "credentials.yml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    figures(f"corrupt SQLite file: rasa run stopped after {time.monotonic() - started:.1f} s")
    assert result.returncode != 0
    assert f"Tracker store file {db} cannot be used: file is not a database" in result.stdout + result.stderr

    started = time.monotonic()
    result = subprocess.run(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **env,
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "WEB_PORT": str(free_port()),
            "VRT_RUN_DIR": str(tmp_path / "run"),
        },
    )
    figures(f"corrupt SQLite file: make run stopped after {time.monotonic() - started:.1f} s")
    assert result.returncode != 0
    assert f"Tracker store file {db} cannot be used: file is not a database" in result.stderr
    assert not (tmp_path / "run" / "supervisord.pid").exists(), "nothing was started"


def test_postgres_down_gets_a_polite_reply_and_the_bot_recovers(
    tmp_path_factory, postgres_server, redis_server, figures
):
    env = {**postgres_server.env, **redis_server, "VRT_ACTION_TOKEN": secrets.token_urlsafe(16)}
    servers = BotServers(
        workdir=tmp_path_factory.mktemp("pg-down"),
        model=current_model(),
        endpoints="deploy/endpoints.postgres.yml",
        extra_env=env,
    ).start()
    try:
        user = sender()
        servers.say(user, THEME_QUESTION)
        postgres_server.stop()
        try:
            started = time.monotonic()
            replies = servers.say(user, "vertel meer")
            figures(f"PostgreSQL down: polite reply after {time.monotonic() - started:.1f} s")
            assert texts(replies) == STORE_UNAVAILABLE
            assert servers.say(sender(), "er is brand")[0]["text"].startswith("Bij nood: bel 112")
        finally:
            postgres_server.start()
        started = time.monotonic()
        assert THEME_DETAILS in texts(servers.say(user, "vertel meer"))
        figures(f"PostgreSQL back: first turn with context took {time.monotonic() - started:.1f} s")
        log = servers.log("rasa")
        assert "Tracker store postgresql database 'rasa' unavailable" in log
        assert "Falling back" not in log
    finally:
        servers.stop()
