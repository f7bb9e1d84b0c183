"""make report on hostile messages in a real SQLite tracker store: the files staff open are safe.

Residents type HTML, script and spreadsheet formulas to the running bot over REST, and send a
thumbs down whose "antwoord" is a formula with a script; one more conversation with raw
control characters (terminal escape sequences, a lone surrogate, ...) is written straight into
the same store with Rasa's tracker-store classes, as in a store from before the input channel
cleaned messages. Then `python -m vrt.report --suggest` (as `make report ARGS="--suggest"`)
must write: an HTML page where all of it is text, CSV files without a cell that starts a
formula, a text report without control characters, and NLU suggestions Rasa reads back.
"""

from __future__ import annotations

import asyncio
import csv
import shutil
import subprocess
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from tests.e2e.test_report import read_csv, run_report
from tests.hostile_text import ANSWER, FORMULA_START, RAW, TYPED, shown
from vrt.ops.servers import ROOT, VENV_BIN, BotServers, current_model
from vrt.report.safe import nlu_example


def unanswered_replies() -> List[str]:
    """The fallback and out-of-scope answers of domain.yml, Dutch and English (a message such
    as "+cmd|' /C calc'!A0" may switch the conversation to English)."""
    from rasa.shared.core.domain import Domain

    responses = Domain.load(str(ROOT / "domain.yml")).responses
    return [
        " ".join(variant["text"].split())
        for name in ("utter_default", "utter_buiten_bereik")
        for variant in responses[name]
    ]


def store_hostile_conversations(bot: BotServers) -> Dict[str, List[str]]:
    """The hostile messages in the bot's tracker store; returns what the report must list."""
    fallbacks = unanswered_replies()
    sender = f"hostile-{uuid.uuid4().hex[:8]}"
    for text in TYPED:
        reply = " ".join(bot.say(sender, text)[0]["text"].split())
        assert any(reply.startswith(f) for f in fallbacks), (text, reply)

    # A thumbs down as the widget sends it, with an "antwoord" of the client's choosing.
    body = {
        "sender": f"hostile-{uuid.uuid4().hex[:8]}",
        "message": '/feedback{"feedback":"negatief"}',
        "metadata": {"feedback": "negatief", "antwoord": ANSWER, "antwoord_id": "m1"},
    }
    requests.post(bot.rest_url, json=body, timeout=30).raise_for_status()

    # In a thread of its own: the browser tests' Playwright runs an event loop in this one.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(asyncio.run, _write_raw(bot)).result()
    # turns_of strips the text as it reads it.
    return {"unanswered": TYPED + [text.strip() for text in RAW], "answers": [ANSWER]}


async def _write_raw(bot: BotServers) -> None:
    """RAW into the same store through Rasa's own tracker-store class, as the server writes."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from vrt.report.conversations import open_tracker_store

    now = time.time()
    events = [
        ActionExecuted("action_session_start", timestamp=now),
        SessionStarted(timestamp=now),
        ActionExecuted("action_listen", timestamp=now),
    ]
    for i, text in enumerate(RAW):
        at = now + i + 1
        intent = {"name": "nlu_fallback", "confidence": 0.3}
        events += [
            UserUttered(text, intent, [], {"intent": intent, "entities": [], "text": text}, at, "rest"),
            ActionExecuted("utter_default", timestamp=at),
            BotUttered("Sorry, dat begrijp ik niet goed.", timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
        ]
    with pytest.MonkeyPatch.context() as env:
        for name, value in bot.env().items():
            if name.startswith("VRT_"):
                env.setenv(name, value)
        store = open_tracker_store(ROOT / bot.endpoints)
        await store.save(DialogueStateTracker.from_events(f"raw-{uuid.uuid4().hex[:8]}", events))


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: List[str] = []
        self.attributes: List[str] = []
        self.data: List[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data):
        self.data.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.data).split())


def check_safe_files(out: Path, stdout: str, stored: Dict[str, List[str]]) -> None:
    # CSV: no cell starts a formula, in any file; the texts are there with only a quote added.
    cells = set()
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter=";"):
                for cell in row:
                    assert not cell.startswith(FORMULA_START), (path.name, cell)
                    cells.add(cell)
    listed = set()
    for group in read_csv(out / "onbeantwoord.csv"):
        for text in [group["vraag"], *[v for v in group["varianten"].split(" | ") if v]]:
            # A quote only where a cell starts (a later variant in a cell cannot start a formula).
            listed.add(text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text)
    for text in stored["unanswered"]:
        assert text.replace("\ud800", "?") in listed, text  # "?": a lone surrogate is no UTF-8
    answers = [row["antwoord"] for row in read_csv(out / "duim-omlaag.csv")]
    assert ["'" + answer for answer in stored["answers"]] == answers

    # HTML: the template's own elements only, every hostile text shown as text.
    page = Page((out / "rapport.html").read_text(encoding="utf-8"))
    assert not {"script", "img", "a", "iframe", "object", "embed"} & set(page.tags), set(page.tags)
    assert not [a for a in page.attributes if a.startswith("on") or a == "href"]
    for text in stored["unanswered"] + stored["answers"]:
        assert shown(text) in page.text, text

    # Text: no control character reaches the terminal or rapport.txt; no faked line.
    for text in (stdout, (out / "rapport.txt").read_text(encoding="utf-8")):
        assert not [ch for ch in text if ch != "\n" and (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0)]
        assert [line for line in text.splitlines() if line.startswith("Noodgevallen herkend")] == [
            "Noodgevallen herkend: 0"
        ]

    # NLU suggestions: valid YAML, every question read back by Rasa as one example, no entity.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # Rasa warns when it skips an example
        data = RasaYAMLReader().read(out / "nlu-suggestions.yml")
    examples = [m.get("text") for m in data.intent_examples]
    assert len(examples) == len(set(examples))
    assert set(examples) == {nlu_example(text) for text in stored["unanswered"]}
    assert not [m.get("entities") for m in data.intent_examples if m.get("entities")]


@pytest.fixture(scope="module")
def hostile_bot(tmp_path_factory):
    servers = BotServers(workdir=tmp_path_factory.mktemp("report-hostile"), model=current_model())
    servers.start()
    yield servers
    servers.stop()


def test_report_files_of_hostile_messages_are_safe_to_open(hostile_bot, tmp_path):
    stored = store_hostile_conversations(hostile_bot)
    out = tmp_path / "report"
    stdout = run_report(hostile_bot, out, "--suggest")
    check_safe_files(out, stdout, stored)

    # Moved into data/, `rasa data validate` accepts the suggestions.
    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(out / "nlu-suggestions.yml", project / "data" / "nlu" / "suggesties.yml")
    validate = subprocess.run(
        [str(VENV_BIN / "rasa"), "data", "validate", "--data", str(project / "data")]
        + ["--domain", "domain.yml", "--config", "config.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]
