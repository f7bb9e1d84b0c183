"""The custom NLU components, built as Rasa builds them from config.yml (and the data lists of
vrt/nlu/lexicon.py; `emergency`: tests/conftest.py)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from tests.nlu_examples import nlu_examples
from vrt.nlu.emergency import EmergencyKeywordClassifier
from vrt.nlu.faq_gate import FaqConfidenceGate
from vrt.nlu.settings import pipeline
from vrt.nlu.spacy_pipeline import OFFICIAL_PIPELINE, OFFLINE_PIPELINE, official_available, resolve_pipeline
from vrt.paths import ROOT


@pytest.mark.parametrize(
    "text",
    [
        "Er is brand in mijn keuken!",
        "het brandt bij de buren",
        "BRAND!!!",
        "ik zie rook uit het dak komen",
        "Ik ruik gas in de gang",
        "gaslucht in de straat",
        "er is een ongeluk gebeurd op de N18",
        "aanrijding met fietser",
        "mijn vader is onwel geworden",
        "iemand ligt bewusteloos op straat",
        "hij ademt niet meer",
        "mijn oma heeft een hartaanval",
        "het water staat in mijn huis",
        "overstroming in de kelder",
        "er wordt gevochten voor de deur",
        "ik word bedreigd met een mes",
        "help snel",
        "Help!",
        "gaslek in de keuken",
        "mijn moeder is flauwgevallen",
        "Bewusteloos kind in het zwembad",  # upper case
        "er is een ongeval gebeurd",
        "ik zie vlammen bij de schuur",
        "er is een explosie geweest",
        "mijn kind krijgt geen lucht",
        "iemand verdrinkt in de vijver",
    ],
)
def test_emergency_patterns_catch_emergencies(emergency, text):
    assert emergency.match(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Hoeveel brandweervrijwilligers heeft VRT?",
        "wat doet de brandweer?",
        "hoe worden brandweerlui opgeleid",
        "Wat is crisisbeheersing?",
        "Hoeveel kazernes zijn er?",
        "politie bellen zonder spoed",
        "wat is de Twente Safety Campus",
        "wat staat er in het beleidsplan over droogte?",
        "Hoe spoort het, wat is dat?",
        "hallo",
    ],
)
def test_emergency_patterns_leave_ordinary_questions_alone(emergency, text):
    assert emergency.match(text) is None, text


def test_emergency_overrides_fallback_and_keeps_ranking(emergency):
    message = Message(
        data={
            "text": "ik ruik gas",
            "intent": {"name": "nlu_fallback", "confidence": 0.7},
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 0.7},
                {"name": "faq", "confidence": 0.3},
            ],
        }
    )
    emergency.process([message])
    assert message.get("intent") == {"name": "noodgeval", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["noodgeval", "nlu_fallback", "faq"]


def net_message(text: str, intent: str) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.8},
            "intent_ranking": [{"name": intent, "confidence": 0.8}],
            "entities": [],
        }
    )


@pytest.mark.parametrize("intent", ["faq", "beleidsplan", "buiten_bereik"])
def test_unsure_emergency_word_keeps_the_answer_and_adds_the_112_signal(emergency, intent):
    message = net_message("hoe voorkomen jullie brand in woningen?", intent)
    emergency.process([message])
    assert message.get("intent")["name"] == intent
    (entity,) = message.get("entities")
    assert entity["entity"] == "noodsignaal" and entity["value"] == "brand"
    net = message.get("emergency_net")
    assert (net["model_intent"], net["level"]) == (intent, "onzeker")


@pytest.mark.parametrize("intent", ["nlu_fallback", "groet"])
def test_unsure_emergency_word_without_an_understood_question_gets_the_112_answer(emergency, intent):
    message = net_message("is die brand achter de deur gevaarlijk?", intent)
    emergency.process([message])
    assert message.get("intent") == {"name": "noodgeval", "confidence": 1.0}
    assert not message.get("entities")


@pytest.mark.parametrize("intent", ["nlu_fallback", "verduidelijk"])
def test_unsure_emergency_word_in_an_ordinary_question_gets_the_112_line_then_the_question_back(
    emergency, intent
):
    """Issue 26: the 112 line first, then the buttons or "say it differently", not only 112."""
    message = net_message("brand voorkomen?", intent)
    emergency.process([message])
    assert message.get("intent")["name"] == intent
    assert [e["entity"] for e in message.get("entities")] == ["noodsignaal"]


def test_a_clarifying_question_with_an_alarm_word_keeps_its_buttons(emergency):
    message = net_message("is die brand achter de deur gevaarlijk?", "verduidelijk")
    emergency.process([message])
    assert message.get("intent")["name"] == "verduidelijk"
    assert [e["entity"] for e in message.get("entities")] == ["noodsignaal"]


def test_model_emergency_on_an_ordinary_question_answers_its_next_intent_after_112(emergency):
    message = net_message("hoe voorkom ik brand bij het frituren?", "noodgeval")
    message.set(
        "intent_ranking",
        [
            {"name": "noodgeval", "confidence": 0.6},
            {"name": "groet", "confidence": 0.2},
            {"name": "buiten_bereik", "confidence": 0.15},
        ],
    )
    emergency.process([message])
    assert message.get("intent") == {"name": "buiten_bereik", "confidence": 0.15}
    # Both: the rules give the whole 112 answer first (the model may be right), then the answer.
    assert [e["entity"] for e in message.get("entities")] == ["noodsignaal", "noodsituatie"]


def test_a_situation_the_model_calls_an_emergency_gets_the_112_answer_first(emergency):
    # "gisteren" is a word of an ordinary question, but the situation and the model agree: the
    # whole 112 answer first, then (here) the honest answer.
    message = net_message("gisteren gevallen en nu is hij bewusteloos", "noodgeval")
    message.set(
        "intent_ranking", [{"name": "noodgeval", "confidence": 0.8}, {"name": "faq", "confidence": 0.1}]
    )
    emergency.process([message])
    assert message.get("intent")["name"] == "faq"
    assert [e["entity"] for e in message.get("entities")] == ["noodsignaal", "noodsituatie"]


def test_without_ordinary_words_the_models_emergency_gets_the_112_answer_only(emergency):
    message = net_message("is die brand achter de deur gevaarlijk?", "noodgeval")
    message.set(
        "intent_ranking", [{"name": "noodgeval", "confidence": 0.8}, {"name": "faq", "confidence": 0.1}]
    )
    emergency.process([message])
    assert message.get("intent") == {"name": "noodgeval", "confidence": 1.0}
    assert not message.get("entities")


def test_situation_in_an_ordinary_question_counts_as_unsure(emergency):
    # "vorig jaar" marks an ordinary question: the answer follows the 112 line.
    message = net_message("vorig jaar stond de schuur in brand, wat doen jullie aan nazorg?", "faq")
    emergency.process([message])
    assert message.get("intent")["name"] == "faq"
    assert message.get("emergency_net")["level"] == "onzeker"


def test_situation_gets_the_112_answer_whatever_the_model_said(emergency):
    message = net_message("er is brand in de keuken", "faq")
    emergency.process([message])
    assert message.get("intent") == {"name": "noodgeval", "confidence": 1.0}
    net = message.get("emergency_net")
    assert (net["model_intent"], net["level"]) == ("faq", "zeker")


def ranked_message(text: str, ranking: list) -> Message:
    message = net_message(text, ranking[0][0])
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


@pytest.mark.parametrize(
    "text",
    [
        "mijn kind is al een uur zoek, mag ik dat melden?",
        "wat rook achter het huis, mag ik dat bij jullie melden?",
    ],
)
def test_the_models_emergency_reading_survives_a_near_win_of_another_intent(emergency, text):
    """Issue 26: another intent won by little, the model's `noodgeval` reached
    model_emergency_share (config.yml): the whole 112 answer first, then that intent's answer."""
    message = ranked_message(text, [("buiten_bereik", 0.45), ("noodgeval", 0.40), ("faq", 0.15)])
    emergency.process([message])
    assert message.get("intent")["name"] == "buiten_bereik"
    assert [e["entity"] for e in message.get("entities")] == ["noodsignaal", "noodsituatie"]


def test_a_low_emergency_reading_of_the_model_changes_nothing(emergency):
    message = ranked_message(
        "mijn kind is al een uur zoek, mag ik dat melden?", [("faq", 0.7), ("noodgeval", 0.2)]
    )
    emergency.process([message])
    assert message.get("intent")["name"] == "faq"
    assert not message.get("entities") and not message.get("emergency_net")


def test_the_models_unsure_emergency_in_an_ordinary_question_gets_112_then_the_answer(emergency):
    message = ranked_message(
        "wat kan ik doen als iemand door het ijs zakt", [("noodgeval", 0.39), ("faq", 0.33)]
    )
    emergency.process([message])
    assert message.get("intent")["name"] == "faq"
    assert [e["entity"] for e in message.get("entities")] == ["noodsignaal", "noodsituatie"]
    assert message.get("emergency_net")["level"] == "model"


def test_the_models_sure_emergency_without_an_alarm_word_stays(emergency):
    message = ranked_message(
        "wat kan ik doen als iemand door het ijs zakt", [("noodgeval", 0.9), ("faq", 0.05)]
    )
    emergency.process([message])
    assert message.get("intent")["name"] == "noodgeval"
    assert not message.get("entities")


def test_emergency_classifier_refuses_empty_patterns():
    with pytest.raises(ValueError):
        EmergencyKeywordClassifier({"intent": "noodgeval", "patterns": []})


def faq_message(selector_confidence: float, intent: str = "faq") -> Message:
    return Message(
        data={
            "text": "wat is de hoofdstad van Frankrijk?",
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "response_selector": {
                "faq": {
                    "response": {"confidence": selector_confidence, "intent_response_key": "faq/kerntaken"}
                }
            },
        }
    )


@pytest.fixture
def gate() -> FaqConfidenceGate:
    return FaqConfidenceGate.from_config_file()


def test_gate_sends_unsure_faq_answer_to_fallback(gate):
    message = faq_message(selector_confidence=gate.threshold / 2)
    gate.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[1]["name"] == "faq"


def test_gate_keeps_confident_faq_answer(gate):
    message = faq_message(selector_confidence=0.95)
    gate.process([message])
    assert message.get("intent")["name"] == "faq"


def test_gate_ignores_other_intents(gate):
    message = faq_message(selector_confidence=0.01, intent="groet")
    gate.process([message])
    assert message.get("intent")["name"] == "groet"


def test_offline_pipeline_lemmatises_dutch(monkeypatch):
    monkeypatch.setenv("VRT_SPACY_PIPELINE", "offline")
    resolved = resolve_pipeline()
    assert resolved.name == OFFLINE_PIPELINE and not resolved.official
    assert resolved.name != OFFICIAL_PIPELINE
    lemmas = [t.lemma_ for t in resolved.nlp("brandweerkazernes vrijwilligers")]
    assert lemmas == ["brandweerkazerne", "vrijwilliger"]


@pytest.mark.skipif(
    not official_available(),
    reason="nl_core_news_sm is not installed (official download unreachable); "
    "the offline pipeline is tested instead",
)
def test_official_pipeline_tags_lemmatises_and_gives_tensor_vectors(monkeypatch):
    monkeypatch.delenv("VRT_SPACY_PIPELINE", raising=False)
    resolved = resolve_pipeline()
    assert resolved.name == OFFICIAL_PIPELINE and resolved.official
    doc = resolved.nlp("De brandweervrijwilligers werken in 29 kazernes.")
    assert [t.pos_ for t in doc][:2] == ["DET", "NOUN"]
    assert doc[1].lemma_ == "brandweervrijwilliger"
    assert doc[1].vector.shape[0] > 0


def payload_handler(known):
    from vrt.nlu.faq_payload import FaqPayloadHandler

    return FaqPayloadHandler(None, None, known)


def test_faq_payload_selects_that_answer():
    handler = payload_handler(["faq/capaciteit", "faq/kerntaken"])
    message = Message(data={"text": "/faq/capaciteit", "intent": {"name": "nlu_fallback", "confidence": 0.3}})
    handler.process([message])
    assert message.get("intent") == {"name": "faq", "confidence": 1.0}
    assert message.get("response_selector")["faq"]["response"]["utter_action"] == "utter_faq/capaciteit"


@pytest.mark.parametrize("text", ["/faq/bestaat_niet", "hoeveel kazernes /faq/capaciteit", "faq/capaciteit"])
def test_faq_payload_ignores_unknown_topics_and_ordinary_text(text):
    handler = payload_handler(["faq/capaciteit"])
    message = Message(data={"text": text, "intent": {"name": "groet", "confidence": 0.9}})
    handler.process([message])
    assert message.get("intent")["name"] == "groet"


def all_examples():
    for folder in ("data/nlu", "tests/nlu", "tests/nlu/en"):
        for intent, texts in nlu_examples(ROOT / folder).items():
            for text in texts:
                yield intent, text


def test_keyword_net_alone_catches_most_emergency_examples(emergency):
    emergencies = [text for intent, text in all_examples() if intent == "noodgeval"]
    caught = [text for text in emergencies if emergency.match(text)]
    # The trained intent covers the rest; the net must not rely on it for the common cases.
    assert len(caught) / len(emergencies) >= 0.95, sorted(set(emergencies) - set(caught))


def test_keyword_net_raises_no_false_alarm_on_other_examples(emergency):
    false_alarms = [
        (intent, text) for intent, text in all_examples() if intent != "noodgeval" and emergency.match(text)
    ]
    assert false_alarms == []


@pytest.fixture(scope="module")
def opening():
    from vrt.nlu.opening import OpeningMessageClassifier

    return OpeningMessageClassifier.from_config_file()


@pytest.mark.parametrize("text", ["", "   ", "/get_started", " /get_started\n"])
def test_opening_message_of_a_widget_is_a_greeting(opening, text):
    message = Message(
        data={
            "text": text,
            "intent": {"name": "nlu_fallback", "confidence": 0.3},
            "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}],
        }
    )
    opening.process([message])
    assert message.get("intent") == {"name": "groet", "confidence": 1.0}
    assert message.get("intent_ranking") == [{"name": "groet", "confidence": 1.0}]


@pytest.mark.parametrize(
    "text", ["get_started", "/get_started nu", "hoeveel kazernes zijn er?", "/faq/capaciteit"]
)
def test_opening_classifier_leaves_other_messages_alone(opening, text):
    message = Message(data={"text": text, "intent": {"name": "faq", "confidence": 0.8}})
    opening.process([message])
    assert message.get("intent") == {"name": "faq", "confidence": 0.8}


def test_opening_classifier_runs_before_the_fallback_and_the_emergency_net():
    names = [c["name"] for c in pipeline()]
    opening = names.index("vrt.nlu.opening.OpeningMessageClassifier")
    assert (
        opening
        < names.index("FallbackClassifier")
        < names.index("vrt.nlu.emergency.EmergencyKeywordClassifier")
    )


def test_override_intent_puts_the_intent_on_top_once():
    """vrt/nlu/intent.py: the rest of the ranking follows, without a second entry of the name;
    `certain` drops the classifier's ranking."""
    from vrt.nlu.intent import override_intent

    ranking = [{"name": "faq", "confidence": 0.6}, {"name": "buiten_bereik", "confidence": 0.3}]
    message = Message(data={"text": "x", "intent": ranking[0], "intent_ranking": ranking})
    override_intent(message, "buiten_bereik", 0.95)
    assert message.get("intent") == {"name": "buiten_bereik", "confidence": 0.95}
    assert message.get("intent_ranking") == [{"name": "buiten_bereik", "confidence": 0.95}, ranking[0]]
    override_intent(message, "groet", certain=True)
    assert message.get("intent_ranking") == [{"name": "groet", "confidence": 1.0}]
    assert "intent" in message.as_dict(only_output_properties=True)


def test_only_the_classifier_and_override_intent_set_the_ranking():
    """Every component after the classifier overrides the intent through vrt/nlu/intent.py."""
    setters = sorted(
        path.name
        for path in (ROOT / "vrt").rglob("*.py")
        if "set(INTENT_RANKING_KEY" in path.read_text() or 'set("intent_ranking"' in path.read_text()
    )
    assert setters == ["intent.py", "lexical_classifier.py"]
