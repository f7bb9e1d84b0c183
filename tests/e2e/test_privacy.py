"""Privacy and bad input, against the real servers: what is stored, logged and answered.

Conversations full of personal data go over REST (from the loopback address 127.0.0.2,
with a forged X-Forwarded-For) and through a real socket.io client; then the SQLite,
PostgreSQL and Redis stores and the server log are read back. Retention (purge, forget)
runs while the bot runs.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import sqlite3
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
import socketio
import yaml

from vrt.ops.servers import ROOT, VENV_BIN, BotServers, socketio_turns

CONVERSATION = [
    "ik ben Jan de Vries en woon op de Hengelosestraat 12, 7514 AB Enschede",
    "bel me op 06-12345678 of mail jan.devries@example.nl",
    "mijn bsn is 944117715 en mijn iban NL91 ABNA 2876 3942 42",
    "er is brand bij mijn buurman Henk Visser, bel 0612345679",
]
# Short digit strings are not checked alone: they occur in stored confidences (0.0...3942...).
PERSONAL = [
    "Jan de Vries",
    "Vries",
    "Hengelosestraat",
    "7514 AB",
    "06-12345678",
    "jan.devries",
    "944117715",
    "ABNA 2876",
    "2876 3942",
    "Henk",
    "Visser",
    "0612345679",
]
PLACEHOLDERS = ["[naam]", "[adres]", "[postcode]", "[telefoonnummer]", "[e-mailadres]", "[bsn]", "[iban]"]
CLIENT_IP = "127.0.0.2"
FORWARDED_IP = "203.0.113.77"
OLD = 40 * 86400  # seconds: older than the 30 days kept


def new_id(prefix: str = "privacy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post(bot: BotServers, body: bytes) -> tuple:
    """A raw POST to the REST webhook from CLIENT_IP; returns (status, body text)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", bot.rasa_port, timeout=120, source_address=(CLIENT_IP, 0)
    )
    try:
        connection.request(
            "POST",
            "/webhooks/rest/webhook",
            body=body,
            headers={"Content-Type": "application/json", "X-Forwarded-For": FORWARDED_IP},
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def say(bot: BotServers, sender: str, message) -> list:
    status, body = post(bot, json.dumps({"sender": sender, "message": message}).encode())
    assert status == 200, body
    return json.loads(body)


def converse_both_channels(bot: BotServers) -> tuple:
    """CONVERSATION over REST and over socket.io; an emergency among personal data gets 112 first."""
    rest_user, sio_user = new_id("rest"), uuid.uuid4().hex
    replies = [say(bot, rest_user, message) for message in CONVERSATION]
    assert all(replies) and replies[3][0]["text"].startswith("Bel nu 112")
    turns = asyncio.run(socketio_turns(bot.rasa_url, sio_user, CONVERSATION))
    assert turns[3][0]["text"].startswith("Bel nu 112")
    return rest_user, sio_user


def assert_nothing_personal(stored: str) -> None:
    for secret in [*PERSONAL, CLIENT_IP, FORWARDED_IP]:
        assert secret not in stored, f"{secret!r} was stored"
    for placeholder in PLACEHOLDERS:
        assert placeholder in stored


def sqlite_rows(db: str, sender: str | None = None) -> list:
    with sqlite3.connect(db) as connection:
        query = "SELECT * FROM events" + (" WHERE sender_id = ?" if sender else "")
        return connection.execute(query, (sender,) if sender else ()).fetchall()


def retention(bot: BotServers, *args: str) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "vrt.privacy.retention", "--endpoints", bot.endpoints, *args],
        cwd=ROOT,
        env=bot.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# --- SQLite, REST and socket.io ----------------------------------------------------------


def test_conversations_over_rest_and_socketio_store_no_personal_data(bot):
    converse_both_channels(bot)
    db = bot.env()["VRT_TRACKER_DB"]
    assert_nothing_personal(repr(sqlite_rows(db)))
    log = (bot.workdir / "rasa.log").read_text(errors="replace")
    for secret in [*PERSONAL, CLIENT_IP, FORWARDED_IP]:
        assert secret not in log, f"{secret!r} is in the server log"
    assert stat.S_IMODE(Path(db).stat().st_mode) == 0o600


def test_an_existing_world_readable_store_is_made_private_at_start(bot):
    db = Path(bot.env()["VRT_TRACKER_DB"])
    db.chmod(0o644)
    bot.restart_rasa()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_purge_and_forget_while_the_bot_runs(bot):
    db = bot.env()["VRT_TRACKER_DB"]
    old_user, recent_user = new_id("old"), new_id("recent")
    say(bot, old_user, "hoeveel kazernes zijn er?")
    say(bot, recent_user, "wat doet vrt?")
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE events SET timestamp = timestamp - ? WHERE sender_id = ?", (OLD, old_user))

    assert "deleted" in retention(bot, "purge", "--days", "30")
    assert sqlite_rows(db, old_user) == [] and sqlite_rows(db, recent_user)
    assert say(bot, recent_user, "en hoeveel vrijwilligers?")  # the bot did not notice

    retention(bot, "forget", recent_user)
    assert sqlite_rows(db, recent_user) == []
    # The running server kept this conversation in its tracker cache: it must notice the
    # deletion, start afresh and never write the forgotten turns back.
    say(bot, recent_user, "hallo")
    rows = sqlite_rows(db, recent_user)
    assert [json.loads(row[-1])["text"] for row in rows if row[2] == "user"] == ["hallo"]


# Round 2 (issue 25): dates of birth, licence plates, BSN and IBAN with dots or spaces,
# lower-case and English self-introductions, each beside a question the bot answers.
# (message, what the store must hold, FAQ topic of the answer, 0 Dutch / 1 English answer)
ROUND2_CONVERSATION = [
    (
        "ik ben geboren op 14-03-1957, hoeveel kazernes zijn er?",
        "ik ben geboren op [geboortedatum], hoeveel kazernes zijn er?",
        "capaciteit",
        0,
    ),
    (
        "mijn geboortedatum is 3 april 1961, welke gemeenten horen bij vrt",
        "mijn geboortedatum is [geboortedatum], welke gemeenten horen bij vrt",
        "gemeenten",
        0,
    ),
    (
        "mijn auto 12-ABC-3 staat bij de kazerne, wat is de twente safety campus?",
        "mijn auto [kenteken] staat bij de kazerne, wat is de twente safety campus?",
        "twente_safety_campus",
        0,
    ),
    (
        "hallo ik ben henk en mijn kenteken is gb123x, politie bellen zonder spoed",
        "hallo ik ben [naam] en mijn kenteken is [kenteken], politie bellen zonder spoed",
        "politie_geen_spoed",
        0,
    ),
    (
        "mijn bsn is 123.456.782 en ik ben van 3 apr. 1961, wat doet de veiligheidsregio eigenlijk",
        "mijn bsn is [bsn] en ik ben van [geboortedatum], wat doet de veiligheidsregio eigenlijk",
        "wat_doet_vrt",
        0,
    ),
    (
        "iban NL91.ABNA.2876.3942.42 en ik heet aylin, wat is het platform ivz",
        "iban [iban] en ik heet [naam], wat is het platform ivz",
        "platform_ivz",
        0,
    ),
    (
        "my name is john smith, born April 3, 1961, what does the safety region do?",
        "my name is [naam], born [geboortedatum], what does the safety region do?",
        "wat_doet_vrt",
        1,
    ),
]
# Compared in lower case. Short digit strings are not checked alone (see PERSONAL).
ROUND2_PERSONAL = [
    "14-03-1957",
    "3 april 1961",
    "3 apr. 1961",
    "april 3, 1961",
    "12-abc-3",
    "gb123x",
    "henk",
    "123.456.782",
    "nl91.abna",
    "2876.3942",
    "aylin",
    "john",
    "smith",
]


def test_round2_kinds_are_not_stored_and_the_questions_are_answered(bot):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    user = new_id("round2")
    for message, _, topic, language in ROUND2_CONVERSATION:
        replies = say(bot, user, message)
        expected = " ".join(domain["responses"][f"utter_faq/{topic}"][language]["text"].split())
        assert [r["text"] for r in replies if "text" in r] == [expected], message

    rows = sqlite_rows(bot.env()["VRT_TRACKER_DB"], user)
    events = [json.loads(row[-1]) for row in rows]
    assert [e["text"] for e in events if e["event"] == "user"] == [
        stored for _, stored, _, _ in ROUND2_CONVERSATION
    ]
    stored = repr(rows).lower()
    for secret in ROUND2_PERSONAL:
        assert secret not in stored, f"{secret!r} was stored"
    log = (bot.workdir / "rasa.log").read_text(errors="replace").lower()
    for secret in ROUND2_PERSONAL:
        assert secret not in log, f"{secret!r} is in the server log"


# --- bad input ------------------------------------------------------------------------------


def bad_rest_inputs():
    sender = new_id("bad")
    return [
        (b"{bad", 400),
        (b"[1, 2]", 400),
        (b'"hallo"', 400),
        (b"", 400),
        (b"\xff\xfe\x00", 400),
        (json.dumps({"sender": sender, "message": 5}).encode(), 400),
        (json.dumps({"sender": sender, "message": None}).encode(), 400),
        (json.dumps({"sender": sender, "message": ["hallo"]}).encode(), 400),
        (json.dumps({"sender": 5, "message": "hallo"}).encode(), 400),
        (json.dumps({"message": "hallo"}).encode(), 400),
        (json.dumps({"sender": "jan@example.nl", "message": "hallo"}).encode(), 400),
        (json.dumps({"sender": sender, "message": "hallo", "metadata": [1]}).encode(), 400),
        (json.dumps({"sender": sender, "message": "a" * 1_000_000}).encode(), 413),
        (json.dumps({"sender": sender, "message": ""}).encode(), 200),
        (json.dumps({"sender": sender, "message": "\u0000\u0007\u200b"}).encode(), 200),
        (
            json.dumps({"sender": sender, "message": "hoeveel\u0000 kazernes\u202e zijn er?\ud800"}).encode(),
            200,
        ),
        (json.dumps({"sender": sender, "message": "/session_start"}).encode(), 200),
        (json.dumps({"sender": sender, "message": "/restart"}).encode(), 200),
        (json.dumps({"sender": sender, "message": '/faq{"x":1}'}).encode(), 200),
        (json.dumps({"sender": sender, "message": '/beleidsplan{"beleidsthema":"geheim"}'}).encode(), 200),
        (json.dumps({"sender": sender, "message": '/nlu_fallback{"beleidsthema":"koers"}'}).encode(), 200),
        (json.dumps({"sender": sender, "message": "kazerne " * 1000}).encode(), 200),
    ]


def test_every_bad_rest_input_gets_a_4xx_or_a_polite_dutch_reply(bot):
    for body, expected in bad_rest_inputs():
        status, text = post(bot, body)
        assert status == expected, (body[:80], status, text[:300])
        assert "Traceback" not in text and "/work" not in text and ".py" not in text, text[:300]
        if status == 200:  # text messages, and maybe the answer's source ({"custom": {"bron": ...}})
            replies = json.loads(text)
            assert replies and replies[0].get("text"), (body[:80], text[:300])
            assert all(r.get("text") or r.get("custom") for r in replies), (body[:80], text[:300])


def test_typed_payloads_cannot_set_slots_or_start_sessions(bot):
    user = new_id("payload")
    say(bot, user, '/beleidsplan{"beleidsthema":"geheim"}')
    say(bot, user, "/session_start")
    with sqlite3.connect(bot.env()["VRT_TRACKER_DB"]) as connection:
        events = [
            json.loads(data)
            for (data,) in connection.execute(
                "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (user,)
            )
        ]
    assert not [e for e in events if e["event"] == "slot" and e.get("value") == "geheim"]
    assert len([e for e in events if e["event"] == "session_started"]) == 1
    assert [e["text"] for e in events if e["event"] == "user"] == [
        'beleidsplan{"beleidsthema":"geheim"}',
        "session_start",
    ]


def test_offered_payloads_still_work(bot):
    user = new_id("offered")
    replies = say(bot, user, '/beleidsplan{"beleidsthema":"koers"}')
    assert "Stabiele factor" in " ".join(r.get("text", "") for r in replies)
    assert "29 kazernes" in say(bot, user, "/faq/capaciteit")[0]["text"]
    assert "Bedankt voor je reactie" in say(bot, user, '/feedback{"feedback":"negatief"}')[0]["text"]


def test_long_message_with_a_hidden_emergency_gets_112_first_over_rest(bot):
    replies = say(bot, new_id("long"), "ik heb een vraag " * 200 + "en er is brand in de keuken")
    assert replies[0]["text"].startswith("Bel nu 112")
    assert "te lang" in replies[-1]["text"]


def test_socketio_bad_input_gets_a_polite_dutch_reply(bot):
    session = uuid.uuid4().hex
    turns = asyncio.run(
        socketio_turns(
            bot.rasa_url,
            session,
            [
                5,
                {"message": 5, "session_id": session},
                {"message": "hallo"},
                {"session_id": session},
                {"message": "hallo", "session_id": ["x"]},
                {"message": "hallo", "session_id": session, "metadata": "{bad"},
                "/session_start",
                '/faq{"x":1}',
                "\u0000",
                "ik vraag " * 300 + "mijn buurman is bewusteloos",
            ],
        )
    )
    assert all(turn and turn[0].get("text") for turn in turns)
    assert "niet lezen" in turns[0][0]["text"] and "niet lezen" in turns[1][0]["text"]
    assert turns[-1][0]["text"].startswith("Bel nu 112") and "te lang" in turns[-1][-1]["text"]


def test_socketio_accepts_only_the_allowed_origins(bot):
    allowed = bot.cors_origins[0]
    (turn,) = asyncio.run(
        socketio_turns(bot.rasa_url, uuid.uuid4().hex, ["hallo"], headers={"Origin": allowed})
    )
    assert "Bij nood" in turn[0]["text"]
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(
            socketio_turns(
                bot.rasa_url, uuid.uuid4().hex, ["hallo"], headers={"Origin": "https://evil.example"}
            )
        )


def test_a_huge_socketio_packet_is_refused_and_the_server_goes_on(bot):
    async def send_huge():
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(bot.rasa_url, transports=["websocket"], socketio_path="/socket.io")
        await client.emit("user_uttered", {"message": "a" * 200_000, "session_id": "huge"})
        await asyncio.sleep(2)
        connected = client.connected
        await client.disconnect()
        return connected

    assert asyncio.run(send_huge()) is False
    (turn,) = asyncio.run(socketio_turns(bot.rasa_url, uuid.uuid4().hex, ["hoeveel kazernes zijn er?"]))
    assert "29 kazernes" in turn[0]["text"]


# --- PostgreSQL and Redis ---------------------------------------------------------------


def store_server(tmp_path_factory, bot, endpoints: str, env: dict) -> BotServers:
    # deploy/endpoints.{postgres,redis}.yml send a token; the session's action server asks none.
    env = {**env, "VRT_ACTION_TOKEN": "unused"}
    server = BotServers(
        workdir=tmp_path_factory.mktemp("privacy-store"),
        model=bot.model,
        endpoints=endpoints,
        extra_env=env,
        action_port=bot.action_port,
    )
    server.start_rasa()  # shares the session's action server
    return server


def test_postgres_store_keeps_no_personal_data_and_purges(
    tmp_path_factory, bot, postgres_server, redis_server
):
    import psycopg2

    server = store_server(
        tmp_path_factory, bot, "deploy/endpoints.postgres.yml", {**postgres_server.env, **redis_server}
    )
    try:
        rest_user, sio_user = converse_both_channels(server)
        connect = dict(host="127.0.0.1", port=postgres_server.port, user="rasa", dbname="rasa")
        with psycopg2.connect(**connect) as db, db.cursor() as cursor:
            cursor.execute("SELECT * FROM events")
            assert_nothing_personal(repr(cursor.fetchall()))
            cursor.execute(
                "UPDATE events SET timestamp = timestamp - %s WHERE sender_id = %s", (OLD, rest_user)
            )
        retention(server, "purge")  # VRT_RETENTION_DAYS default: 30
        retention(server, "forget", sio_user)
        with psycopg2.connect(**connect) as db, db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM events WHERE sender_id IN (%s, %s)", (rest_user, sio_user))
            assert cursor.fetchone()[0] == 0
    finally:
        server.stop_rasa()


def test_redis_store_keeps_no_personal_data_and_purges(tmp_path_factory, bot, redis_server):
    import redis

    server = store_server(tmp_path_factory, bot, "deploy/endpoints.redis.yml", redis_server)
    client = redis.Redis(host="127.0.0.1", port=int(redis_server["VRT_REDIS_PORT"]), db=0)
    try:
        rest_user, sio_user = converse_both_channels(server)
        recent_user = new_id("recent")
        say(server, recent_user, "wat doet vrt?")
        assert_nothing_personal(repr([client.get(key) for key in client.keys("*")]))

        key = f"tracker:{rest_user}"
        tracker = json.loads(client.get(key))
        for event in tracker["events"]:
            event["timestamp"] -= OLD
        client.set(key, json.dumps(tracker), keepttl=True)
        retention(server, "purge", "--days", "30")
        assert client.get(key) is None and client.get(f"tracker:{recent_user}") is not None
        retention(server, "forget", sio_user)
        assert client.get(f"tracker:{sio_user}") is None
        assert say(server, recent_user, "en hoeveel kazernes?")
    finally:
        server.stop_rasa()
