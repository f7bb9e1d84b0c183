"""Rasa's own commands, typed as the Rasa docs say, in the project folder.

Each command runs in a clean environment: only the venv activated, no VRT_* variables,
so `endpoints.yml` and `credentials.yml` are read as a new Rasa user would have them
(action server on localhost:5055, REST and socket.io on 5005, var/tracker.db).
The environment keeps RASA_CACHE_DIRECTORY, so `rasa train` reuses the training cache
(speed only), and RASA_TELEMETRY_ENABLED=false.

The default ports must be free: scripts/test_rasa_commands.sh runs these tests in a
private network namespace, so they never meet another bot on this machine.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from vrt.ops.servers import ROOT, wait_for

ACTIONS_URL = "http://localhost:5055"
SERVER_URL = "http://localhost:5005"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
POLICY_PLAN = yaml.safe_load((ROOT / "knowledge" / "beleidsplan.yml").read_text())["themas"]


def response_text(name: str) -> str:
    """A response's text as the bot sends it (folded YAML: one line)."""
    variant = DOMAIN["responses"][name][0]  # the Dutch default; [1] is English
    return " ".join(variant["text"].split())


def plain_env() -> dict:
    env = {
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    if os.environ.get("RASA_CACHE_DIRECTORY"):
        env["RASA_CACHE_DIRECTORY"] = os.environ["RASA_CACHE_DIRECTORY"]
    return env


def shell_line(command: str) -> str:
    """`source .venv/bin/activate && <command>` in the project folder."""
    return f"cd {shlex.quote(str(ROOT))} && source .venv/bin/activate && exec {command}"


def rasa(command: str, log: Path, timeout: float = 1800, **env: str) -> subprocess.CompletedProcess:
    with log.open("wb") as out:
        return subprocess.run(
            ["bash", "-c", shell_line(command)],
            env={**plain_env(), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )


class Background:
    """A plain `rasa ...` command running in the background, in its own process group."""

    def __init__(self, command: str, log: Path):
        self.log = log
        self.process = subprocess.Popen(
            ["bash", "-c", shell_line(command)],
            env=plain_env(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    for port in (5005, 5055):
        if not port_is_free(port):
            pytest.fail(
                f"port {port} is in use; run these tests with scripts/test_rasa_commands.sh, "
                "which gives them a network namespace of their own"
            )
    return tmp_path_factory.mktemp("rasa-commands")


@pytest.fixture(scope="module")
def action_server(logs, trained_model):
    server = Background("rasa run actions", logs / "actions.log")
    try:
        wait_for(f"{ACTIONS_URL}/health", server.process, server.log)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def trained_model(logs) -> Path:
    before = set((ROOT / "models").glob("*.tar.gz"))
    result = rasa("rasa train", logs / "train.log")
    assert result.returncode == 0, (logs / "train.log").read_text()[-3000:]
    new = set((ROOT / "models").glob("*.tar.gz")) - before
    assert len(new) == 1, f"rasa train wrote {sorted(new)}"
    return new.pop()


def test_rasa_data_validate(logs):
    result = rasa("rasa data validate", logs / "validate.log")
    output = (logs / "validate.log").read_text()
    assert result.returncode == 0, output[-3000:]
    assert "Error" not in output.replace("RasaException", ""), output[-3000:]


def test_rasa_train_writes_a_model(trained_model):
    assert trained_model.stat().st_size > 1_000_000


# A small NLU file with what config.yml's components need: entities (the CRF), FAQ topics of
# domain.yml (vrt.nlu.lexical_classifier.LexicalIntentClassifier) and out-of-scope examples (the veto).
SMALL_NLU = """
version: "3.1"
nlu:
- intent: groet
  examples: |
    - hallo
    - goedemorgen
    - hoi daar
- intent: buiten_bereik
  examples: |
    - hoe laat gaat de bus
    - wat voor weer wordt het morgen
    - waar haal ik mijn paspoort op
- intent: faq/wat_doet_vrt
  examples: |
    - wat doet de veiligheidsregio
    - wat is de taak van vrt
    - waar is de veiligheidsregio voor
- intent: faq/gemeenten
  examples: |
    - welke gemeenten horen bij twente
    - hoort enschede bij de vrt
    - hoeveel gemeenten zijn er
- intent: beleidsplan
  examples: |
    - wat zegt het beleidsplan over [droogte](beleidsthema)
    - beleidsplan [netwerk](beleidsthema)
    - wat staat er in het beleidsplan over [samenwerking](beleidsthema)
"""


def test_a_second_rasa_train_of_the_same_data_trains_nothing(logs, tmp_path):
    """Rasa's training cache: after one `rasa train`, `rasa train --dry-run` of the same data
    and config.yml must find every component in the cache. With Rasa's own CRFEntityExtractor
    it did not (vrt/nlu/crf_entities.py), and every data change cost two full trainings.
    Small data and an empty cache of its own, so the first training is a cold one."""
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(SMALL_NLU)
    cache = {"RASA_CACHE_DIRECTORY": str(tmp_path / "cache")}
    command = f"rasa train --data {nlu} --out {tmp_path / 'models'}"
    first = rasa(command, logs / "small-train.log", **cache)
    assert first.returncode == 0, (logs / "small-train.log").read_text()[-3000:]
    assert "Finished training component 'CopyingCRFEntityExtractor'" in (logs / "small-train.log").read_text()
    again = rasa(f"{command} --dry-run", logs / "small-dry-run.log", **cache)
    output = (logs / "small-dry-run.log").read_text()
    assert again.returncode == 0, output[-3000:]
    assert "No training of components required" in output


def test_rasa_run_answers_over_rest_with_the_action_server(logs, action_server):
    server = Background("rasa run", logs / "rasa-run.log")
    try:
        wait_for(f"{SERVER_URL}/webhooks/rest/", server.process, server.log)

        def say(sender: str, message: str) -> list:
            reply = requests.post(
                f"{SERVER_URL}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
            )
            reply.raise_for_status()
            return reply.json()

        sender = f"plain-{uuid.uuid4().hex[:8]}"
        faq_reply = say(sender, "hoeveel kazernes zijn er?")
        assert faq_reply[0]["text"] == response_text("utter_faq/capaciteit")
        # The FAQ answer's source follows as a custom message (domain.yml `custom: bron`).
        assert faq_reply[1]["custom"]["bron"], faq_reply
        # Answered by the action server (knowledge/beleidsplan.yml names the theme's answer).
        theme = POLICY_PLAN["innovatie"]
        plan_reply = say(sender, "wat staat er in het beleidsplan over innovatie?")
        assert plan_reply[0]["text"] == response_text(f"utter_faq/{theme['antwoord']}")
        assert plan_reply[1]["custom"]["bron"], plan_reply
    finally:
        server.stop()
    # The default SQLite tracker store of endpoints.yml kept the conversation.
    import sqlite3

    with sqlite3.connect(ROOT / "var" / "tracker.db") as db:
        (count,) = db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchone()
    assert count == 2


class Tmux:
    """A terminal for `rasa shell`: prompt_toolkit needs a real one."""

    def __init__(self, socket_path: Path):
        self.base = ["tmux", "-S", str(socket_path)]
        self.session = "rasa-shell"

    def start(self, command: str) -> None:
        subprocess.run(
            [
                *self.base,
                "new-session",
                "-d",
                "-s",
                self.session,
                "-x",
                "200",
                "-y",
                "50",
                f"env -i {' '.join(f'{k}={shlex.quote(v)}' for k, v in plain_env().items())} "
                f"bash -c {shlex.quote(shell_line(command))}",
            ],
            check=True,
        )

    def screen(self) -> str:
        result = subprocess.run(
            [*self.base, "capture-pane", "-p", "-J", "-S", "-2000", "-t", self.session],
            capture_output=True,
            text=True,
        )
        return result.stdout

    def type(self, text: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", self.session, "-l", text], check=True)
        subprocess.run([*self.base, "send-keys", "-t", self.session, "Enter"], check=True)

    def wait_for_text(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in " ".join(screen.split()):
                return screen
            time.sleep(0.5)
        raise AssertionError(f"{text!r} did not appear in rasa shell:\n{self.screen()[-3000:]}")

    def stop(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def test_rasa_shell_answers_a_typed_question(logs, action_server):
    terminal = Tmux(logs / "tmux.sock")
    terminal.start("rasa shell")
    try:
        terminal.wait_for_text("Your input ->", timeout=600)
        terminal.type("hoeveel kazernes zijn er?")
        terminal.wait_for_text(response_text("utter_faq/capaciteit"), timeout=120)
        terminal.type("/stop")
        deadline = time.monotonic() + 60
        while terminal.screen() and time.monotonic() < deadline:  # the session ends with the shell
            time.sleep(0.5)
    finally:
        terminal.stop()


def test_rasa_test_passes_our_test_stories(logs, action_server):
    """Plain `rasa test` looks for test stories in the whole folder, `.venv/` included, so it
    also evaluates the example stories of `rasa init` shipped inside Rasa; those fail (their
    intents are not ours). Ours must all pass; the README says how to test only ours."""
    result = rasa("rasa test", logs / "test.log")
    output = (logs / "test.log").read_text()
    assert result.returncode == 0, output[-3000:]
    ours = sum(path.read_text().count("- story:") for path in (ROOT / "tests" / "stories").glob("test_*.yml"))
    correct, total = map(int, re.search(r"Correct:\s+(\d+) / (\d+)", output).groups())
    failed = yaml.safe_load((ROOT / "results" / "failed_test_stories.yml").read_text()) or {}
    failed_names = [story["story"] for story in failed.get("stories") or []]
    assert correct == ours, failed_names
    assert total - correct == len(failed_names)
    assert all("/site-packages/rasa/cli/initial_project/" in name for name in failed_names), failed_names
    assert (ROOT / "results" / "intent_report.json").exists()  # the NLU part ran too (on data/)
