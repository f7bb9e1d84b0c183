"""Conversations are kept in the SQLite tracker store and survive a server restart."""

import json
import sqlite3
import uuid


def test_conversation_survives_rasa_restart(bot):
    user = f"restart-{uuid.uuid4().hex[:8]}"
    bot.say(user, "wat staat er in het beleidsplan over netwerk?")

    bot.restart_rasa()

    # The follow-up needs the answer remembered from before the restart (netwerk -> platformfunctie).
    reply = " ".join(m.get("text", "") for m in bot.say(user, "vertel meer"))
    assert "platformfunctie" in reply


def test_events_are_rows_in_the_sqlite_database(bot):
    user = f"sqlite-{uuid.uuid4().hex[:8]}"
    bot.say(user, "hoeveel kazernes zijn er?")

    db = bot.env()["VRT_TRACKER_DB"]
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name, intent_name, data FROM events WHERE sender_id = ? ORDER BY id", (user,)
        ).fetchall()
    users = [(intent, json.loads(data)["text"]) for kind, intent, data in rows if kind == "user"]
    bots = [json.loads(data) for kind, _, data in rows if kind == "bot"]
    assert users == [("faq", "hoeveel kazernes zijn er?")]
    # One bot event: the answer, with its source in the response's custom data.
    assert len(bots) == 1 and "29 kazernes" in bots[0]["text"]
    assert bots[0]["data"]["custom"]["bron"]
