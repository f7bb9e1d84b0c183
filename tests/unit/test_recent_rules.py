"""RecentTurnsRulePolicy (vrt/core/policies.py), trained on the project's own rules and
domain, predicts what Rasa's RulePolicy predicts at every step of long conversations, from a
tracker that holds only the last turns."""

import random

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.graph_components.providers.training_tracker_provider import TrainingTrackerProvider
from rasa.shared.core.constants import ACTION_DEFAULT_FALLBACK_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from vrt.core.policies import RecentTurnsRulePolicy, recent_turns
from vrt.paths import ROOT  # noqa: E402

CONTEXT = ExecutionContext(GraphSchema({}), "test")
# What the NLU gives; "noodsignaal" is the emergency net's entity for "112 first, then the answer".
USER_TURNS = [
    ("faq", "faq/capaciteit", []),
    ("faq", "faq/partners", []),
    ("faq", "faq/capaciteit", ["noodsignaal"]),
    ("vertel_meer", None, []),
    ("beleidsplan", None, ["beleidsthema"]),
    ("beleidsplan", None, ["noodsignaal"]),
    ("noodgeval", None, []),
    ("groet", None, []),
    ("bedankt", None, []),
    ("afscheid", None, []),
    ("buiten_bereik", None, []),
    ("nlu_fallback", None, []),
    ("wat_kun_je", None, []),
    ("feedback", None, []),
    ("actuele_melding", None, []),
]


@pytest.fixture(scope="module")
def domain_and_trackers(tmp_path_factory):
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    domain = importer.get_domain()
    storage = LocalModelStorage(tmp_path_factory.mktemp("trackers"))
    provider = TrainingTrackerProvider.create(
        TrainingTrackerProvider.get_default_config(), storage, Resource("trackers"), CONTEXT
    )
    return domain, provider.provide(importer.get_stories(), domain)


def trained(cls, domain_and_trackers, tmp_path, **config):
    domain, trackers = domain_and_trackers
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    policy = cls.create({**cls.get_default_config(), **config}, storage, Resource(cls.__name__), CONTEXT)
    policy.train(trackers, domain)
    return policy


def user_event(intent, response_key, entities):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": intent}
    if response_key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": response_key}}}
    return UserUttered(
        text=intent,
        intent={"name": intent, "confidence": 0.9},
        entities=[{"entity": e, "value": "x", "start": 0, "end": 1} for e in entities],
        parse_data=parse,
    )


def conversation_steps(domain, policy, seed, turns):
    """Plays `turns` user turns, the bot doing what `policy` predicts, and yields the tracker
    before every prediction."""
    rng = random.Random(seed)
    tracker = DialogueStateTracker.from_events("resident", [ActionExecuted(ACTION_LISTEN_NAME)], domain.slots)
    for _ in range(turns):
        tracker.update(user_event(*rng.choice(USER_TURNS)))
        for _step in range(6):
            yield tracker
            prediction = policy.predict_action_probabilities(tracker, domain)
            action = domain.action_names_or_texts[prediction.max_confidence_index]
            tracker.update(ActionExecuted(action))
            if action == ACTION_LISTEN_NAME:
                break
            tracker.update(BotUttered(text=action))
            if action == ACTION_DEFAULT_FALLBACK_NAME:
                tracker.update(UserUtteranceReverted())  # as Rasa's fallback action does


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_predicts_what_rasas_rule_policy_predicts(domain_and_trackers, tmp_path, seed):
    domain, _ = domain_and_trackers
    rasas = trained(RulePolicy, domain_and_trackers, tmp_path / "rasa")
    recent = trained(RecentTurnsRulePolicy, domain_and_trackers, tmp_path / "recent")
    actions = []
    for tracker in conversation_steps(domain, rasas, seed, turns=40):
        expected = rasas.predict_action_probabilities(tracker, domain)
        got = recent.predict_action_probabilities(tracker, domain)
        assert got.probabilities == expected.probabilities, [str(e) for e in list(tracker.events)[-8:]]
        assert got.events == expected.events
        actions.append(domain.action_names_or_texts[expected.max_confidence_index])
    # a real conversation: answers, 112 first, follow-ups and fallbacks, every turn ending in listening
    assert actions.count(ACTION_LISTEN_NAME) >= 40
    expected_actions = {"utter_faq", "utter_noodgeval_eerst", "action_vertel_meer", "utter_default"}
    assert expected_actions <= set(actions), set(actions)
    assert len(recent_turns(tracker, 3).events) < len(tracker.events) / 5


def test_a_long_conversation_is_cut_to_its_last_turns(domain_and_trackers, tmp_path):
    domain, _ = domain_and_trackers
    rasas = trained(RulePolicy, domain_and_trackers, tmp_path)
    tracker = list(conversation_steps(domain, rasas, 7, turns=30))[-1]
    cut = recent_turns(tracker, 3)
    assert sum(isinstance(e, UserUttered) for e in cut.events) == 3
    assert isinstance(cut.events[0], ActionExecuted) and cut.events[0].action_name == ACTION_LISTEN_NAME
    assert list(cut.events) == list(tracker.events)[-len(cut.events) :]
    short = DialogueStateTracker.from_events("r", list(tracker.events)[:5], domain.slots)
    assert recent_turns(short, 3) is short


def test_it_refuses_rules_it_cannot_match(domain_and_trackers, tmp_path):
    with pytest.raises(ValueError, match="restrict_rules"):
        trained(RecentTurnsRulePolicy, domain_and_trackers, tmp_path / "a", restrict_rules=False)
    policy = trained(RecentTurnsRulePolicy, domain_and_trackers, tmp_path / "b")
    policy.lookup["rules"]['[{}, {"prev_action": {"action_name": "action_listen"}}]'] = "utter_groet"
    with pytest.raises(ValueError, match="conversation's start"):
        policy.check_rules()
