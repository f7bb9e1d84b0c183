"""`make run` (scripts/run.sh) under its process supervisor: a crashed part is started again
while the rest keeps answering, every server listens on loopback, Rasa's HTTP API wants its
token, and Ctrl-C stops everything. Recovery times go to results/fault-figures.txt.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
import xmlrpc.client

import requests
from supervisor.xmlrpc import SupervisorTransport

from tests.e2e.test_faults import ACTION_SERVER_DOWN, THEME_ANSWER, THEME_DETAILS, THEME_QUESTION, texts
from vrt.ops.servers import ROOT, free_port, listening_addresses, wait_for


def wait_until_true(check, timeout: float) -> float:
    """Seconds until check() is true."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not true after {timeout} s")


def test_make_run_restarts_crashed_parts_and_stops_on_ctrl_c(tmp_path, figures):
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")}
    run_dir = tmp_path / "run"
    api_token = uuid.uuid4().hex
    # scripts/common.sh derives these from the default ports; when `make test` has already
    # exported them, they would point this `make run` at another action server (port 5055).
    derived = {"VRT_ENDPOINTS", "VRT_ACTION_ENDPOINT_URL", "VRT_CORS_ORIGINS", "VRT_CHAT_SERVER_URL"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in derived},
        **{k: str(v) for k, v in ports.items()},
        "VRT_RUN_DIR": str(run_dir),
        "VRT_TRACKER_DB": str(tmp_path / "tracker.db"),
        "VRT_API_TOKEN": api_token,
    }
    log = tmp_path / "make-run.log"
    run = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
    supervisor = xmlrpc.client.ServerProxy(
        "http://127.0.0.1", transport=SupervisorTransport(None, None, f"unix://{run_dir}/supervisor.sock")
    )

    def say(user: str, message: str) -> list:
        body = {"sender": user, "message": message}
        response = requests.post(f"{rasa}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    try:
        wait_for(f"{rasa}/webhooks/rest/", run, log, timeout=700)

        # Exposure: loopback only; the HTTP API wants the token; the widget lists no folders.
        for port in ports.values():
            assert listening_addresses(port) == {"127.0.0.1"}
        assert requests.get(f"{rasa}/status", timeout=10).status_code == 401
        assert requests.get(f"{rasa}/status", params={"token": api_token}, timeout=10).ok
        web = f"http://127.0.0.1:{ports['WEB_PORT']}"
        assert requests.get(f"{web}/vendor/", timeout=10).status_code == 404
        assert requests.get(f"{web}/vendor/linkify.min.js", timeout=10).ok

        user = f"run-{uuid.uuid4().hex[:8]}"
        say(user, THEME_QUESTION)

        # The action server crashes: answers go on, it is started again.
        os.kill(supervisor.supervisor.getProcessInfo("actions")["pid"], signal.SIGKILL)
        crashed = time.monotonic()
        question = "wat zegt het beleidsplan over innovatie?"
        assert texts(say(f"run-{uuid.uuid4().hex[:8]}", question)) == ACTION_SERVER_DOWN
        # Another resident, so that `user`'s last answer stays the theme ("vertel meer" below).
        other = f"run-{uuid.uuid4().hex[:8]}"
        assert "29 kazernes" in texts(say(other, "hoeveel kazernes zijn er?"))
        assert say(other, "ik ruik gas")[0]["text"].startswith("Bel nu 112")
        answered = lambda: THEME_ANSWER in texts(say(f"run-{uuid.uuid4().hex[:8]}", THEME_QUESTION))  # noqa: E731
        try:
            wait_until_true(answered, 300)
        except AssertionError:
            states = {p["name"]: p["statename"] for p in supervisor.supervisor.getAllProcessInfo()}
            raise AssertionError(
                f"no policy-plan answer; parts: {states}\n{log.read_text()[-3000:]}"
            ) from None
        seconds = time.monotonic() - crashed
        figures(f"make run: action server killed, policy-plan answers back after {seconds:.1f} s")

        # The Rasa server crashes: it is started again, and the conversation is still there.
        os.kill(supervisor.supervisor.getProcessInfo("rasa")["pid"], signal.SIGKILL)
        crashed = time.monotonic()
        wait_until_true(lambda: requests.get(f"{rasa}/webhooks/rest/", timeout=5).ok, 600)
        figures(f"make run: Rasa server killed, answering again after {time.monotonic() - crashed:.1f} s")
        assert THEME_DETAILS in texts(say(user, "vertel meer"))
        assert "exited: rasa (terminated by SIGKILL" in log.read_text()
    finally:
        # Ctrl-C
        os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=90)
    for port in ports.values():
        assert listening_addresses(port) == set()
    assert "Stopping..." in log.read_text()
