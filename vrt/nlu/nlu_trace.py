"""Shows staff, per message, what the NLU understood: `make shell DEBUG=1`.

Silent unless the environment variable VRT_NLU_TRACE is set (scripts/shell.sh sets it
for DEBUG=1), so `make run` prints nothing. It comes after every other component, so
it shows the final result: after the FAQ gate and the emergency net. One line per
message instead of Rasa's full debug log:

    [NLU] intent faq 0.97 | FAQ-onderwerp capaciteit 0.91
    [NLU] intent nlu_fallback 0.62 | beste gok faq/bestuur 0.38
    [NLU] intent faq 0.97 | FAQ-onderwerp capaciteit 0.91 | vraagdeel: Hoeveel kazernes zijn er?

The last part: a long message whose question part the classifier read with more weight
(vrt/nlu/question_part.py, vrt/nlu/lexical_classifier.py).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent

TRACE_ENV = "VRT_NLU_TRACE"
# The parse-data keys of QuestionPartFinder and LexicalIntentClassifier (kept as strings here:
# this module imports no component).
QUESTION_PART = "question_part"
QUESTION_PART_CHOICE = "question_part_choice"


def retrieval_topic(
    parse: Dict[Text, Any], retrieval_intent: Text = "faq"
) -> Tuple[Optional[Text], Optional[float]]:
    """The best `faq/<topic>` (vrt.nlu.lexical_classifier.LexicalIntentClassifier) and its confidence."""
    selector = (parse.get("response_selector") or {}).get(retrieval_intent) or {}
    best = (selector.get("ranking") or [{}])[0]
    return best.get("intent_response_key"), best.get("confidence")


def most_likely_intent(parse: Dict[Text, Any]) -> Tuple[Text, Optional[float]]:
    """The intent ranked first without the fallback (`faq/<topic>` for FAQ), and its confidence."""
    for ranked in parse.get(INTENT_RANKING_KEY) or [parse.get(INTENT) or {}]:
        name = ranked.get("name")
        if not name or name == DEFAULT_NLU_FALLBACK_INTENT_NAME:
            continue
        if name == "faq":
            topic, confidence = retrieval_topic(parse)
            if topic:
                return topic, confidence
        return name, ranked.get("confidence")
    return DEFAULT_NLU_FALLBACK_INTENT_NAME, None


def describe(parse: Dict[Text, Any]) -> Text:
    intent = parse.get(INTENT) or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    parts = [f"intent {name} {confidence:.2f}"]
    if name == "faq":
        topic, topic_confidence = retrieval_topic(parse)
        parts.append(f"FAQ-onderwerp {(topic or '?').split('/', 1)[-1]} {topic_confidence or 0.0:.2f}")
    elif name == DEFAULT_NLU_FALLBACK_INTENT_NAME:
        guess, guess_confidence = most_likely_intent(parse)
        parts.append(f"beste gok {guess} {guess_confidence or 0.0:.2f}")
    if (parse.get(QUESTION_PART_CHOICE) or {}).get("used"):
        parts.append(f"vraagdeel: {parse.get(QUESTION_PART)}")
    return "[NLU] " + " | ".join(parts)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NluTrace(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def process(self, messages: List[Message]) -> List[Message]:
        if not os.environ.get(TRACE_ENV):
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # buttons and commands skip the NLU
                continue
            keys = (INTENT, INTENT_RANKING_KEY, "response_selector", QUESTION_PART, QUESTION_PART_CHOICE)
            parse = {key: message.get(key) for key in keys}
            print(describe(parse), file=sys.stdout, flush=True)
        return messages
