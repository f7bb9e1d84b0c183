"""Crisis notices end to end: published with `make notice`, answered over REST and socket.io by
the running servers, and gone at the end time, without a restart.

Uses the session's bot (tests/conftest.py). The notice ends by itself within this module, so
the other modules never see it.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import uuid
from datetime import datetime

import requests
import yaml

from tests.servers import ROOT, socketio_turns
from vrt_notice.notices import LOCAL_TIME

TITLE = "Grote brand in Hengelo"
TEXT = "Er komt veel rook vrij in Hengelo en Borne. Houd ramen en deuren dicht en zet de ventilatie uit."
NONE_TEXT = "Er is op dit moment geen melding van VRT."


def make_notice(bot, *args: str) -> subprocess.CompletedProcess:
    """The staff command, as staff type it, against the bot's own store."""
    return subprocess.run(
        ["make", "--no-print-directory", "notice", f"ARGS={' '.join(args)}"],
        cwd=ROOT, env=bot.env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def publish(bot, tmp_path, lifetime_s: float, title: str = TITLE) -> int:
    """Publishes a notice for Hengelo and Borne that ends in lifetime_s seconds; returns its id."""
    path = tmp_path / "melding.yml"
    ends_at = datetime.fromtimestamp(time.time() + lifetime_s, LOCAL_TIME)
    fields = {
        "titel": title,
        "tekst": TEXT,
        "gemeenten": ["Hengelo", "Borne"],
        "einde": ends_at.isoformat(timespec="seconds"),
        "link": "https://www.vrtwente.nl",
        "door": "Team Communicatie",
    }
    path.write_text(yaml.safe_dump(fields, allow_unicode=True))
    published = make_notice(bot, "publish", str(path))
    assert published.returncode == 0, published.stderr
    return int(re.search(r"published notice #(\d+)", published.stdout).group(1))


def banner(bot) -> list:
    return requests.get(f"{bot.rasa_url}/webhooks/rest/notice", timeout=10).json()["notices"]


def texts(messages) -> list:
    return [m["text"] for m in messages if "text" in m]


def poll(check, timeout: float = 90):
    """check() until it returns something true (the caches keep a notice up to 5 s)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_no_notice_gets_an_honest_answer(bot):
    reply = texts(bot.say(f"n-{uuid.uuid4().hex}", "wat is er aan de hand?"))
    assert reply[0].startswith(NONE_TEXT)
    assert "www.vrtwente.nl" in reply[0] and "112" in reply[0]
    assert requests.get(f"{bot.rasa_url}/webhooks/rest/notice", timeout=10).json() == {"notices": []}


def test_published_notice_is_the_answer_until_staff_end_it(bot, tmp_path):
    notice_id = publish(bot, tmp_path, lifetime_s=3600)
    rasa_pid = bot.rasa_process.pid
    resident = f"n-{uuid.uuid4().hex}"

    # The notice, word for word, with its time and source, within the cache time.
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
    assert not any(t.startswith("Let op") for t in texts(bot.say(resident, "hallo")))
    assert banner(bot) == []
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
