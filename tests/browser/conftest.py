"""Fixtures for the widget tests: the real bot, the real demo-page server, headless Chromium.

Chromium is Debian's `chromium` package (scripts/test_browser.sh installs it); Playwright
drives it through `executable_path`, so no browser is downloaded. A missing browser or
axe-core is an error, never a skip.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Iterator

import pytest

from vrt.ops.servers import ROOT, BotServers, free_port
from vrt.ops.web import make_server

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "results" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 320, "height": 640}


class WebServer:
    """vrt/ops/web.py in a thread: the demo page, its generated config and CSP headers."""

    def __init__(self, port: int, server_url: str):
        self.port = port
        self.httpd = make_server(port, "127.0.0.1", server_url)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "WebServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS


@pytest.fixture(scope="session")
def site(bot: BotServers, web_port: int) -> Iterator[WebServer]:
    """The demo page, talking to the real running bot (whose CORS allows this origin)."""
    with WebServer(web_port, bot.rasa_url) as server:
        yield server


@pytest.fixture(scope="session")
def dead_site() -> Iterator[WebServer]:
    """The demo page pointed at a port where no Rasa server listens."""
    with WebServer(free_port(), f"http://127.0.0.1:{free_port()}") as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; run scripts/test_browser.sh (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, site):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(site.url + "/")
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; run `npm ci` (scripts/test_browser.sh does)")
    return AXE.read_text()


def run_axe(page, axe_source: str) -> dict:
    """axe-core on the whole page, WCAG 2.0/2.1/2.2 A and AA rules."""
    page.add_script_tag(content=axe_source)
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
                resultTypes: ['violations', 'incomplete'],
            });
            const slim = (list) => list.map(v => ({
                id: v.id, impact: v.impact, help: v.help, tags: v.tags,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))
            }));
            return {violations: slim(r.violations), incomplete: slim(r.incomplete),
                    passes: r.passes.length, testEngine: r.testEngine.version};
        }"""
    )


def save_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
