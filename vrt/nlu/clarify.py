"""Ask back ("Bedoel je ...?") when the FAQ answer is unsure but not hopeless.

After FaqConfidenceGate (weak guesses, top topic below its threshold, go to the fallback) and
the out-of-scope veto, a message still filed under `faq` becomes intent `verduidelijk` when its
best topic is only middling (below `band`) or the best two are close (within `margin`). The
candidates (the best topics, at most `max_buttons`, each at least `ratio` times the best one's
confidence) go into the parse data as `verduidelijk_onderwerpen`; action_verduidelijk
(actions/verduidelijk.py) offers them as buttons. The thresholds come from 5-fold CV of the
lexical classifier on the training data (`python -m bench.clarify_cv`, figures in config.yml).

A message the gate sent to the fallback although the classifier was sure it is a FAQ question
(`faq` at least `sure_faq` in its ranking; FallbackClassifier's own fallback never is, its top
intent is below 0.35) is asked back too, instead of "say it differently": the resident asked
about VRT, only not which answer. In 5-fold CV of the intent and topic models together,
44 of 3758 FAQ examples fell there with faq >= 0.9 and the right answer was among the buttons
for 36; 7 of the 2302 other examples (6 out of scope) would have been asked back instead of
getting the fallback. At 0.8: 7 more by a click for 14 more asked back.

Before the emergency net, which keeps the last word.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
)
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.intent import override_intent

CANDIDATES_KEY = "verduidelijk_onderwerpen"


def should_clarify(confidences: Sequence[float], floor: float, band: float, margin: float) -> bool:
    """Top confidence at or above the gate's floor and either below `band` or within `margin` of the second."""
    if not confidences or confidences[0] < floor:
        return False
    second = confidences[1] if len(confidences) > 1 else 0.0
    return confidences[0] < band or confidences[0] - second < margin


def candidates(ranking: Sequence[Tuple[Text, float]], max_buttons: int, ratio: float) -> List[Text]:
    """The best topics worth a button: at least two, the rest only if close to the best."""
    if not ranking:
        return []
    best = ranking[0][1]
    chosen = [
        key
        for i, (key, confidence) in enumerate(ranking[:max_buttons])
        if i < 2 or confidence >= ratio * best
    ]
    return chosen


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ClarifyingQuestion(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            "intent": "verduidelijk",
            "floor": 0.25,
            "band": 0.4,
            "margin": 0.1,
            "max_buttons": 3,
            "ratio": 0.5,
            "sure_faq": 0.9,
            "policy_plan_intent": "beleidsplan",
            "policy_plan_second": 0.2,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.retrieval_intent = config["retrieval_intent"]
        self.intent = config["intent"]
        self.floor = float(config["floor"])
        self.band = float(config["band"])
        self.margin = float(config["margin"])
        self.max_buttons = int(config["max_buttons"])
        self.ratio = float(config["ratio"])
        self.sure_faq = float(config["sure_faq"])
        self.policy_plan_intent = config["policy_plan_intent"]
        self.policy_plan_second = float(config["policy_plan_second"])

    def ranking(self, message: Message) -> List[Tuple[Text, float]]:
        selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        entries = (selector.get(self.retrieval_intent) or {}).get(RESPONSE_SELECTOR_RANKING_KEY) or []
        return [
            (entry[INTENT_RESPONSE_KEY], float(entry[PREDICTED_CONFIDENCE_KEY]))
            for entry in entries
            if entry.get(INTENT_RESPONSE_KEY)
        ]

    def sure_faq_sent_to_fallback(self, message: Message) -> bool:
        """The FAQ gate's fallback of a message the classifier surely filed under the FAQ."""
        if (message.get(INTENT) or {}).get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
            return False
        return any(
            entry.get(INTENT_NAME_KEY) == self.retrieval_intent
            and entry.get(PREDICTED_CONFIDENCE_KEY, 0.0) >= self.sure_faq
            for entry in message.get(INTENT_RANKING_KEY) or []
        )

    def policy_plan_close_second(self, message: Message) -> bool:
        """The policy plan is the classifier's second intent, at least `policy_plan_second`."""
        ranking = message.get(INTENT_RANKING_KEY) or []
        return (
            len(ranking) > 1
            and ranking[1].get(INTENT_NAME_KEY) == self.policy_plan_intent
            and ranking[1].get(PREDICTED_CONFIDENCE_KEY, 0.0) >= self.policy_plan_second
        )

    def choices(self, message: Message, ranking: List[Tuple[Text, float]]) -> List[Text]:
        """The buttons to ask back with, or [] to leave the message as it is."""
        if (message.get(INTENT) or {}).get("name") == self.retrieval_intent and ranking:
            plan = [self.policy_plan_intent] if self.policy_plan_close_second(message) else []
            if should_clarify([c for _, c in ranking], self.floor, self.band, self.margin):
                return candidates(ranking, self.max_buttons, self.ratio) + plan
            return [ranking[0][0], *plan] if plan else []
        if len(ranking) >= 2 and self.sure_faq_sent_to_fallback(message):
            return candidates(ranking, self.max_buttons, self.ratio)
        return []

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = self.ranking(message)
            choices = self.choices(message, ranking)
            if not choices:
                continue
            override_intent(message, self.intent, 1.0 - ranking[0][1])
            message.set(CANDIDATES_KEY, choices, add_to_output=True)
        return messages
