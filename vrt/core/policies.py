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

from typing import Any, Dict, List, Optional, Text

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
