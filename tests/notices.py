"""Helpers for the crisis-notice tests (tests/e2e, tests/browser): `make notice` against a
running bot's own store, its answers and the widget's notice endpoint."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import datetime

import requests
import yaml

from vrt.notices.notices import LOCAL_TIME
from vrt.ops.servers import ROOT

TITLE = "Grote brand in Hengelo"
TEXT = "Er komt veel rook vrij in Hengelo en Borne. Houd ramen en deuren dicht en zet de ventilatie uit."
NONE_TEXT = "Er is op dit moment geen melding van VRT."
# Staff's optional English text (tekst_en): what the English widget and English answers show.
TEXT_EN = "A lot of smoke is coming from a fire in Hengelo and Borne. Keep windows and doors closed."


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
        "tekst_en": TEXT_EN,
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
