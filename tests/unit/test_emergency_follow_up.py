"""EmergencyFollowUpPolicy (vrt/core/policies.py) with the project's own domain and rules: the
messages right after an emergency answer that ask what to do, or are short, get the 112 answer
first again; Rasa's ensemble picks it over RecentTurnsRulePolicy's answer."""

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.graph_components.providers.training_tracker_provider import TrainingTrackerProvider
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from vrt.core.policies import EmergencyFollowUpPolicy, RecentTurnsRulePolicy
from vrt.paths import ROOT

CONTEXT = ExecutionContext(GraphSchema({}), "test")
FOLLOW_UPS = [
    ("wat moet ik doen?", "nlu_fallback"),
    ("en nu?", "vertel_meer"),
    ("help", "nlu_fallback"),
    ("hallo??", "groet"),
    ("wat nummer?", "faq"),
    ("moet ik jullie bellen?", "faq"),
    ("what now?", "nlu_fallback"),
    ("what do i do", "nlu_fallback"),
    ("wat mut ik doon", "nlu_fallback"),
    ("ik heb geen beltegoed wat nu", "buiten_bereik"),
    ("we zijn buiten maar wat moeten we nu verder doen met de kinderen", "faq"),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    domain = importer.get_domain()
    storage = LocalModelStorage(tmp_path_factory.mktemp("policies"))
    provider = TrainingTrackerProvider.create(
        TrainingTrackerProvider.get_default_config(), storage, Resource("trackers"), CONTEXT
    )
    trackers = provider.provide(importer.get_stories(), domain)
    rules = RecentTurnsRulePolicy.create(
        RecentTurnsRulePolicy.get_default_config(), storage, Resource("rules"), CONTEXT
    )
    rules.train(trackers, domain)
    follow_up = EmergencyFollowUpPolicy.create(
        EmergencyFollowUpPolicy.get_default_config(), storage, Resource("follow_up"), CONTEXT
    )
    follow_up.train(trackers, domain)
    ensemble = DefaultPolicyPredictionEnsemble.create({}, storage, Resource("ensemble"), CONTEXT)
    return domain, rules, follow_up, ensemble


def user(text, intent, entities=()):
    return UserUttered(
        text=text,
        intent={"name": intent, "confidence": 0.9},
        entities=[{"entity": e, "value": "x", "start": 0, "end": 1} for e in entities],
        parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text},
    )


def play(setup, messages):
    """Plays the messages, the bot doing what the ensemble picks; returns the bot's actions per message."""
    domain, rules, follow_up, ensemble = setup
    tracker = DialogueStateTracker.from_events("resident", [ActionExecuted(ACTION_LISTEN_NAME)], domain.slots)
    answers = []
    for message in messages:
        tracker.update(user(*message))
        actions = []
        for _ in range(5):
            predictions = [p.predict_action_probabilities(tracker, domain) for p in (rules, follow_up)]
            best = ensemble.combine_predictions(predictions, tracker, domain)
            action = domain.action_names_or_texts[best.max_confidence_index]
            tracker.update(ActionExecuted(action, policy=best.policy_name))
            if action == ACTION_LISTEN_NAME:
                break
            actions.append(action)
            tracker.update(BotUttered(text=action))
        answers.append(actions)
    return answers


EMERGENCY = ("er komt rook uit de schuur van de buren!", "noodgeval")


@pytest.mark.parametrize("text,intent", FOLLOW_UPS)
def test_a_follow_up_after_an_emergency_gets_112_first(setup, text, intent):
    assert play(setup, [EMERGENCY, (text, intent)]) == [["utter_noodgeval"], ["utter_noodgeval"]]


@pytest.mark.parametrize("text,intent", FOLLOW_UPS)
def test_without_an_emergency_before_the_rules_answer(setup, text, intent):
    answers = play(setup, [("hallo", "groet"), (text, intent)])
    assert "utter_noodgeval" not in answers[1]


def test_it_lasts_three_user_messages(setup):
    faq = ("hoeveel kazernes zijn er eigenlijk in twente", "faq")
    answers = play(setup, [EMERGENCY, faq, faq, ("en nu?", "vertel_meer")])
    assert answers[1] == answers[2] == ["utter_faq"]  # a longer ordinary question keeps its answer
    assert answers[3] == ["utter_noodgeval"]  # the third message after the emergency
    answers = play(setup, [EMERGENCY, faq, faq, faq, ("en nu?", "vertel_meer")])
    assert "utter_noodgeval" not in answers[4]  # the fourth: over


def test_repeated_follow_ups_keep_getting_112(setup):
    answers = play(setup, [EMERGENCY, *[("wat moet ik doen", "nlu_fallback")] * 5])
    assert all(a == ["utter_noodgeval"] for a in answers)


def test_thanks_and_goodbye_get_their_own_answer(setup):
    answers = play(setup, [EMERGENCY, ("dank je", "bedankt"), ("doei", "afscheid")])
    assert answers[1:] == [["utter_bedankt"], ["utter_afscheid"]]


def test_it_leaves_the_emergency_rules_alone(setup):
    domain, rules, follow_up, _ = setup
    answers = play(setup, [EMERGENCY, ("brand!!", "noodgeval"), ("vraag over brand", "faq", ["noodsignaal"])])
    assert answers[1] == ["utter_noodgeval"]
    assert answers[2] == ["utter_noodgeval_eerst", "utter_faq"]
    tracker = DialogueStateTracker.from_events(
        "r", [ActionExecuted(ACTION_LISTEN_NAME), user("brand!!", "noodgeval")], domain.slots
    )
    assert max(follow_up.predict_action_probabilities(tracker, domain).probabilities) == 0.0
