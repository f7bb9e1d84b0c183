"""English (issue 8) with the real Rasa and action servers: REST and socket.io clients get English
answers to English messages, "Call 112 now" first in an English emergency, the switch, German."""

import uuid

import yaml

from vrt.ops.servers import ROOT

RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]


def english(name: str) -> str:
    """The English variation of a response, as the bot sends it (folded YAML: one line)."""
    (variant,) = [v for v in RESPONSES[name] if v.get("condition")]
    return " ".join(variant["text"].split())


def dutch(name: str) -> str:
    return " ".join(RESPONSES[name][0]["text"].split())


def texts(messages) -> list:
    return [m["text"] for m in messages if "text" in m]


def sender() -> str:
    return f"e2e-en-{uuid.uuid4().hex[:8]}"


def test_english_question_gets_the_english_answer_with_its_source(bot):
    replies = bot.say(sender(), "how many volunteer firefighters work in twente?")
    assert texts(replies) == [english("utter_faq/capaciteit")]
    assert "700 volunteer firefighters" in texts(replies)[0]
    assert replies[-1]["custom"]["bron"] == RESPONSES["utter_faq/capaciteit"][0]["custom"]["bron"]


def test_english_emergency_mid_conversation_gets_call_112_first(bot):
    user = sender()
    bot.say(user, "which networks does the safety region host?")
    replies = bot.say(user, "my neighbour collapsed and is not breathing")
    assert texts(replies)[0].startswith("Call 112 now.")
    assert texts(replies) == [english("utter_noodgeval")]


def test_short_messages_keep_the_language_and_the_switch_changes_it(bot):
    user = sender()
    bot.say(user, "what are the core tasks of the safety region?")
    assert texts(bot.say(user, "ok")) != []  # "ok" alone: answered, in English (the conversation's)
    assert texts(bot.say(user, "thanks!")) == [english("utter_bedankt")]
    assert texts(bot.say(user, "Nederlands"))[0] == dutch("utter_taal_gekozen")
    assert texts(bot.say(user, "bedankt")) == [dutch("utter_bedankt")]
    # The widget's switch: a payload, no text to detect.
    assert texts(bot.say(user, '/taal_kiezen{"taal":"en"}'))[0] == english("utter_taal_gekozen")
    assert texts(bot.say(user, "/faq/kerntaken")) == [english("utter_faq/kerntaken")]


def test_policy_plan_theme_buttons_in_english(bot):
    replies = bot.say(sender(), "what is in the policy plan 2021-2024?")
    assert texts(replies)[0] == english("utter_beleidsplan_kies_thema")
    assert "Risks in Twente" in [b["title"] for b in replies[0]["buttons"]]


def test_german_gets_one_german_pointer(bot):
    replies = bot.say(sender(), "Wie viele Feuerwachen gibt es in der Region Twente?")
    assert texts(replies) == [dutch("utter_duits")]


def test_socketio_client_gets_english(bot):
    (reply,) = bot.say_socketio(f"en-{uuid.uuid4().hex[:8]}", ["who governs the safety region?"])
    assert reply["text"] == english("utter_faq/bestuur")


def test_short_english_emergencies_get_call_112_in_english(bot):
    for message in ("i smell gas", "fire!", "help"):
        replies = bot.say(sender(), message)
        assert texts(replies)[0] == english("utter_noodgeval"), message


def test_help_in_a_dutch_conversation_stays_dutch(bot):
    user = sender()
    bot.say(user, "welke gemeenten horen bij de veiligheidsregio?")
    assert texts(bot.say(user, "help!!"))[0] == dutch("utter_noodgeval")
