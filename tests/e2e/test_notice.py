"""Crisis notices end to end: published with `make notice`, answered over REST and socket.io by
the running servers, and gone when staff end them or at the end time, without a restart.

Uses the session's bot (tests/conftest.py). Every notice ends within this module, so the other
modules never see one.
"""

from __future__ import annotations

import asyncio
import uuid

from tests.notices import NONE_TEXT, TEXT, TITLE, banner, make_notice, poll, publish, texts
from vrt.ops.servers import socketio_turns


def test_no_notice_gets_an_honest_answer(bot):
    reply = texts(bot.say(f"n-{uuid.uuid4().hex}", "wat is er aan de hand?"))
    assert reply[0].startswith(NONE_TEXT)
    assert "www.vrtwente.nl" in reply[0] and "112" in reply[0]
    assert banner(bot) == []


def test_published_notice_is_the_answer_until_staff_end_it(bot, tmp_path):
    notice_id = publish(bot, tmp_path, lifetime_s=3600)
    rasa_pid = bot.rasa_process.pid
    resident = f"n-{uuid.uuid4().hex}"

    # Each server process reads the notices at most every 5 s: the channel (banner) and the
    # action server (answer) each within that time.
    assert poll(lambda: banner(bot)), "the banner did not show the notice"

    # The notice, word for word, with its time and source.
    def notice_answer():
        reply = bot.say(resident, "wat is er aan de hand in Hengelo?")
        return reply if any(TEXT in t for t in texts(reply)) else None

    reply = poll(notice_answer)
    assert reply, "the notice did not become the answer"
    (answer,) = texts(reply)
    assert answer.startswith(f"{TITLE}\n{TEXT}\nMelding van VRT voor Hengelo, Borne, geplaatst op ")
    (source,) = [m["custom"]["bron"] for m in reply if "custom" in m]
    assert source[0]["link"] == "https://www.vrtwente.nl"
    assert source[0]["naam"].startswith("Veiligheidsregio Twente, melding van ")

    # Another municipality: honest, with a pointer to the notice there is.
    other = texts(bot.say(resident, "wat is er aan de hand in Losser?"))
    assert other[0].startswith("Er is op dit moment geen melding van VRT voor Losser.")
    assert TITLE in other[1]

    # The widget's banner.
    (shown,) = banner(bot)
    assert (shown["title"], shown["text"], shown["link"]) == (TITLE, TEXT, "https://www.vrtwente.nl")

    # Other answers as before, with a one-line pointer last; the greeting mentions it.
    for question, answer_part in [
        ("hoeveel kazernes zijn er?", "29 kazernes"),
        ("hallo", "digitale assistent"),
    ]:
        reply = texts(bot.say(resident, question))
        assert answer_part in reply[0]
        assert (
            reply[-1]
            == f'Let op: VRT heeft een melding: {TITLE}. Vraag "Wat is er aan de hand?" voor het advies.'
        )

    # An emergency: "Bel nu 112" first, then the notice.
    reply = texts(bot.say(resident, "help er is brand in mijn huis"))
    assert reply[0].startswith("Bel nu 112")
    assert reply[1].startswith(f"{TITLE}\n{TEXT}")

    # Smoke: the emergency net may put the 112 line first; the notice follows.
    reply = texts(bot.say(resident, "is die rook gevaarlijk?"))
    assert any(t.startswith(f"{TITLE}\n{TEXT}") for t in reply)
    assert reply[0].startswith(("Bel", TITLE))

    # socket.io: the same answers.
    asked, emergency, faq = asyncio.run(
        socketio_turns(
            bot.rasa_url,
            uuid.uuid4().hex,
            ["moet ik mijn ramen dicht doen?", "er is brand!", "wat doet vrt?"],
        )
    )
    assert texts(asked)[0].startswith(f"{TITLE}\n{TEXT}")
    assert texts(emergency)[0].startswith("Bel nu 112") and texts(emergency)[1].startswith(TITLE)
    assert texts(faq)[-1].startswith("Let op: VRT heeft een melding")

    # Staff end it: gone from every answer, with the same server process.
    ended = make_notice(bot, "end", str(notice_id))
    assert ended.returncode == 0, ended.stderr

    def gone():
        reply = texts(bot.say(resident, "wat is er aan de hand?"))
        return reply if reply[0].startswith(NONE_TEXT) else None

    assert poll(gone), "the notice was still the answer after it was ended"
    assert poll(lambda: banner(bot) == []), "the banner still showed the ended notice"
    assert not any(t.startswith("Let op") for t in texts(bot.say(resident, "hallo")))
    (sio,) = asyncio.run(socketio_turns(bot.rasa_url, uuid.uuid4().hex, ["wat is er aan de hand?"]))
    assert texts(sio)[0].startswith(NONE_TEXT)
    assert bot.rasa_process.pid == rasa_pid and bot.rasa_process.poll() is None
    assert f"#{notice_id} [ended] {TITLE}" in make_notice(bot, "list", "--all").stdout


def test_a_notice_vanishes_at_its_end_time(bot, tmp_path):
    title = "Korte melding"
    publish(bot, tmp_path, lifetime_s=20, title=title)
    assert poll(lambda: [n for n in banner(bot) if n["title"] == title], timeout=20), "never shown"
    assert poll(lambda: banner(bot) == [], timeout=40), "still shown after its end time"
    reply = texts(bot.say(f"n-{uuid.uuid4().hex}", "wat is er aan de hand in Borne?"))
    assert reply[0].startswith("Er is op dit moment geen melding van VRT voor Borne.")
