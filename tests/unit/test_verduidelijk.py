"""Asking back: the decision (vrt/nlu/clarify.py), the action (actions/verduidelijk.py) and the
report's use of the click (vrt/report/analysis.py, suggest.py)."""

from __future__ import annotations

import copy

import pytest
from rasa.shared.nlu.training_data.message import Message

from actions.verduidelijk import ActionVerduidelijk, load_titles
from vrt.nlu.clarify import CANDIDATES_KEY, ClarifyingQuestion, candidates, should_clarify
from vrt.nlu.settings import component_settings
from vrt.report.analysis import build_report
from vrt.report.conversations import Turn
from vrt.report.suggest import clicked


def clarify_settings() -> dict:
    return {**ClarifyingQuestion.get_default_config(), **component_settings(ClarifyingQuestion)}


def faq_message(ranking, intent="faq") -> Message:
    message = Message(data={"text": "vraag"})
    message.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": 0.9}], add_to_output=True)
    entries = [{"id": None, "confidence": c, "intent_response_key": k} for k, c in ranking]
    message.set("response_selector", {"faq": {"response": {}, "ranking": entries}}, add_to_output=True)
    return message


@pytest.mark.parametrize(
    "confidences, asks",
    [
        ([0.9, 0.05], False),  # sure: answer at once
        ([0.2, 0.15], False),  # below the gate: FaqConfidenceGate's fallback, not a question
        ([0.35, 0.2], True),  # middling
        ([0.5, 0.4], True),  # the best two close
        ([0.6, 0.3], False),
    ],
)
def test_decision_with_the_configured_thresholds(confidences, asks):
    settings = clarify_settings()
    assert should_clarify(confidences, settings["floor"], settings["band"], settings["margin"]) is asks


def test_component_sets_the_intent_and_the_candidates_only_for_unsure_faq_answers():
    component = ClarifyingQuestion(clarify_settings())
    unsure = faq_message([("faq/capaciteit", 0.40), ("faq/organisatie", 0.30), ("faq/bestuur", 0.05)])
    sure = faq_message([("faq/capaciteit", 0.90), ("faq/organisatie", 0.05)])
    other = faq_message([("faq/capaciteit", 0.40), ("faq/organisatie", 0.30)], intent="nlu_fallback")
    component.process([unsure, sure, other])
    assert unsure.get("intent")["name"] == "verduidelijk"
    assert unsure.get(CANDIDATES_KEY) == ["faq/capaciteit", "faq/organisatie"]
    assert sure.get("intent")["name"] == "faq" and sure.get(CANDIDATES_KEY) is None
    assert other.get("intent")["name"] == "nlu_fallback"


def gate_fallback(faq_confidence: float) -> Message:
    """What FaqConfidenceGate leaves: nlu_fallback on top, the classifier's `faq` after it."""
    message = faq_message([("faq/capaciteit", 0.20), ("faq/organisatie", 0.15), ("faq/bestuur", 0.12)])
    ranking = [{"name": "nlu_fallback", "confidence": 0.8}, {"name": "faq", "confidence": faq_confidence}]
    message.set("intent", ranking[0], add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    return message


def test_a_sure_faq_question_with_a_weak_topic_is_asked_back_instead_of_the_fallback():
    settings = clarify_settings()
    component = ClarifyingQuestion(settings)
    sure = gate_fallback(settings["sure_faq"] + 0.01)
    unsure = gate_fallback(settings["sure_faq"] - 0.01)
    component.process([sure, unsure])
    assert sure.get("intent")["name"] == "verduidelijk"
    assert sure.get(CANDIDATES_KEY) == ["faq/capaciteit", "faq/organisatie", "faq/bestuur"]
    assert [r["name"] for r in sure.get("intent_ranking")][:2] == ["verduidelijk", "nlu_fallback"]
    assert unsure.get("intent")["name"] == "nlu_fallback" and unsure.get(CANDIDATES_KEY) is None


def with_policy_plan_second(message: Message, share: float) -> Message:
    top = message.get("intent")
    message.set("intent_ranking", [top, {"name": "beleidsplan", "confidence": share}], add_to_output=True)
    return message


def test_the_policy_plan_as_a_close_second_intent_gets_its_own_button():
    settings = clarify_settings()
    component = ClarifyingQuestion(settings)
    share = settings["policy_plan_second"]
    sure_topic = with_policy_plan_second(faq_message([("faq/innovatie", 0.90), ("faq/netwerk", 0.05)]), share)
    unsure_topic = with_policy_plan_second(
        faq_message([("faq/innovatie", 0.40), ("faq/netwerk", 0.30), ("faq/bestuur", 0.05)]), share
    )
    far_second = with_policy_plan_second(
        faq_message([("faq/innovatie", 0.90), ("faq/netwerk", 0.05)]), share - 0.01
    )
    component.process([sure_topic, unsure_topic, far_second])
    assert sure_topic.get("intent")["name"] == "verduidelijk"
    assert sure_topic.get(CANDIDATES_KEY) == ["faq/innovatie", "beleidsplan"]
    assert unsure_topic.get(CANDIDATES_KEY) == ["faq/innovatie", "faq/netwerk", "beleidsplan"]
    assert far_second.get("intent")["name"] == "faq" and far_second.get(CANDIDATES_KEY) is None


def test_the_policy_plan_button_has_its_title_and_payload(load_tracker, dispatcher, domain):
    tracker = load_tracker("verduidelijk_nl")
    tracker.latest_message[CANDIDATES_KEY] = ["faq/innovatie", "beleidsplan"]
    ActionVerduidelijk().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Innovatie", "payload": "/faq/innovatie"},
        {"title": "Het beleidsplan 2021-2024", "payload": "/beleidsplan"},
        {"title": "Iets anders", "payload": "/buiten_bereik"},
    ]
    assert "beleidsplan" in domain["intents"]


def test_candidates_are_two_or_three_close_answers():
    ranking = [("faq/a", 0.4), ("faq/b", 0.3), ("faq/c", 0.25), ("faq/d", 0.05)]
    assert candidates(ranking, 3, 0.5) == ["faq/a", "faq/b", "faq/c"]
    assert candidates([("faq/a", 0.6), ("faq/b", 0.1), ("faq/c", 0.1)], 3, 0.5) == ["faq/a", "faq/b"]


def test_every_faq_answer_has_a_title_in_both_languages(domain):
    topics = {k.removeprefix("utter_faq/") for k in domain["responses"] if k.startswith("utter_faq/")}
    assert set(load_titles()["onderwerpen"]) == topics


def test_action_asks_with_a_button_per_candidate_and_something_else(load_tracker, dispatcher, domain):
    ActionVerduidelijk().run(dispatcher, load_tracker("verduidelijk_nl"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_verduidelijk"
    assert message["buttons"] == [
        {"title": "Mensen en kazernes", "payload": "/faq/capaciteit"},
        {"title": "Brandweer, GHOR en Veiligheidsbureau", "payload": "/faq/organisatie"},
        {"title": "Iets anders", "payload": "/buiten_bereik"},
    ]
    assert "utter_verduidelijk" in domain["responses"]
    assert "/buiten_bereik" == load_titles()["iets_anders"]["payload"]


def test_action_titles_follow_the_conversation_language(load_tracker, dispatcher, domain):
    tracker = load_tracker("verduidelijk_nl")
    events = copy.deepcopy(tracker.events)
    events[-1]["parse_data"]["taal"] = "en"
    tracker.events = events
    ActionVerduidelijk().run(dispatcher, tracker, domain)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["People and fire stations", "Fire service, GHOR and Safety Office", "Something else"]


def test_action_without_known_candidates_gives_the_honest_answer(load_tracker, dispatcher, domain):
    tracker = load_tracker("verduidelijk_nl")
    tracker.latest_message[CANDIDATES_KEY] = ["faq/bestaat_niet"]
    ActionVerduidelijk().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_default"


def turn(text: str, timestamp: float, actions, intent="verduidelijk", conversation="s#1") -> Turn:
    return Turn(
        sender_id="s",
        conversation=conversation,
        text=text,
        timestamp=timestamp,
        channel="rest",
        intent=intent,
        confidence=0.6,
        actions=list(actions),
    )


def test_a_click_after_asking_back_suggests_the_typed_question_for_the_chosen_answer():
    from datetime import datetime

    turns = [
        turn("hoeveel brandweer is er eigenlijk", 1_700_000_000.0, ["action_verduidelijk"]),
        turn("/faq/capaciteit", 1_700_000_010.0, ["utter_faq"], intent="faq"),
        # A click without a clarifying question before it is an ordinary topic button.
        turn("wat doet vrt", 1_700_000_020.0, ["utter_faq"], intent="faq", conversation="t#1"),
        turn("/faq/innovatie", 1_700_000_030.0, ["utter_faq"], intent="faq", conversation="t#1"),
    ]
    report = build_report(
        turns, datetime.fromtimestamp(1_699_990_000), datetime.fromtimestamp(1_700_100_000), [], 0.5
    )
    [suggestion] = clicked(report, set())
    assert suggestion.intent == "faq/capaciteit"
    assert suggestion.examples == ["hoeveel brandweer is er eigenlijk"]
    assert suggestion.reason == "gekozen na verduidelijking"


def test_a_click_on_the_policy_plan_button_suggests_the_typed_question_for_the_policy_plan():
    from datetime import datetime

    turns = [
        turn("wat willen jullie de komende jaren met onderzoek", 1_700_000_000.0, ["action_verduidelijk"]),
        turn("/beleidsplan", 1_700_000_010.0, ["action_beleidsplan"], intent="beleidsplan"),
    ]
    report = build_report(
        turns, datetime.fromtimestamp(1_699_990_000), datetime.fromtimestamp(1_700_100_000), [], 0.5
    )
    [suggestion] = clicked(report, set())
    assert suggestion.intent == "beleidsplan"
    assert suggestion.examples == ["wat willen jullie de komende jaren met onderzoek"]
