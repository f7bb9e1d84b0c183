"""Language per message and per conversation (vrt/nlu/language*.py), with config.yml's settings
and the word lists of vrt/nlu/lexicon.py (`emergency`: tests/conftest.py)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.language import conversation_language
from vrt.nlu.language_detector import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector.from_config_file()


def parsed(detector, text, intent="faq"):
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "entities": [],
        }
    )
    detector.process([message])
    return message


@pytest.mark.parametrize(
    "text, language",
    [
        ("how many people work for the fire service in Twente?", "en"),
        ("what does the Veiligheidsbureau do", "en"),  # a Dutch name in an English question
        ("hoeveel vrijwilligers heeft de brandweer?", "nl"),
        ("Kun je me vertellen wat de Twente Safety Campus is?", "nl"),  # an English name in a Dutch question
        ("Wie ist die Telefonnummer der Feuerwehr in Enschede?", "de"),
        ("Was macht die Feuerwehr in Twente?", "de"),
        # lingua reads these as German; a Dutch or English word German lacks rules that out
        ("valt losser onder twente of onder ijsselland?", "nl"),
        ("wie is de politiechef in twente", "nl"),
        ("what kind of organisation is VRT", "en"),
        ("ok", None),  # short: the conversation keeps its language
        ("hoi", None),
        ("112?", None),
    ],
)
def test_message_language(detector, text, language):
    assert parsed(detector, text).get("taal") == language


def test_german_gets_the_german_pointer_intent(detector):
    assert (
        parsed(detector, "Ich brauche Informationen über die Sicherheitsregion").get("intent")["name"]
        == "duits"
    )


@pytest.mark.parametrize(
    "text, language", [("English", "en"), ("in english please", "en"), ("Nederlands", "nl")]
)
def test_switch_words_switch(detector, text, language):
    message = parsed(detector, text, intent="groet")
    assert message.get("intent")["name"] == "taal_kiezen"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("taal", language)]


def user(taal=None, intent="faq", entities=()):
    data = {"intent": {"name": intent}, "entities": list(entities)}
    if taal:
        data["taal"] = taal
    return data


def test_conversation_language_is_the_last_clear_one():
    assert conversation_language([]) == "nl"
    assert conversation_language([user(), user("en"), user("nl")]) == "en"  # newest first
    assert conversation_language([user("de"), user("en")]) == "en"  # German keeps the conversation's
    switch = user(intent="taal_kiezen", entities=[{"entity": "taal", "value": "en"}])  # the widget's payload
    assert conversation_language([user(), switch, user("nl")]) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "fire!",
        "there is a fire in our kitchen",
        "smoke everywhere in the hallway",
        "gas leak",
        "a bad accident on the road",
        "my husband is unconscious",
        "she is not breathing",
        "help!",
        "help",
        "HELP!!",
        "i smell gas",
        "smoke",
        "please help",
        "someone was stabbed",
        "our cellar is flooding",
    ],
)
def test_english_emergencies_get_112_in_english(detector, emergency, text):
    message = parsed(detector, text)
    emergency.process([message])
    assert message.get("intent")["name"] == "noodgeval"
    assert conversation_language([parse_data(message)]) == "en"


def parse_data(message: Message) -> dict:
    """What the tracker keeps of a message: its output properties."""
    return {key: message.get(key) for key in message.output_properties | {"intent", "entities"}}


@pytest.mark.parametrize("text", ["help!!", "gas"])
def test_a_word_both_languages_share_keeps_a_dutch_conversation_dutch(detector, emergency, text):
    message = parsed(detector, text)
    emergency.process([message])
    assert message.get("intent")["name"] == "noodgeval"
    assert conversation_language([parse_data(message), user("nl")]) == "nl"


@pytest.mark.parametrize("text", ["brand!", "gaslek", "gas lek", "ik ruik gas", "help brand"])
def test_short_dutch_emergencies_stay_dutch(detector, emergency, text):
    message = parsed(detector, text)
    emergency.process([message])
    assert message.get("intent")["name"] == "noodgeval"
    assert conversation_language([parse_data(message)]) == "nl"


def test_english_ordinary_question_with_an_emergency_word_is_unsure(emergency):
    message = Message(
        data={
            "text": "how many fire stations are there?",
            "intent": {"name": "faq", "confidence": 0.9},
            "entities": [],
        }
    )
    emergency.process([message])
    assert message.get("intent")["name"] == "faq" and message.get("emergency_net")["level"] == "onzeker"


@pytest.mark.parametrize(
    "text, language",
    [
        ("whats vrt", "en"),
        ("thank you", "en"),
        ("is the tap water still safe to drink", "en"),
        ("ok dank je", "nl"),
        ("ok", None),
        ("thanks", None),  # Dutch residents say it too
    ],
)
def test_own_words_decide_when_lingua_is_unsure(detector, text, language):
    assert detector.language.detect(text) == language


@pytest.mark.parametrize("text", ["is de campus innovatief?", "een innovation lab?"])
def test_dutch_function_words_overrule_lingua_on_a_loanword(detector, text):
    english = detector.language.scores(detector.language.words(text))
    assert english["en"] / (english["en"] + english["nl"]) >= 0.9  # lingua alone: English
    assert detector.language.detect(text) == "nl"
