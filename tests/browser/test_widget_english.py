"""The widget in English (issue 8), in real headless Chromium against the real bot: the language
switch, an English conversation, an English emergency with 112 first, `lang` per message, axe."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import run_axe
from tests.browser.test_widget import BOT, USER, ask, bot_texts, open_widget, wait_for_reply


def test_switch_and_english_conversation(browser, site, axe_source):
    # bypass_csp: the demo page's CSP (rightly) blocks the injected axe-core script.
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto(site.url + "/")
    open_widget(page)
    before = page.locator(BOT).count()
    switch = page.get_by_role("button", name="Switch to English")
    expect(switch).to_have_attribute("lang", "en")
    switch.click()
    # The widget's own texts switch at once; the bot confirms in English.
    dialog = page.get_by_role("dialog", name="VRT Assistent")
    expect(dialog.locator(".vrtc-emergency")).to_have_text("In an emergency: call 112")
    expect(page.get_by_role("textbox", name="Type your question")).to_have_attribute(
        "placeholder", "Type your question…"
    )
    expect(page.get_by_role("button", name="Schakel over naar Nederlands")).to_have_attribute("lang", "nl")
    assert "I will answer in English" in wait_for_reply(page, before)
    expect(page.locator(BOT).last).to_have_attribute("lang", "en")
    # The Dutch welcome keeps its own language.
    expect(page.locator(BOT).first).to_have_attribute("lang", "nl")

    answer = ask(page, "how many fire stations are there in twente?", label="Type your question")
    assert "29 fire stations" in answer
    expect(page.locator(USER).last).to_have_attribute("lang", "en")
    expect(page.locator(BOT).last).to_have_attribute("lang", "en")
    expect(page.locator(BOT).last.locator(".vrtc-source")).to_contain_text("Source:")
    expect(page.locator(BOT).last.get_by_role("button", name="Yes, this answer was useful")).to_be_visible()

    report = run_axe(page, axe_source)
    bad = [(v["id"], v["help"]) for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, bad

    # And back: Dutch texts, Dutch answers.
    page.get_by_role("button", name="Schakel over naar Nederlands").click()
    expect(page.get_by_role("textbox", name="Typ je vraag")).to_be_visible()
    assert "29 kazernes" in ask(page, "hoeveel kazernes heeft de veiligheidsregio?", label="Typ je vraag")
    expect(page.locator(BOT).last).to_have_attribute("lang", "nl")
    ctx.close()


def test_english_emergency_shows_112_first(page: Page):
    open_widget(page)
    before = page.locator(BOT).count()
    ask(page, "there is a fire in my kitchen", label="Typ je vraag")
    first_reply = bot_texts(page)[before]
    assert first_reply.startswith("Call 112 now."), first_reply
    expect(page.locator(BOT).nth(before)).to_have_attribute("lang", "en")
    # The widget follows the resident's language.
    expect(page.get_by_role("dialog", name="VRT Assistent").locator(".vrtc-emergency")).to_have_text(
        "In an emergency: call 112"
    )


def test_english_yes_and_no_about_places(page: Page):
    """Yes/no about a place in English (action_plaats): the answer and its `lang` follow the question."""
    open_widget(page)
    before = page.locator(BOT).count()
    yes = ask(page, "does Enschede belong to VRT?", label="Typ je vraag")
    assert yes.startswith("Yes, Enschede is one of the 14 municipalities of VRT."), yes
    expect(page.locator(BOT).nth(before)).to_have_attribute("lang", "en")
    no = ask(page, "and Arnhem?", label="Type your question")
    assert no.startswith("No, Arnhem is not one of the 14 municipalities of VRT."), no
    assert "Hof van Twente" in no
