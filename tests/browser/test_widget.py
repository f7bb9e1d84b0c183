"""The website widget in real headless Chromium, against the real running bot.

Flows: open and ask, quick reply, emergency, XSS stays text, keyboard only, history across
reload and navigation, "Nieuw gesprek", server down, feedback in the tracker, length limit,
links, accessibility (axe-core), small screens and zoom, reduced motion, desktop and phone
(with screenshots for review).
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, MOBILE, WebServer, run_axe, save_json
from vrt.ops.nginx import busy_answer, too_many_answer
from vrt.ops.servers import free_port

ERROR_TEXT = "De chat is nu niet bereikbaar. Kijk op www.vrtwente.nl. Bij nood: bel 112."
BOT = ".vrtc-msg--bot"
USER = ".vrtc-msg--user"


# ---------------------------------------------------------------- helpers


def open_widget(page: Page) -> None:
    page.get_by_role("button", name="Stel je vraag aan VRT Assistent").click()
    expect(page.get_by_role("dialog", name="VRT Assistent")).to_be_visible()
    wait_for_welcome(page)


def wait_for_welcome(page: Page) -> None:
    expect(page.locator(BOT).first).to_contain_text("digitale assistent", timeout=60_000)
    expect(page.locator(".vrtc-typing")).to_be_hidden()


def wait_for_reply(page: Page, bot_count_before: int) -> str:
    """Waits until the bot answered after bot_count_before messages; returns the new text."""
    page.wait_for_function(
        "n => document.querySelectorAll('.vrtc-msg--bot').length > n", arg=bot_count_before, timeout=60_000
    )
    expect(page.locator(".vrtc-typing")).to_be_hidden(timeout=60_000)
    return "\n".join(bot_texts(page)[bot_count_before:])


def bot_texts(page: Page) -> list:
    """Visible text of every bot message (without the screen-reader-only hints)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.vrtc-msg--bot .vrtc-text')].map(el => {
            const copy = el.cloneNode(true);
            copy.querySelectorAll('.vrtc-sr').forEach(n => n.remove());
            return copy.textContent;
        })"""
    )


def ask(page: Page, text: str, label: str = "Typ je vraag") -> str:
    before = page.locator(BOT).count()
    box = page.get_by_role("textbox", name=label)
    box.fill(text)
    box.press("Enter")
    expect(page.locator(f"{USER} .vrtc-text").last).to_have_text(text)
    return wait_for_reply(page, before)


def sender_id(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('vrt-chat:sender')")


def watch_typing_indicator(page: Page) -> None:
    page.evaluate(
        """() => {
            window.__typingSeen = false;
            const el = document.querySelector('.vrtc-typing');
            new MutationObserver(() => { if (!el.hidden) window.__typingSeen = true; })
                .observe(el, {attributes: true, attributeFilter: ['hidden']});
        }"""
    )


# ---------------------------------------------------------------- conversation flows


def test_open_and_ask_kazernes(page: Page):
    launcher = page.get_by_role("button", name="Stel je vraag aan VRT Assistent")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    open_widget(page)
    dialog = page.get_by_role("dialog", name="VRT Assistent")
    expect(dialog).to_contain_text("Digitale assistent van Veiligheidsregio Twente")
    expect(dialog.locator(".vrtc-emergency")).to_have_text("Bij nood: bel 112")
    expect(dialog.locator(".vrtc-emergency")).to_be_visible()
    # Welcome message with topic buttons, focus in the text box.
    expect(dialog.get_by_role("button", name="Mensen en kazernes")).to_be_visible()
    expect(dialog.get_by_role("button", name="Beleidsplan 2021-2024")).to_be_visible()
    expect(page.get_by_role("textbox", name="Typ je vraag")).to_be_focused()

    watch_typing_indicator(page)
    answer = ask(page, "hoeveel kazernes zijn er?")
    assert "29" in answer
    assert page.evaluate("window.__typingSeen"), "the typing indicator was never shown"
    # The answer is read out by screen readers through the messages' polite live region
    # (the notice banner, tests/browser/test_notice_banner.py, has its own).
    live = page.locator(".vrtc-panel .vrtc-sr[aria-live='polite']")
    expect(live).to_contain_text("29")
    # The answer can be rated.
    expect(page.locator(BOT).last.get_by_role("button", name="Ja, dit antwoord was nuttig")).to_be_visible()
    # 112 stays visible during the conversation.
    expect(dialog.locator(".vrtc-emergency")).to_be_in_viewport()


def test_quick_reply(page: Page):
    open_widget(page)
    before = page.locator(BOT).count()
    page.get_by_role("button", name="Beleidsplan 2021-2024").click()
    expect(page.locator(f"{USER} .vrtc-text").last).to_have_text("Beleidsplan 2021-2024")
    assert "Over welk thema wil je meer weten?" in wait_for_reply(page, before)

    # The reply brings its own quick replies: a theme, then a follow-up.
    before = page.locator(BOT).count()
    page.locator(BOT).last.get_by_role("button", name="Koers 2021-2024").click()
    assert "Stabiele factor in tijden van verandering" in wait_for_reply(page, before)
    assert "sterk netwerk" in ask(page, "vertel meer")


def test_answer_shows_its_source_as_a_bron_line(page: Page):
    open_widget(page)
    ask(page, "wat is het platform ivz?")
    answer = page.locator(BOT).last
    source = answer.locator(".vrtc-source")
    expect(source).to_contain_text("Bron: vrtwente.nl, Platform IVZ")
    link = source.get_by_role("link")
    expect(link).to_have_attribute("href", "https://vrtwente.nl/platform-ivz")
    expect(link).to_have_attribute("target", "_blank")
    # The source is a line under the answer, not part of the answer text.
    assert "Bron" not in bot_texts(page)[-1]

    # A source without a link is named only; the line survives a reload (history).
    ask(page, "hoeveel kazernes zijn er?")
    expect(page.locator(BOT).last.locator(".vrtc-source")).to_have_text("Bron: vrtwente.nl, Wat doen wij?")
    expect(page.locator(BOT).last.locator(".vrtc-source a")).to_have_count(0)
    page.reload()
    expect(page.locator(BOT).last.locator(".vrtc-source")).to_have_text("Bron: vrtwente.nl, Wat doen wij?")

    # Answers that are not facts about VRT have no source line.
    ask(page, "wat is de hoofdstad van frankrijk")
    expect(page.locator(BOT).last.locator(".vrtc-source")).to_have_count(0)


def test_faq_topic_button(page: Page):
    open_widget(page)
    before = page.locator(BOT).count()
    page.get_by_role("button", name="Mensen en kazernes").click()
    expect(page.locator(f"{USER} .vrtc-text").last).to_have_text("Mensen en kazernes")
    assert "29 kazernes" in wait_for_reply(page, before)

    # A topic with its own quick replies: the networks, then one of them.
    before = page.locator(BOT).count()
    page.get_by_role("button", name="Netwerken en partners").first.click()
    assert "platformfunctie" in wait_for_reply(page, before)
    before = page.locator(BOT).count()
    page.get_by_role("button", name="Platform IVZ").click()
    assert "2008" in wait_for_reply(page, before)


def test_typed_slash_is_not_a_command(page: Page):
    """A resident cannot send raw "/intent" payloads; typed text always goes through the NLU."""
    open_widget(page)
    box = page.get_by_role("textbox", name="Typ je vraag")
    box.fill('/feedback{"feedback":"negatief"}')
    with page.expect_request(
        lambda r: r.url.endswith("/webhooks/rest/webhook") and r.method == "POST"
    ) as req:
        box.press("Enter")
    assert req.value.post_data_json["message"] == 'feedback{"feedback":"negatief"}'
    expect(page.locator(f"{USER} .vrtc-text").last).to_have_text('/feedback{"feedback":"negatief"}')
    expect(page.locator(".vrtc-typing")).to_be_hidden()


def test_emergency_message_shows_112(page: Page):
    open_widget(page)
    answer = ask(page, "er is brand in mijn keuken")
    first_reply = bot_texts(page)[1]
    assert first_reply.startswith("Bel nu 112"), first_reply
    assert "112" in answer


XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"


def test_xss_from_resident_stays_text(page: Page):
    open_widget(page)
    for attack in (XSS_IMG, XSS_SCRIPT):
        ask(page, attack)
        expect(page.locator(f"{USER} .vrtc-text").last).to_have_text(attack)
    log = page.locator(".vrtc-log")
    assert log.locator("img").count() == 0
    assert log.locator("script").count() == 0
    assert page.evaluate("window.__xss") is None
    # Still text after a reload, from the stored history.
    page.reload()
    expect(page.locator(f"{USER} .vrtc-text").filter(has_text="<script>")).to_have_count(1)
    assert page.locator(".vrtc-log img, .vrtc-log script").count() == 0
    assert page.evaluate("window.__xss") is None


def test_xss_and_links_from_bot_stay_safe(page: Page):
    """A bot reply with HTML and a javascript: URL (served by a stand-in for the webhook)."""
    evil = [
        {
            "recipient_id": "x",
            "text": f"Kijk op https://www.vrtwente.nl/over en www.hoespoorthet.nl. {XSS_IMG} {XSS_SCRIPT} "
            'javascript:window.__xss=3 <a href="javascript:window.__xss=4">klik</a>',
            "buttons": [{"title": "<b>vet</b>", "payload": "/groet"}],
        }
    ]

    def fake_webhook(route):
        if route.request.method == "POST":
            route.fulfill(
                status=200,
                content_type="application/json",
                body=json.dumps(evil),
                headers={"Access-Control-Allow-Origin": "*"},
            )
        else:
            route.continue_()

    open_widget(page)
    page.route("**/webhooks/rest/webhook", fake_webhook)
    ask(page, "test")
    last = page.locator(BOT).last
    expect(last.locator(".vrtc-text")).to_contain_text(XSS_IMG)
    expect(last.locator(".vrtc-text")).to_contain_text(XSS_SCRIPT)
    expect(last.get_by_role("button", name="<b>vet</b>")).to_be_visible()
    assert last.locator("img, script, b").count() == 0
    links = last.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["https://www.vrtwente.nl/over", "https://www.hoespoorthet.nl/"], hrefs
    for i in range(links.count()):
        assert links.nth(i).get_attribute("target") == "_blank"
        assert "noopener" in links.nth(i).get_attribute("rel").split()
    assert page.evaluate("window.__xss") is None


def test_links_in_real_answers(page: Page):
    open_widget(page)
    ask(page, "ben je een mens?")
    link = page.locator(BOT).last.get_by_role("link", name="www.vrtwente.nl")
    expect(link).to_have_attribute("href", "https://www.vrtwente.nl/")
    expect(link).to_have_attribute("target", "_blank")
    assert "noopener" in link.get_attribute("rel").split()
    with page.context.expect_page() as new_tab:
        # Do not leave the sandbox: stop the request, only check a new tab opens.
        page.context.route("https://www.vrtwente.nl/**", lambda route: route.abort())
        link.click()
    new_tab.value.close()


def test_keyboard_only(page: Page):
    # Tab from the top of the page to the launcher; the skip link and menu come first.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('vrtc-launcher')"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", (
        "no visible focus on the launcher"
    )
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Typ je vraag")
    expect(box).to_be_focused()
    wait_for_welcome(page)

    before = page.locator(BOT).count()
    page.keyboard.type("hoeveel kazernes zijn er?")
    page.keyboard.press("Enter")
    assert "29" in wait_for_reply(page, before)
    expect(box).to_be_focused()

    # Shift+Tab back through the answer's controls to a quick reply of the welcome message.
    target = page.get_by_role("button", name="Beleidsplan 2021-2024")
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the quick reply cannot be reached with the keyboard")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    before = page.locator(BOT).count()
    page.keyboard.press("Enter")
    assert "Over welk thema" in wait_for_reply(page, before)

    # Thumbs up with the keyboard (the theme question is an answer too).
    up = page.locator(BOT).last.get_by_role("button", name="Ja, dit antwoord was nuttig")
    up.focus()
    page.keyboard.press("Space")
    expect(page.locator(BOT).last.get_by_role("status")).to_have_text("Bedankt voor je reactie.")

    # Esc closes and gives focus back to the launcher; Enter opens with the history intact.
    box.focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    launcher = page.get_by_role("button", name="Stel je vraag aan VRT Assistent")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    expect(page.locator(".vrtc-log")).to_contain_text("29 kazernes")

    # The close button, the language switch and "Nieuw gesprek" are reachable with the keyboard.
    page.get_by_role("button", name="Chat sluiten").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Switch to English")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Nieuw gesprek beginnen")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Chat sluiten")).to_be_focused()
    page.keyboard.press("Enter")
    expect(launcher).to_be_focused()


def test_history_survives_reload_and_navigation(page: Page):
    open_widget(page)
    ask(page, "hoeveel kazernes zijn er?")
    sender = sender_id(page)
    assert sender
    count = page.locator(".vrtc-msg").count()

    page.reload()
    expect(page.get_by_role("dialog", name="VRT Assistent")).to_be_visible()  # still open
    expect(page.locator(".vrtc-msg")).to_have_count(count)
    expect(page.locator(".vrtc-log")).to_contain_text("29 kazernes")
    assert sender_id(page) == sender

    page.get_by_role("link", name="Organisatie").click()
    expect(page).to_have_url(f"{page.url.rsplit('/', 1)[0]}/organisatie.html")
    expect(page.locator(".vrtc-msg")).to_have_count(count)
    assert sender_id(page) == sender
    # The conversation goes on with the same sender.
    assert "14" in ask(page, "welke gemeenten horen bij de veiligheidsregio?")
    assert sender_id(page) == sender

    # "Nieuw gesprek" starts over: new sender, only a fresh welcome.
    page.get_by_role("button", name="Nieuw gesprek beginnen").click()
    wait_for_welcome(page)
    expect(page.locator(".vrtc-msg")).to_have_count(1)
    assert sender_id(page) not in (None, sender)
    expect(page.get_by_role("textbox", name="Typ je vraag")).to_be_focused()

    # A new tab is a new conversation.
    other = page.context.new_page()
    other.goto(page.url)
    expect(other.get_by_role("dialog")).to_be_hidden()
    assert other.evaluate("sessionStorage.getItem('vrt-chat:sender')") is None
    other.close()


def test_feedback_is_recorded_in_tracker(page: Page, bot):
    open_widget(page)
    answer = ask(page, "hoeveel kazernes zijn er?")
    last = page.locator(BOT).last
    down = last.get_by_role("button", name="Nee, dit antwoord was niet nuttig")
    down.click()
    expect(last.get_by_role("status")).to_have_text("Bedankt voor je reactie.")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(down).to_be_disabled()
    # The feedback exchange does not clutter the conversation.
    expect(page.locator(f"{USER} .vrtc-text").last).to_have_text("hoeveel kazernes zijn er?")

    db = bot.tracker_db or bot.workdir / "tracker.db"
    sender = sender_id(page)
    event = None
    for _ in range(40):
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' AND intent_name = 'feedback'",
                (sender,),
            ).fetchall()
        if rows:
            event = json.loads(rows[-1][0])
            break
        time.sleep(0.25)
    assert event, "no feedback event in the tracker store"
    entities = {e["entity"]: e["value"] for e in event["parse_data"]["entities"]}
    assert entities == {"feedback": "negatief"}
    assert event["metadata"]["feedback"] == "negatief"
    assert "29" in event["metadata"]["antwoord"]
    assert event["metadata"]["antwoord"] in answer

    # The rating survives a reload.
    page.reload()
    expect(
        page.locator(BOT).last.get_by_role("button", name="Nee, dit antwoord was niet nuttig")
    ).to_have_attribute("aria-pressed", "true")


def test_length_limit_with_counter(page: Page):
    open_widget(page)
    box = page.get_by_role("textbox", name="Typ je vraag")
    maxlength = int(box.get_attribute("maxlength"))
    assert maxlength == 300
    counter = page.locator(".vrtc-counter")
    expect(counter).to_have_text("0 / 300")
    expect(counter).to_be_visible()
    box.fill("kazerne ")
    expect(counter).to_have_text("8 / 300")
    box.press_sequentially("x" * 10)
    expect(counter).to_have_text("18 / 300")
    box.fill("")
    box.focus()
    page.keyboard.insert_text("a" * 350)  # like a paste: cut at the limit
    assert len(box.input_value()) == 300
    expect(counter).to_have_text("300 / 300")
    # The counter is part of the text box's description.
    described = box.get_attribute("aria-describedby").split()
    assert counter.get_attribute("id") in described


def test_server_down_on_open(browser, dead_site):
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    page.goto(dead_site.url + "/")
    page.get_by_role("button", name="Stel je vraag aan VRT Assistent").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(ERROR_TEXT, timeout=30_000)
    expect(page.locator(".vrtc-typing")).to_be_hidden()
    # Sending still fails clearly, and the message is marked as not sent.
    box = page.get_by_role("textbox", name="Typ je vraag")
    box.fill("hallo")
    box.press("Enter")
    expect(page.locator(USER).last).to_contain_text("Niet verstuurd")
    expect(alert).to_have_text(ERROR_TEXT)
    ctx.close()


def test_server_goes_down_mid_conversation(page: Page):
    open_widget(page)
    assert "29" in ask(page, "hoeveel kazernes zijn er?")
    page.route("**/webhooks/rest/webhook", lambda route: route.abort("connectionrefused"))
    box = page.get_by_role("textbox", name="Typ je vraag")
    box.fill("wat doet VRT?")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(ERROR_TEXT)
    expect(page.locator(USER).last).to_contain_text("Niet verstuurd")
    # Back up: the next question works and the error goes away.
    page.unroute("**/webhooks/rest/webhook")
    assert "Twente" in ask(page, "wat doet VRT?")
    expect(page.get_by_role("alert")).to_be_hidden()


@pytest.mark.parametrize("status", [503, 429])
def test_busy_answer_from_the_load_balancer(page: Page, status: int):
    """nginx answers 503 when the site is overloaded and 429 to a connection above its limit
    per client, each with a JSON body shaped like Rasa's reply, both languages (vrt.ops.nginx
    writes them from domain.yml).

    The answer comes from a stand-in here (the real nginx is tested by make test-cluster);
    the widget shows its text as bot messages, marks the question as not sent, and the
    112 line stays in view.
    """
    answer = busy_answer() if status == 503 else too_many_answer()
    assert "Bij nood: bel 112" in answer[0]["text"]

    def refused(route):
        if route.request.method != "POST":
            return route.continue_()
        route.fulfill(
            status=status,
            content_type="application/json",
            body=json.dumps(answer),
            headers={"Access-Control-Allow-Origin": "*"},
        )

    open_widget(page)
    page.route("**/webhooks/rest/webhook", refused)
    before = page.locator(BOT).count()
    box = page.get_by_role("textbox", name="Typ je vraag")
    box.fill("hoeveel kazernes zijn er?")
    box.press("Enter")
    assert wait_for_reply(page, before) == "\n".join(m["text"] for m in answer)
    expect(page.locator(USER).last).to_contain_text("Niet verstuurd")
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(page.locator(BOT).last.locator(".vrtc-feedback")).to_have_count(0)
    expect(page.locator(".vrtc-emergency")).to_be_in_viewport()
    # When the site takes messages again, the next question is answered as usual.
    page.unroute("**/webhooks/rest/webhook")
    assert "29" in ask(page, "hoeveel kazernes zijn er?")


def test_no_answer_in_time_gives_an_honest_message(browser):
    """A server that accepts the connection but never answers: the widget's own timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # never accepted: connections hang, as on a saturated server
        with WebServer(free_port(), f"http://127.0.0.1:{silent.getsockname()[1]}") as site:
            ctx = browser.new_context(viewport=MOBILE)
            page = ctx.new_page()
            page.add_init_script("window.VRTChatConfig = {requestTimeoutMs: 2000}")
            page.goto(site.url + "/")
            page.get_by_role("button", name="Stel je vraag aan VRT Assistent").click()
            expect(page.locator(".vrtc-emergency")).to_be_in_viewport()
            # The welcome request times out first.
            expect(page.locator(BOT).last).to_contain_text("Er komt nu geen antwoord", timeout=10_000)
            box = page.get_by_role("textbox", name="Typ je vraag")
            box.fill("hoeveel kazernes zijn er?")
            started = time.monotonic()
            box.press("Enter")
            expect(page.locator(BOT)).to_have_count(2, timeout=10_000)
            waited = time.monotonic() - started
            assert bot_texts(page)[-1].startswith(
                "Er komt nu geen antwoord. Het is misschien erg druk. Bij nood: bel 112."
            )
            assert 1.5 < waited < 8, waited
            expect(page.locator(".vrtc-typing")).to_be_hidden()
            expect(page.locator(".vrtc-emergency")).to_be_in_viewport()
            ctx.close()


def test_widget_emergency_net_matches_the_servers(page: Page, bot):
    """The net the server serves, run by the widget in Chromium, decides as the Python net does.

    On every held-out question and training example: the same messages count as an emergency.
    """
    from tests.nlu_examples import nlu_examples
    from vrt.ops.servers import ROOT
    from vrt.privacy.guard import emergency_classifier

    texts = [
        t for folder in ("tests/nlu", "data/nlu") for ts in nlu_examples(ROOT / folder).values() for t in ts
    ]
    classifier = emergency_classifier()
    python = [bool(classifier.match(t)) for t in texts]
    net = requests.get(f"{bot.rasa_url}/webhooks/rest/emergency", timeout=10).json()
    widget = page.evaluate(
        "([net, texts]) => { const n = VRTChat.emergencyNet(net); return texts.map(t => n.matches(t)); }",
        [net, texts],
    )
    held_out = nlu_examples(ROOT / "tests" / "nlu")["noodgeval"]
    assert sum(python) > len(held_out) / 2  # the comparison covers real emergencies
    assert [t for t, p, w in zip(texts, python, widget, strict=True) if p != w] == []


def test_emergency_shows_112_at_once_when_the_server_does_not_answer(browser, bot):
    """The widget has the net from an earlier page (sessionStorage); now the server hangs."""
    net = requests.get(f"{bot.rasa_url}/webhooks/rest/emergency", timeout=10).text
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # never accepted: the request hangs, as on a saturated server
        with WebServer(free_port(), f"http://127.0.0.1:{silent.getsockname()[1]}") as site:
            ctx = browser.new_context(viewport=DESKTOP)
            page = ctx.new_page()
            page.add_init_script(f"sessionStorage.setItem('vrt-chat:emergency', {json.dumps(net)})")
            page.goto(site.url + "/")
            page.get_by_role("button", name="Stel je vraag aan VRT Assistent").click()
            box = page.get_by_role("textbox", name="Typ je vraag")
            box.fill("ik ruik gas in huis")
            started = time.monotonic()
            box.press("Enter")
            expect(page.locator(f"{BOT} .vrtc-text").first).to_have_text(
                re.compile("^Bel nu 112"), timeout=2000
            )
            assert time.monotonic() - started < 2
            expect(page.locator(".vrtc-typing")).to_be_visible()  # the server's answer is still awaited
            # An ordinary question gets no 112 line from the widget.
            box.fill("hoe voorkom ik brand in huis?")
            box.press("Enter")
            expect(page.locator(f"{USER} .vrtc-text").last).to_have_text("hoe voorkom ik brand in huis?")
            expect(page.locator(BOT)).to_have_count(1)
            ctx.close()


def test_cors_allows_only_the_site_origin(bot, site):
    def preflight(origin):
        return requests.options(
            bot.rest_url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            timeout=10,
        )

    assert preflight(site.url).headers.get("Access-Control-Allow-Origin") == site.url
    denied = preflight("http://evil.example").headers.get("Access-Control-Allow-Origin")
    assert denied in (None, ""), denied


# ---------------------------------------------------------------- accessibility and layout


def _impacts(report):
    out = {}
    for v in report["violations"]:
        out[v["impact"]] = out.get(v["impact"], 0) + 1
    return out


@pytest.mark.parametrize("viewport_name", ["desktop", "mobile"])
def test_axe_no_serious_or_critical_violations(browser, site, axe_source, results_dir, viewport_name):
    viewport = DESKTOP if viewport_name == "desktop" else MOBILE
    # bypass_csp: the demo page's CSP (rightly) blocks the injected axe-core script.
    ctx = browser.new_context(viewport=viewport, bypass_csp=True)
    page = ctx.new_page()
    page.goto(site.url + "/")
    closed = run_axe(page, axe_source)
    page.reload()
    open_widget(page)
    ask(page, "hoeveel kazernes zijn er?")
    page.locator(BOT).last.get_by_role("button", name="Ja, dit antwoord was nuttig").click()
    expect(page.locator(BOT).last.get_by_role("status")).to_have_text("Bedankt voor je reactie.")
    opened = run_axe(page, axe_source)
    # And the error state.
    page.route("**/webhooks/rest/webhook", lambda route: route.abort("connectionrefused"))
    page.get_by_role("textbox", name="Typ je vraag").fill("hallo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(ERROR_TEXT)
    error = run_axe(page, axe_source)
    ctx.close()

    reports = {"closed": closed, "open": opened, "error": error}
    save_json(
        results_dir / f"axe-{viewport_name}.json",
        {name: {"impacts": _impacts(r), **r} for name, r in reports.items()},
    )
    bad = [
        (name, v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]])
        for name, r in reports.items()
        for v in r["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


def _layout_problems(page: Page) -> list:
    return page.evaluate(
        """() => {
            const problems = [];
            const vw = document.documentElement.clientWidth, vh = window.innerHeight;
            const panel = document.querySelector('.vrtc-panel').getBoundingClientRect();
            if (panel.left < 0 || panel.right > vw + 0.5) problems.push(['panel wider than viewport', panel.left, panel.right, vw]);
            if (panel.top < 0 || panel.bottom > vh + 0.5) problems.push(['panel taller than viewport', panel.top, panel.bottom, vh]);
            for (const el of document.querySelectorAll('.vrtc-panel button, .vrtc-panel textarea, .vrtc-emergency, .vrtc-bubble')) {
                const r = el.getBoundingClientRect();
                if (r.width === 0) continue;
                if (r.left < panel.left - 0.5 || r.right > panel.right + 0.5) problems.push(['sticks out', el.className, r.left, r.right]);
            }
            const log = document.querySelector('.vrtc-log');
            if (log.scrollWidth > log.clientWidth + 1) problems.push(['horizontal scroll in messages', log.scrollWidth, log.clientWidth]);
            return problems;
        }"""
    )


@pytest.mark.parametrize(
    "name,viewport,scale",
    [
        ("320px", {"width": 320, "height": 568}, 1),
        # 200 % zoom of a 1280x800 window: 640x400 CSS pixels at device scale 2.
        ("zoom200", {"width": 640, "height": 400}, 2),
    ],
)
def test_small_screens_and_zoom(browser, site, results_dir, name, viewport, scale):
    ctx = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = ctx.new_page()
    page.goto(site.url + "/")
    launcher = page.get_by_role("button", name="Stel je vraag aan VRT Assistent")
    expect(launcher).to_be_in_viewport()
    open_widget(page)
    ask(page, "hoeveel kazernes zijn er?")
    for control in ("Nieuw gesprek beginnen", "Chat sluiten", "Verstuur"):
        expect(page.get_by_role("button", name=control)).to_be_in_viewport()
    expect(page.get_by_role("textbox", name="Typ je vraag")).to_be_in_viewport()
    expect(page.locator(".vrtc-emergency")).to_be_in_viewport()
    assert _layout_problems(page) == []
    page.screenshot(path=str(results_dir / f"widget-{name}.png"))
    ctx.close()


def test_reduced_motion(browser, site):
    ctx = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    page = ctx.new_page()
    page.goto(site.url + "/")
    names = page.evaluate(
        "() => [...document.querySelectorAll('.vrtc-dots span')].map(s => getComputedStyle(s).animationName)"
    )
    assert names and set(names) == {"none"}, names
    ctx.close()
    ctx = browser.new_context(viewport=DESKTOP, reduced_motion="no-preference")
    page = ctx.new_page()
    page.goto(site.url + "/")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.vrtc-dots span')).animationName")
        == "vrtc-blink"
    )
    ctx.close()


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("mobile", {"width": 375, "height": 740})])
def test_quick_reply_and_question_on_desktop_and_phone(browser, site, results_dir, name, viewport):
    """A topic button and a typed question, laid out within the screen; screenshots for review."""
    ctx = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = ctx.new_page()
    page.goto(site.url + "/")
    expect(page.get_by_role("button", name="Stel je vraag aan VRT Assistent")).to_be_in_viewport()
    page.screenshot(path=str(results_dir / f"widget-{name}-closed.png"))
    open_widget(page)
    page.get_by_role("button", name="Mensen en kazernes").click()
    assert "29 kazernes" in wait_for_reply(page, 1)
    assert "Nee, ik ben geen mens." in ask(page, "ben je een mens?")
    expect(page.locator(".vrtc-emergency")).to_be_in_viewport()
    assert _layout_problems(page) == []
    page.screenshot(path=str(results_dir / f"widget-{name}.png"))
    ctx.close()


def test_unsure_question_asks_back_and_a_click_answers(page: Page):
    """ "veiligheid in twente" is a question the model is unsure of (several FAQ topics close):
    the bot asks back with buttons (vrt/nlu/clarify.py); a click gives that answer."""
    open_widget(page)
    question = ask(page, "veiligheid in twente")
    assert "Bedoel je" in question
    asked = page.locator(BOT).last
    expect(asked.get_by_role("button", name="Risico's in Twente")).to_be_visible()
    expect(asked.get_by_role("button", name="Iets anders")).to_be_visible()
    before = page.locator(BOT).count()
    asked.get_by_role("button", name="Risico's in Twente").click()
    expect(page.locator(f"{USER} .vrtc-text").last).to_have_text("Risico's in Twente")
    assert "bijna alle risico's" in wait_for_reply(page, before)


def test_yes_and_no_about_places(page: Page):
    """Yes/no about a place (vrt/nlu/places.py, action_plaats) in the widget: "ja" for one of the
    14 municipalities, "nee" with the list for another Dutch municipality, a follow-up that names
    only the place, and a place the bot cannot place."""
    open_widget(page)
    assert ask(page, "hoort oldenzaal bij jullie").startswith(
        "Ja, Oldenzaal is een van de 14 gemeenten van VRT."
    )
    no = ask(page, "en zwolle?")
    assert no.startswith("Nee, Zwolle is geen van de 14 gemeenten van VRT.")
    assert "Hof van Twente" in no
    expect(page.locator(BOT).last).to_contain_text("Rijssen-Holten")
    assert "Gronau hoort alleen bij VRT als het in een van die gemeenten ligt" in ask(
        page, "valt gronau onder de veiligheidsregio twente?"
    )
