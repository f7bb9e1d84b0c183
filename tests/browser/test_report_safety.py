"""rapport.html of hostile messages, opened in Chromium as staff open it: nothing runs.

The residents' messages of tests/hostile_text.py go to the real bot (REST) and into its
SQLite store, `make report` writes rapport.html, and Chromium opens the file with listeners
for dialogs (alert), console messages (a blocked script is one), page errors and requests.
No script may run and nothing may load, and the hostile text must be on the page as text.
"""

from __future__ import annotations

from tests.e2e.test_report import run_report
from tests.e2e.test_report_safety import store_hostile_conversations
from tests.hostile_text import shown


def test_hostile_messages_in_the_html_report_are_text_and_run_nothing(context, bot, tmp_path):
    stored = store_hostile_conversations(bot)
    out = tmp_path / "report"
    run_report(bot, out)
    report = out / "rapport.html"

    page = context.new_page()
    dialogs, console, errors, requests = [], [], [], []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_timeout(500)  # an onerror or onload handler fires after the load event

    assert dialogs == [], dialogs
    assert console == [], console
    assert errors == [], errors
    assert requests == [report.as_uri()], requests  # no <img src=x>, nothing else loaded

    dangerous = page.evaluate(
        """() => [...document.querySelectorAll('*')].filter(e =>
                ['SCRIPT', 'IMG', 'IFRAME', 'OBJECT', 'EMBED', 'A'].includes(e.tagName.toUpperCase())
                || [...e.attributes].some(a => a.name.startsWith('on'))).map(e => e.outerHTML)"""
    )
    assert dangerous == [], dangerous
    body = " ".join(page.inner_text("body").split())
    for text in stored["unanswered"] + stored["answers"]:
        assert shown(text) in body, text

    # The listener is live: a dialog the test opens itself is seen.
    page.evaluate("() => alert('proef')")
    assert dialogs == ["proef"]
    page.close()
