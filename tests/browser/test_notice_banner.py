"""The crisis notice banner in real headless Chromium, against the real running bot: published
with `make notice`, it appears at the top of the open chat in an ARIA live region, axe stays
clean, and it disappears when staff end it."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.conftest import MOBILE, run_axe, save_json
from tests.browser.test_widget import ask, open_widget
from tests.notices import TEXT, TEXT_EN, TITLE, banner, make_notice, poll, publish
from vrt.notices.store import CACHE_SECONDS


def test_notice_banner_appears_is_announced_and_disappears(
    browser, site, bot, axe_source, results_dir, tmp_path
):
    # bypass_csp: the demo page's CSP (rightly) blocks the injected axe-core script.
    ctx = browser.new_context(viewport=MOBILE, locale="nl-NL", bypass_csp=True)
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A short poll interval instead of the default 30 s; the page's own config keeps it.
    page.add_init_script("window.VRTChatConfig = {noticePollSeconds: 1};")
    page.goto(site.url + "/")
    open_widget(page)

    region = page.get_by_role("region", name="Melding van VRT")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_text("")

    notice_id = publish(bot, tmp_path, lifetime_s=3600)
    try:
        # The server serves it within its cache time; the page polls every second after that.
        assert poll(lambda: banner(bot)), "the server does not serve the published notice"
        heading = region.get_by_role("heading", name=f"Melding van VRT: {TITLE}")
        expect(heading).to_be_visible(timeout=15_000)
        expect(region).to_contain_text(TEXT)
        expect(region).to_contain_text("Geplaatst op ")
        link = region.get_by_role("link", name="Meer informatie (opent in nieuw tabblad)")
        expect(link).to_have_attribute("href", "https://www.vrtwente.nl/")
        # At the top: above the conversation.
        banner_box, log_box = region.bounding_box(), page.locator(".vrtc-log").bounding_box()
        assert banner_box["y"] + banner_box["height"] <= log_box["y"] + 1
        page.screenshot(path=str(results_dir / "notice-banner-mobile.png"))

        report = run_axe(page, axe_source)
        save_json(results_dir / "axe-notice.json", report)
        bad = [
            (v["id"], v["impact"], v["help"])
            for v in report["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, bad

        assert TEXT in ask(page, "wat is er aan de hand?")

        # In English: the banner shows staff's English text, the answer too.
        page.get_by_role("button", name="Switch to English").click()
        english_region = page.get_by_role("region", name="Notice from VRT")
        expect(english_region.get_by_role("heading", name=f"Notice from VRT: {TITLE}")).to_be_visible()
        expect(english_region.locator(".vrtc-notice-text")).to_have_text(TEXT_EN)
        expect(english_region.locator(".vrtc-notice-text")).to_have_attribute("lang", "en")
        assert TEXT_EN in ask(page, "what is going on?", label="Type your question")
        page.get_by_role("button", name="Schakel over naar Nederlands").click()
    finally:
        ended = make_notice(bot, "end", str(notice_id))
        # Later tests share this bot: wait until neither the channels' nor the action
        # server's notice cache (CACHE_SECONDS each) still holds the ended notice.
        poll(lambda: banner(bot) == [])
        time.sleep(CACHE_SECONDS)
    assert ended.returncode == 0, ended.stderr
    expect(region).to_have_text("", timeout=15_000)
    expect(region).to_have_attribute("aria-live", "polite")  # the same live region, ready for the next one
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
