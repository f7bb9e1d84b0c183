"""rasa-webchat 1.0.1, the socket.io widget many Rasa sites embed, against the real bot.

The widget sends its opening payload when a resident opens it: an empty message unless
the site sets `initPayload` (its docs use "/get_started"). Both must be answered with the
greeting, not with the fallback. The widget's standalone bundle comes from npm
(tests/browser/webchat/, installed by scripts/test_browser.sh); a small local page embeds
it, on an origin the bot's CORS allows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Optional
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml
from playwright.sync_api import Page, expect

from vrt.ops.servers import ROOT

WEBCHAT = ROOT / "tests" / "browser" / "webchat" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
GREETING = DOMAIN["responses"]["utter_groet"][0]
FALLBACK = DOMAIN["responses"]["utter_default"][0]
BOT = ".rw-response"


def words(text: str) -> str:
    return " ".join(text.split())


def page_html(socket_url: str, init_payload: Optional[str]) -> str:
    options = {
        "selector": "#webchat",
        "socketUrl": socket_url,
        "socketPath": "/socket.io/",
        "title": "VRT Assistent",
        "params": {"storage": "session"},
    }
    if init_payload is not None:
        options["initPayload"] = init_payload
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>rasa-webchat test page</title></head>
<body><div id="webchat"></div>
<script src="/index.js"></script>
<script>WebChat.default({json.dumps(options)}, null);</script>
</body></html>"""


class WebchatPage(BaseHTTPRequestHandler):
    """The test page (`/?initPayload=...`) and rasa-webchat's bundle (`/index.js`)."""

    socket_url = ""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/index.js":
            body, kind = WEBCHAT.read_bytes(), "application/javascript"
        elif url.path == "/":
            payload = parse_qs(url.query).get("initPayload", [None])[0]
            body, kind = page_html(self.socket_url, payload).encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="session")
def webchat_site(bot, webchat_port) -> Iterator[str]:
    """A real local HTTP server (Chromium lets only such a page reach the bot on loopback)."""
    if not WEBCHAT.exists():
        pytest.fail(f"{WEBCHAT} is missing; scripts/test_browser.sh installs it with npm ci")
    handler = type("BotWebchatPage", (WebchatPage,), {"socket_url": bot.rasa_url})
    server = ThreadingHTTPServer(("127.0.0.1", webchat_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{webchat_port}"  # allowed by the bot's CORS (tests/conftest.py)
    server.shutdown()
    server.server_close()


@pytest.fixture
def webchat_page(context, webchat_site):
    """Opens the test page with the given initPayload (None: the site sets none)."""

    def open_page(init_payload: Optional[str]) -> Page:
        page = context.new_page()
        query = "" if init_payload is None else "?" + urlencode({"initPayload": init_payload})
        page.goto(f"{webchat_site}/{query}")
        return page

    return open_page


def stored_user_events(bot, sender: str) -> list:
    db = bot.tracker_db or bot.workdir / "tracker.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def session_id(page: Page) -> str:
    """rasa-webchat keeps its session in storage (params.storage "session")."""
    stored = page.evaluate("sessionStorage.getItem('chat_session')")
    assert stored, page.evaluate("JSON.stringify(Object.assign({}, sessionStorage))")
    return json.loads(stored)["session_id"]


@pytest.mark.parametrize("init_payload, stored_text", [(None, ""), ("/get_started", "/get_started")])
def test_webchat_first_message_is_the_greeting(webchat_page, bot, init_payload, stored_text):
    page = webchat_page(init_payload)
    page.locator(".rw-launcher").click()

    first = page.locator(BOT).first
    expect(first).to_be_visible(timeout=60_000)
    expect(first).to_contain_text("Hallo! Ik ben VRT Assistent")
    assert words(first.inner_text()) == words(GREETING["text"])
    # The greeting's topic buttons, as rasa-webchat quick replies.
    replies = page.locator(".rw-replies .rw-reply")
    expect(replies).to_have_count(len(GREETING["buttons"]))
    assert [words(t) for t in replies.all_inner_texts()] == [b["title"] for b in GREETING["buttons"]]
    assert words(FALLBACK["text"]) not in words(page.locator(".rw-messages-container").inner_text())

    # The tracker stored the opening message as a greeting, not as nlu_fallback.
    sender = session_id(page)
    events = []
    for _ in range(40):
        events = stored_user_events(bot, sender)
        if events:
            break
        time.sleep(0.25)
    assert [(e["text"], e["parse_data"]["intent"]["name"]) for e in events] == [(stored_text, "groet")]

    # The conversation goes on: a quick reply gives that FAQ answer.
    page.locator(".rw-replies .rw-reply", has_text="Mensen en kazernes").click()
    expect(page.locator(BOT).last).to_contain_text("29 kazernes", timeout=60_000)
