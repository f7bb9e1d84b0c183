"""Rasa's RulePolicy, matching the rules against the last turns of a conversation only.

Rasa's RulePolicy builds the states of the whole session at every prediction (two per
message), replaying every event: 1.2 ms of CPU at turn 2, 11 ms at turn 55 here, the reply
time grows with every turn (docs/bench.md, "training time, model load and the cost of a
message"). A rule cannot look further back than that: with `restrict_rules` (Rasa's default)
a rule holds at most one user message, so it spans the actions before that message, the
message and the actions after it. This policy gives RulePolicy a tracker with the last
`turns` user turns (from the `action_listen` before the first of them), which has the same
last states. It refuses to load rules that need more: a rule from the conversation's start
(`conversation_start: true`) or with more than one user message. Training is RulePolicy's.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from vrt.nlu import lexicon
from vrt.nlu.text import normalise


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class RecentTurnsRulePolicy(RulePolicy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Two turns hold every rule of at most one user message; one more to be safe.
        return {**RulePolicy.get_default_config(), "turns": 3}

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        return super()._prediction_states(
            recent_turns(tracker, int(self.config["turns"])),
            domain,
            use_text_for_last_user_input=use_text_for_last_user_input,
            rule_only_data=rule_only_data,
        )

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        resource = super().train(training_trackers, domain, **kwargs)
        self.check_rules()
        return resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RecentTurnsRulePolicy:
        policy = super().load(config, model_storage, resource, execution_context, **kwargs)
        policy.check_rules()
        return policy

    def check_rules(self) -> None:
        """Raises when a rule may need more of the conversation than the last `turns` turns."""
        if not self.config["restrict_rules"]:
            raise ValueError("RecentTurnsRulePolicy needs restrict_rules: true (one user message a rule)")
        for key in self.lookup.get(RULES, {}):
            states = self._rule_key_to_state(key)
            if states and not states[0]:
                raise ValueError(
                    f"RecentTurnsRulePolicy cannot match a rule from the conversation's start: {key}"
                )


def recent_turns(tracker: DialogueStateTracker, turns: int) -> DialogueStateTracker:
    """The tracker from the `action_listen` before its `turns`-th last user message; the tracker
    itself when it is not longer than that."""
    events = tracker.events
    users = 0
    start = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered):
            users += 1
        elif users >= turns and isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME:
            start = index
            break
    if start is None:
        return tracker
    recent = tracker.init_copy()
    for index in range(start, len(events)):
        recent.update(events[index])
    return recent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class EmergencyFollowUpPolicy(Policy):
    """The 112 answer again, first, for what a resident asks right after an emergency answer.

    Why: the rules hold one user message, so the emergency was forgotten one message later.
    After "er komt rook uit de schuur van de buren!" (112 first), "wat moet ik doen" got "Daar
    weet ik helaas geen antwoord op", and "en nu?" after "mijn opa is net flauwgevallen" got
    "Waarover wil je meer weten?": 2 of 6 such follow-ups got 112 first (measured from outside).
    A resident who asks what to do in an emergency needs 112 again, not a fallback.

    Predicts `action` (utter_noodgeval) with confidence 1.0 when the bot is listening, it said
    `action` within the last `turns` user messages (this one included), and the new message
    matches a `what_now` pattern (lexicon/regex/na_noodgeval.yml, Dutch and English) or has at
    most `short_words` words and is not one of `except_intents` ("bedankt", "doei", "tell me
    more": a story of tests/stories/ wants the details there; and a question the NLU understood,
    "wat doet vrt?" right after "er is brand!": tests/e2e/test_notice.py wants its answer and the
    notice pointer, and a resident asking it has moved on). Then
    action_listen after its own `action`. Abstains (all zeros) otherwise, also when the NLU
    itself found an emergency or the `noodsignaal` entity: the rules answer 112 first there.
    Its priority is above RulePolicy's (6), so it wins the tie at confidence 1.0. Nothing to
    train: the patterns are read when the model is loaded, like the emergency net's.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            "action": "utter_noodgeval",
            "turns": 3,
            "short_words": 4,
            "emergency_intent": "noodgeval",
            "emergency_entity": "noodsignaal",
            "except_intents": [
                "bedankt",
                "afscheid",
                "feedback",
                "vertel_meer",
                "faq",
                "beleidsplan",
                "actuele_melding",
                "plaats",
            ],
        }

    def __init__(self, config: Dict[Text, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__({**self.get_default_config(), **config}, *args, **kwargs)
        self.what_now = [re.compile(p) for p in lexicon.emergency_follow_ups()]

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def is_follow_up(self, text: Optional[Text], intent: Optional[Text]) -> bool:
        """A "what now" message, or a short one that is not thanks or goodbye."""
        folded = normalise(text or "")
        if any(p.search(folded) for p in self.what_now):
            return True
        return 0 < len(folded.split()) <= int(self.config["short_words"]) and intent not in set(
            self.config["except_intents"]
        )

    def emergency_recently(self, tracker: DialogueStateTracker) -> bool:
        """`action` happened before one of the last `turns` user messages."""
        users = 0
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                users += 1
                if users > int(self.config["turns"]):
                    return False
            elif isinstance(event, ActionExecuted) and event.action_name == self.config["action"]:
                return users > 0
        return False

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.config["action"]
        last = tracker.latest_action_name
        message = tracker.latest_message
        intent = (message.intent or {}).get("name") if message else None
        entities = {e.get("entity") for e in (message.entities if message else [])}
        if last == action and self._said_after_message(tracker):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif (
            last == ACTION_LISTEN_NAME
            and message is not None
            and intent != self.config["emergency_intent"]
            and self.config["emergency_entity"] not in entities
            and self.emergency_recently(tracker)
            and self.is_follow_up(message.text, intent)
        ):
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def _said_after_message(self, tracker: DialogueStateTracker) -> bool:
        """Whether `action` was this policy's: said in answer to a follow-up, not to an emergency
        (then RulePolicy's rule goes on, which predicts action_listen too)."""
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                intent = (event.intent or {}).get("name")
                entities = {e.get("entity") for e in event.entities}
                return (
                    intent != self.config["emergency_intent"]
                    and self.config["emergency_entity"] not in entities
                )
        return False
