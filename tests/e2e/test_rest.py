"""Whole conversations with the real action and Rasa servers, over the REST channel."""

import uuid

import pytest
import yaml

from vrt.ops.servers import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def response_text(name: str, variation: int = 0) -> str:
    """A response's text as the bot sends it (folded YAML: one line)."""
    variant = DOMAIN["responses"][name][variation]  # 0: the Dutch default; 1: English
    return " ".join(variant["text"].split())


FAQ_ANSWERS = {
    " ".join(variant["text"].split())
    for name, variants in DOMAIN["responses"].items()
    if name.startswith("utter_faq/")
    for variant in variants
}


def answer_texts(messages) -> list:
    """The text messages of a reply; an FAQ answer's source comes as a separate custom message."""
    return [m["text"] for m in messages if "text" in m]


def response_buttons(name: str) -> list:
    variant = DOMAIN["responses"][name][0]  # the Dutch default; [1] is English
    return variant["buttons"]


def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def texts(messages) -> str:
    return " ".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize(
    "question, topic, facts",
    [
        (
            "hoeveel kazernes zijn er?",
            "capaciteit",
            ["29 kazernes", "700 brandweervrijwilligers", "400 medewerkers"],
        ),
        ("wat doet de veiligheidsregio eigenlijk", "wat_doet_vrt", ["risicobeheersing", "crisisbeheersing"]),
        ("welke gemeenten horen bij vrt", "gemeenten", ["Almelo", "Wierden", "14"]),
        ("wat is de twente safety campus?", "twente_safety_campus", ["Troned", "Risk Factory"]),
        ("wat is hoe spoort het", "hoe_spoort_het", ["september 2017", "www.hoespoorthet.nl"]),
        ("politie bellen zonder spoed", "politie_geen_spoed", ["0900-8844"]),
        ("kan ik een medewerker spreken", "contact", ["www.vrtwente.nl"]),
        ("wat is het platform ivz", "platform_ivz", ["2008"]),
    ],
)
def test_faq_question_gets_its_own_answer(bot, question, topic, facts):
    replies = bot.say(sender(), question)
    assert answer_texts(replies) == [response_text(f"utter_faq/{topic}")]
    assert replies[-1]["custom"]["bron"], "an FAQ answer names its source"
    for fact in facts:  # the facts the question is about
        assert fact in replies[0]["text"]


@pytest.mark.parametrize(
    "message",
    [
        "er is brand in mijn keuken",
        "ik ruik gas",
        "mijn buurman is bewusteloos",
        "er is een ongeluk gebeurd op de a35",
        "het water staat in mijn huis",
        "er wordt gevochten op straat",
    ],
)
def test_emergency_gets_112_as_first_words(bot, message):
    replies = bot.say(sender(), message)
    assert replies[0]["text"].startswith("Bel nu 112")


def test_emergency_in_the_middle_of_a_conversation_gets_112_first(bot):
    user = sender()
    bot.say(user, "hallo")
    bot.say(user, "wat staat er in het beleidsplan over innovatie?")
    replies = bot.say(user, "help er komt rook uit het huis van de buren")
    assert replies[0]["text"].startswith("Bel nu 112")
    # ... and the conversation carries on afterwards.
    assert "Twente Safety Campus" in texts(bot.say(user, "vertel meer"))


def test_policy_plan_theme_is_the_faq_answer_with_its_source_and_follow_ups(bot):
    user = sender()
    first = bot.say(user, "wat zegt het beleidsplan over risico's?")
    assert "bijna alle risico's" in first[0]["text"] and "cybercrime" in first[0]["text"]
    assert first[1]["custom"] == {"bron": [{"naam": "vrtwente.nl, Wat doen wij?"}]}

    assert "vitaal belang" in texts(bot.say(user, "vertel meer"))
    assert "sociale veiligheid" in texts(bot.say(user, "en verder?"))


def test_faq_answer_carries_its_source_in_a_separate_custom_message(bot):
    replies = bot.say(sender(), "wat is het platform ivz")
    assert "2008" in replies[0]["text"] and "custom" not in replies[0]
    assert replies[1]["custom"]["bron"] == [
        {"naam": "vrtwente.nl, Platform IVZ", "link": "https://vrtwente.nl/platform-ivz"}
    ]
    assert "text" not in replies[1]


def test_follow_ups_after_an_faq_answer_give_related_details_then_say_there_is_no_more(bot):
    user = sender()
    assert "29 kazernes" in texts(bot.say(user, "hoeveel kazernes zijn er?"))
    # the capacity answer -> the training and the risk-oriented approach
    assert "doorlopend opgeleid" in texts(bot.say(user, "vertel meer"))
    # most recent answer first: the training answer -> where they train (knowledge/vervolg.yml)
    assert "Troned" in texts(bot.say(user, "wat bedoel je daarmee?"))

    other = sender()
    bot.say(other, "politie bellen zonder spoed")
    assert "Meer heb ik hier niet over" in texts(bot.say(other, "en verder?"))


def test_ordinary_question_with_an_emergency_word_gets_the_112_line_then_the_answer(bot):
    replies = bot.say(sender(), "hoe voorkomen jullie brand in woningen?")
    assert replies[0]["text"].startswith("Bel direct 112")
    assert any(" ".join(r.get("text", "").split()) in FAQ_ANSWERS for r in replies[1:])


def test_policy_plan_without_theme_offers_theme_buttons(bot):
    replies = bot.say(sender(), "wat staat er in het beleidsplan")
    themes = yaml.safe_load((ROOT / "knowledge" / "beleidsplan.yml").read_text())["themas"]
    assert [m["text"] for m in replies] == [response_text("utter_beleidsplan_kies_thema")]
    assert [b["title"] for b in replies[0]["buttons"]] == [theme["titel"] for theme in themes.values()]


def test_quick_reply_payload_works(bot):
    replies = bot.say(sender(), "/faq/capaciteit")
    assert answer_texts(replies) == [response_text("utter_faq/capaciteit")]


@pytest.mark.parametrize(
    "question",
    ["Wat is de hoofdstad van Frankrijk?", "wie wint de champions league dit jaar", "recept voor appeltaart"],
)
def test_off_topic_question_gets_an_honest_answer_without_facts(bot, question):
    """Off-topic (buiten_bereik) or unsure (fallback): both say so and point to www.vrtwente.nl."""
    replies = bot.say(sender(), question)
    honest = {response_text("utter_buiten_bereik"), response_text("utter_default")}
    assert len(replies) == 1 and replies[0]["text"] in honest, replies


@pytest.mark.parametrize("unclear", ["wat vind jij van ajax"])
def test_unclear_message_gets_an_honest_answer_with_topic_buttons(bot, unclear):
    """Not understood (fallback), understood as off-topic, or read as "what can you do?": each says
    honestly what the bot answers, with the topic buttons; never an FAQ answer. (Since the English
    data, "wat vind jij van …" reads as a question to the bot itself: `wat_kun_je`.)"""
    replies = bot.say(sender(), unclear)
    honest = {
        "utter_default": response_text("utter_default"),
        "utter_buiten_bereik": response_text("utter_buiten_bereik"),
        "utter_wat_kun_je": response_text("utter_wat_kun_je"),
    }
    assert len(replies) == 1 and replies[0]["text"] in honest.values(), replies
    (name,) = [name for name, text in honest.items() if text == replies[0]["text"]]
    assert replies[0]["buttons"] == response_buttons(name)


@pytest.mark.parametrize("gibberish", ["xkcd qwrtp zzzz", "asdfgh qwerty", "blablabla"])
def test_gibberish_never_gets_an_faq_answer(bot, gibberish):
    replies = bot.say(sender(), gibberish)
    assert replies, "no answer at all"
    assert not [text for text in answer_texts(replies) if text in FAQ_ANSWERS]


@pytest.mark.parametrize("opening", ["", "   ", "/get_started"])
def test_opening_message_of_a_widget_gets_the_greeting(bot, opening):
    """rasa-webchat sends an empty message when opened, or the site's initPayload."""
    replies = bot.say(sender(), opening)
    assert [m["text"] for m in replies] == [response_text("utter_groet")]
    assert replies[0]["buttons"] == response_buttons("utter_groet")


def test_bot_says_it_is_not_a_person(bot):
    replies = bot.say(sender(), "praat ik met een echt mens?")
    assert [m["text"] for m in replies] == [response_text("utter_ben_je_een_mens")]


def test_what_can_you_do_offers_topic_buttons(bot):
    replies = bot.say(sender(), "wat kun je allemaal?")
    assert [m["text"] for m in replies] == [response_text("utter_wat_kun_je")]
    assert replies[0]["buttons"] == response_buttons("utter_wat_kun_je")
