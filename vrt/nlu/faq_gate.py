"""Send unsure FAQ answers to the fallback (works around RasaHQ/rasa#9723).

FallbackClassifier only looks at intent confidence. An off-topic question that the intent
classifier files under `faq` with high confidence would then get whatever FAQ answer is
ranked first (vrt/nlu/lexical_classifier.py; with Rasa's ResponseSelector the same). This
component, placed after FallbackClassifier, turns such a message into `nlu_fallback` when the
FAQ answer itself is unsure.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
)
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.intent import override_intent

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FaqConfidenceGate(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intents": ["faq"], "threshold": 0.5}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.retrieval_intents = set(config["retrieval_intents"])
        self.threshold = float(config["threshold"])

    @staticmethod
    def selector_confidence(message: Message, retrieval_intent: Text) -> Optional[float]:
        selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        prediction = selector.get(retrieval_intent) or selector.get(RESPONSE_SELECTOR_DEFAULT_INTENT) or {}
        response = prediction.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}
        return response.get(PREDICTED_CONFIDENCE_KEY)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get("name")
            if name not in self.retrieval_intents:
                continue
            confidence = self.selector_confidence(message, name)
            if confidence is None or confidence >= self.threshold:
                continue
            logger.debug("FAQ answer confidence %.2f for %s: fallback", confidence, name)
            override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, 1.0 - confidence)
        return messages
