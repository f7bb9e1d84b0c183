"""make report against real conversations, in SQLite and in PostgreSQL.

Residents talk to the running bot over REST and socket.io, and rate answers with the
request the widget sends for a thumb (web/vrt-chat.js, sendFeedback). Then the report
(python -m vrt.report, as `make report` runs it) reads the same tracker store and must
list exactly the questions that got the fallback or out-of-scope answer, exactly the
thumbs-down answer with its question, and the right counts; no personal data.
"""

from __future__ import annotations

import csv
import secrets
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from vrt.ops.servers import ROOT, VENV_BIN, BotServers, current_model

PHONE, EMAIL = "06-12345678", "jan.jansen@example.nl"


@dataclass
class Held:
    """What the residents said and got, as the test saw it over the wire."""

    conversations: int = 0
    resident_messages: int = 0
    unanswered: List[str] = field(default_factory=list)
    thumbs_down: List[tuple] = field(default_factory=list)  # (question, answer)
    thumbs_up: int = 0
    emergencies: int = 0


def unanswered_texts() -> List[str]:
    """The fallback and out-of-scope answers, as in domain.yml."""
    from rasa.shared.core.domain import Domain

    responses = Domain.load(str(ROOT / "domain.yml")).responses
    return [" ".join(responses[name][0]["text"].split()) for name in ("utter_default", "utter_buiten_bereik")]


def widget_feedback(bot: BotServers, sender: str, value: str, answer: str) -> None:
    """The request the widget sends when a resident clicks a thumb."""
    body = {
        "sender": sender,
        "message": '/feedback{"feedback":"%s"}' % value,
        "metadata": {"feedback": value, "antwoord": answer[:1000], "antwoord_id": "m3"},
    }
    requests.post(bot.rest_url, json=body, timeout=30).raise_for_status()


def hold_conversations(bot: BotServers) -> Held:
    held = Held()
    fallbacks = unanswered_texts()

    def rest(sender: str, question: str) -> str:
        """Asks over REST; returns the last text of the reply, the one the widget lets rate (an FAQ
        answer's source follows as a separate custom message without text)."""
        texts = [" ".join(m["text"].split()) for m in bot.say(sender, question) if "text" in m]
        held.resident_messages += 1
        if any(texts[0].startswith(text) for text in fallbacks):
            held.unanswered.append(question)
        return texts[-1]

    first = f"rest-{uuid.uuid4().hex[:8]}"
    held.conversations += 1
    answer = rest(first, "hoeveel kazernes zijn er?")
    assert "29 kazernes" in answer
    widget_feedback(bot, first, "negatief", answer)
    held.resident_messages += 1
    held.thumbs_down.append(("hoeveel kazernes zijn er?", answer))
    rest(first, "wat is het weer morgen in Enschede?")
    rest(first, f"mijn nummer is {PHONE} en mijn mail {EMAIL}, kunnen jullie mij een pizza brengen?")

    second = uuid.uuid4().hex
    held.conversations += 1
    socket_questions = ["wat is het weer morgen in enschede", "er is brand!", "hallo"]
    replies = bot.say_socketio(second, socket_questions)
    held.resident_messages += len(socket_questions)
    held.emergencies += 1
    assert replies[1]["text"].startswith("Bel nu 112")
    for question, reply in zip(socket_questions, replies, strict=True):
        if any(" ".join(reply["text"].split()).startswith(text) for text in fallbacks):
            held.unanswered.append(question)

    third = f"rest-{uuid.uuid4().hex[:8]}"
    held.conversations += 1
    answer = rest(third, "wie zit er in het bestuur van VRT?")
    widget_feedback(bot, third, "positief", answer)
    held.resident_messages += 1
    held.thumbs_up += 1
    rest(third, "welke films draaien er vanavond in de bioscoop?")

    # The clearly off-topic questions must be among them, or the test proves little.
    assert "welke films draaien er vanavond in de bioscoop?" in held.unanswered
    assert "wat is het weer morgen in Enschede?" in held.unanswered
    return held


def run_report(bot: BotServers, out: Path, *args: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vrt.report",
            "--endpoints",
            bot.endpoints,
            "--out",
            str(out),
            "--no-progress",
            *args,
        ],
        cwd=ROOT,
        env=bot.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def read_csv(path: Path) -> List[Dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def check_report(out: Path, stdout: str, held: Held, model: Path) -> None:
    # Exactly the unanswered questions (redacted), near-identical ones grouped.
    groups = read_csv(out / "onbeantwoord.csv")
    listed = []
    for group in groups:
        variants = [v for v in group["varianten"].split(" | ") if v]
        assert int(group["aantal"]) >= 1 + len(variants)
        listed += [group["vraag"], *variants]
    expected = {q.replace(PHONE, "[telefoonnummer]").replace(EMAIL, "[e-mail]") for q in held.unanswered}
    assert set(listed) == expected
    weather = [g for g in groups if g["vraag"].lower().startswith("wat is het weer morgen")]
    assert len(weather) == 1 and weather[0]["aantal"] == "2", groups

    # Exactly the thumbs-down answer, with the question that led to it.
    down = read_csv(out / "duim-omlaag.csv")
    assert [(row["vraag"], " ".join(row["antwoord"].split())) for row in down] == held.thumbs_down
    assert down[0]["onderwerp"] == "faq/capaciteit"

    days = [row for row in read_csv(out / "per-dag.csv") if row["berichten van inwoners"] != "0"]
    assert len(days) == 1, days  # every conversation of the test is from today
    total = days[0]
    assert int(total["gesprekken"]) == held.conversations
    assert int(total["berichten van inwoners"]) == held.resident_messages
    assert int(total["onbeantwoord"]) == len(held.unanswered)
    assert f"Noodgevallen herkend: {held.emergencies}" in stdout
    assert f"Antwoorden met duim omlaag: {len(held.thumbs_down)} (duim omhoog: {held.thumbs_up})" in stdout
    assert "wat is het weer morgen" in stdout and "Vragen zonder antwoord" in stdout

    topics = {row["onderwerp"]: int(row["aantal"]) for row in read_csv(out / "onderwerpen.csv")}
    assert topics["faq/capaciteit"] == 1 and topics["noodgeval"] == 1
    models = read_csv(out / "modellen.csv")
    assert [m["model"] for m in models] == [model.name]
    assert "nl_" in models[0]["spaCy-pipeline"]

    html = (out / "rapport.html").read_text()
    assert "<svg" in html and "hoeveel kazernes zijn er?" in html
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert PHONE not in text and EMAIL not in text and "12345678" not in text, path


@pytest.fixture(scope="module")
def sqlite_bot(tmp_path_factory):
    servers = BotServers(workdir=tmp_path_factory.mktemp("report-sqlite"), model=current_model())
    servers.start()
    yield servers
    servers.stop()


def test_report_on_sqlite_lists_unanswered_and_thumbs_down(sqlite_bot, tmp_path):
    held = hold_conversations(sqlite_bot)
    out = tmp_path / "report"
    stdout = run_report(sqlite_bot, out, "--suggest")
    check_report(out, stdout, held, sqlite_bot.model)

    # The suggestions: every unanswered and thumbs-down question, as valid NLU data.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    suggestions = out / "nlu-suggestions.yml"
    data = RasaYAMLReader().read(suggestions)
    examples = {m.get("text") for m in data.intent_examples}
    wanted = {q.replace(PHONE, "[telefoonnummer]").replace(EMAIL, "[e-mail]") for q in held.unanswered}
    assert examples == wanted | {question for question, _ in held.thumbs_down}
    assert "zekerheid" in suggestions.read_text()

    # Moved into data/, `rasa data validate` accepts it.
    project = tmp_path / "project"
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy(suggestions, project / "data" / "nlu" / "suggesties.yml")
    validate = subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "data",
            "validate",
            "--data",
            str(project / "data"),
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert validate.returncode == 0, validate.stdout[-3000:] + validate.stderr[-3000:]


def test_report_of_an_empty_period_is_one_line(sqlite_bot, tmp_path):
    out = tmp_path / "report"
    stdout = run_report(sqlite_bot, out, "--since", "2001-01-01", "--until", "2001-01-07")
    assert stdout == "Geen berichten van inwoners van 2001-01-01 tot en met 2001-01-07.\n"
    assert not out.exists() or not any(out.iterdir())


def test_report_on_postgresql(tmp_path_factory, tmp_path, postgres_server, redis_server):
    servers = BotServers(
        workdir=tmp_path_factory.mktemp("report-pg"),
        model=current_model(),
        endpoints="deploy/endpoints.postgres.yml",
        extra_env={**postgres_server.env, **redis_server, "VRT_ACTION_TOKEN": secrets.token_urlsafe(16)},
    )
    servers.start()
    try:
        held = hold_conversations(servers)
    finally:
        servers.stop()
    out = tmp_path / "report"
    check_report(out, run_report(servers, out), held, servers.model)
