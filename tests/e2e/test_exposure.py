"""The action server is an internal service: loopback by default, a shared secret when it
listens elsewhere, and errors that do not echo the request. The widget server lists no folders.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
import requests

from vrt.ops.servers import RASA, ROOT, BotServers, current_model, free_port, listening_addresses, wait_for

FORGED_CALL = {
    "next_action": "action_beleidsplan",
    # A tracker that makes the action fail; the marker must not come back in the error.
    "tracker": {"sender_id": "forged", "latest_message": "marker-4711", "slots": {}},
    "domain": {},
}


def test_action_server_listens_on_loopback_by_default(bot):
    assert listening_addresses(bot.action_port) == {"127.0.0.1"}


def test_action_server_refuses_another_interface_without_a_secret(tmp_path):
    servers = BotServers(workdir=tmp_path, model=current_model(), extra_env={"VRT_ACTION_BIND": "0.0.0.0"})
    result = subprocess.run(
        [RASA, "run", "actions", "--actions", "actions", "--port", str(servers.action_port)],
        cwd=ROOT,
        env=servers.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "does not listen on 0.0.0.0 without a shared secret: set VRT_ACTION_TOKEN" in result.stderr


@pytest.fixture(scope="module")
def open_action_server(tmp_path_factory):
    token = secrets.token_urlsafe(16)
    servers = BotServers(
        workdir=tmp_path_factory.mktemp("open-actions"),
        model=current_model(),
        extra_env={"VRT_ACTION_BIND": "0.0.0.0", "VRT_ACTION_TOKEN": token},
    )
    servers.start_actions()
    yield servers, token
    servers.stop()


def test_action_server_on_all_interfaces_wants_the_secret(open_action_server):
    servers, token = open_action_server
    url = f"http://127.0.0.1:{servers.action_port}"
    assert listening_addresses(servers.action_port) == {"0.0.0.0"}
    assert requests.get(f"{url}/health", timeout=10).ok
    assert requests.post(f"{url}/webhook", json=FORGED_CALL, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer " + secrets.token_urlsafe(16)}
    assert requests.post(f"{url}/webhook", json=FORGED_CALL, headers=wrong, timeout=10).status_code == 401
    assert requests.get(f"{url}/actions", timeout=10).status_code == 401
    assert "Refused POST /webhook: no valid token" in servers.log("actions")


def test_action_server_error_does_not_echo_the_request(open_action_server):
    servers, token = open_action_server
    response = requests.post(
        f"http://127.0.0.1:{servers.action_port}/webhook",
        json=FORGED_CALL,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert "marker-4711" not in response.text


def test_widget_server_lists_no_folders(tmp_path):
    port = free_port()
    log = tmp_path / "web.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "vrt.ops.web", "--port", str(port)],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/", server, log, timeout=30)
        assert requests.get(f"http://127.0.0.1:{port}/vendor/", timeout=10).status_code == 404
        assert requests.get(f"http://127.0.0.1:{port}/vendor/linkify.min.js", timeout=10).ok
    finally:
        server.terminate()
        server.wait(timeout=10)
