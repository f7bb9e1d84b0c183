"""The action server is an internal service: loopback by default, a shared secret when it
listens elsewhere, and errors that do not echo the request. The widget server lists no folders.

And the mitigations of SECURITY.md on running servers: Rasa's HTTP API is closed (404) on a
server started as the project starts it; nginx forwards only the channels, so the API paths
never reach a Rasa server, and it refuses large bodies itself; an origin that merely starts
with an allowed one is not allowed (sanic-cors, CVE-2026-37737); a socket.io long-polling body
over the channel's limit is refused (python-engineio, CVE-2026-48809's class).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import sys
import time
import uuid

import pytest
import requests
import socketio

from vrt.ops.cluster import Nginx, distinct_free_ports
from vrt.ops.servers import (
    RASA,
    ROOT,
    BotServers,
    current_model,
    free_port,
    listening_addresses,
    socketio_turns,
    wait_for,
)

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


# Rasa 3.6's HTTP API (rasa/server.py): what `rasa run --enable-api` would serve.
HTTP_API = [
    ("GET", "/version"),
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/api-probe/tracker"),
    ("POST", "/conversations/api-probe/messages"),
    ("POST", "/conversations/api-probe/trigger_intent"),
    ("POST", "/model/parse"),
    ("POST", "/model/train"),
    ("PUT", "/model"),  # remote model loading: CVE-2024-49375
    ("DELETE", "/model"),
]


def test_rasas_http_api_is_closed_on_a_server_started_as_the_project_starts_it(bot):
    # The liveness route and the channel answer: the server is there, the API is not.
    assert requests.get(f"{bot.rasa_url}/", timeout=10).text.startswith("Hello from Rasa")
    assert requests.get(f"{bot.rasa_url}/webhooks/rest/", timeout=10).ok
    for method, path in HTTP_API:
        response = requests.request(method, bot.rasa_url + path, json={"text": "hallo"}, timeout=10)
        assert response.status_code == 404, (method, path, response.status_code)


def test_an_origin_that_only_starts_with_an_allowed_one_is_refused(bot):
    allowed = bot.cors_origins[0]
    lookalike = allowed + ".evil.example"
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(socketio_turns(bot.rasa_url, uuid.uuid4().hex, ["hallo"], headers={"Origin": lookalike}))
    for headers in ({"Origin": lookalike}, {"Origin": lookalike, "Access-Control-Request-Method": "POST"}):
        method = "OPTIONS" if "Access-Control-Request-Method" in headers else "POST"
        body = {"sender": f"cors-{uuid.uuid4().hex[:8]}", "message": "hallo"}
        response = requests.request(method, bot.rest_url, json=body, headers=headers, timeout=30)
        assert response.headers.get("Access-Control-Allow-Origin") != lookalike, (method, response.headers)
    # The allowed origin itself still gets its header (the check above can fail).
    response = requests.post(bot.rest_url, json=body, headers={"Origin": allowed}, timeout=30)
    assert response.headers.get("Access-Control-Allow-Origin") == allowed


def test_a_socketio_polling_body_over_the_channel_limit_is_refused(bot):
    polling = f"{bot.rasa_url}/socket.io/?EIO=4&transport=polling"
    handshake = requests.get(polling, timeout=10)
    sid = re.search(r'"sid":"([^"]+)"', handshake.text).group(1)
    # 20 kB: over the channel's max_body_bytes (16 kB), under engineio's own default (1 MB).
    too_large = "4" + "a" * 20_000
    response = requests.post(f"{polling}&sid={sid}", data=too_large.encode(), timeout=10)
    assert response.status_code == 413
    (turn,) = asyncio.run(socketio_turns(bot.rasa_url, uuid.uuid4().hex, ["hoeveel kazernes zijn er?"]))
    assert "29 kazernes" in turn[0]["text"]


@pytest.fixture(scope="module")
def nginx_in_front(bot, tmp_path_factory):
    """nginx filled in from deploy/nginx/vrt.conf.template, in front of the test's Rasa server."""
    taken = {bot.rasa_port, bot.action_port}
    listen, actions = distinct_free_ports(2, taken)
    proxy = Nginx(
        {
            "VRT_RASA_SERVERS": f"127.0.0.1:{bot.rasa_port}",
            "VRT_ACTION_SERVERS": f"127.0.0.1:{bot.action_port}",
            "VRT_NGINX_LISTEN": f"127.0.0.1:{listen}",
            "VRT_NGINX_ACTIONS_LISTEN": f"127.0.0.1:{actions}",
            "VRT_NGINX_WORKERS": "1",
        },
        logdir=tmp_path_factory.mktemp("nginx"),
    ).start()
    yield proxy
    proxy.remove()


def access_log(proxy: Nginx, method: str, path: str) -> list:
    """(status, upstream) of each such request in nginx's access log; upstream "-": nginx
    answered it itself and no Rasa server saw it."""
    log = proxy.access_log.read_text().splitlines()
    found = [re.search(r" (\d{3}) \S+ upstream=(\S+)", line) for line in log if f" {method} {path} " in line]
    return [(int(match.group(1)), match.group(2)) for match in found if match]


def test_nginx_forwards_only_the_channels(bot, nginx_in_front):
    proxy = nginx_in_front
    rest = f"{proxy.url}/webhooks/rest/webhook"
    sender = f"nginx-{uuid.uuid4().hex[:8]}"
    answer = requests.post(rest, json={"sender": sender, "message": "hallo"}, timeout=30)
    assert answer.ok and answer.json()[0]["text"]
    for method, path in HTTP_API:
        requests.request(method, proxy.url + path, json={"text": "hallo"}, timeout=10)
    # Over nginx's client_max_body_size (64 kB) for residents: nginx refuses it itself.
    big = {"sender": sender, "message": "a" * 70_000}
    assert requests.post(rest, json=big, timeout=10).status_code == 413
    time.sleep(0.5)  # nginx writes a log line when its request has ended
    assert access_log(proxy, "POST", "/webhooks/rest/webhook") == [
        (200, f"127.0.0.1:{bot.rasa_port}"),
        (413, "-"),
    ]
    for method, path in HTTP_API:
        ((status, upstream),) = access_log(proxy, method, path)
        assert status in (404, 405) and upstream == "-", (method, path, status, upstream)
