"""A thumbs down clicked in the real widget shows up in make report with its question."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_widget import BOT, ask, bot_texts, open_widget
from tests.e2e.test_report import read_csv, run_report


def test_thumbs_down_in_the_widget_is_in_the_report(page: Page, bot, tmp_path):
    question = "wie zit er in het algemeen bestuur?"
    open_widget(page)
    ask(page, question)
    last = page.locator(BOT).last
    answer = " ".join(bot_texts(page)[-1].split())
    last.get_by_role("button", name="Nee, dit antwoord was niet nuttig").click()
    expect(last.get_by_role("status")).to_have_text("Bedankt voor je reactie.")

    out = tmp_path / "report"
    run_report(bot, out)
    rows = [(r["vraag"], " ".join(r["antwoord"].split())) for r in read_csv(out / "duim-omlaag.csv")]
    assert (question, answer) in rows, rows
