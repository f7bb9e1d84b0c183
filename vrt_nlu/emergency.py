"""Keyword safety net for emergencies.

Runs last in the NLU pipeline. When a message matches an emergency pattern the
intent becomes `noodgeval` with confidence 1.0, whatever DIET or the fallback
classifier said, so the rule answers "bel 112" first even at low NLU confidence.
The patterns live in config.yml, so they are part of the model's fingerprint.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt_nlu.base import ConfiguredComponent
from vrt_nlu.text import normalise

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class EmergencyKeywordClassifier(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "noodgeval", "patterns": []}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.intent = config["intent"]
        if not config["patterns"]:
            raise ValueError("EmergencyKeywordClassifier needs at least one pattern.")
        self.patterns = [re.compile(p) for p in config["patterns"]]


    def match(self, text: Optional[Text]) -> Optional[Text]:
        """The first pattern that matches the normalised text, or None."""
        if not text:
            return None
        normalised = normalise(text)
        for pattern in self.patterns:
            if pattern.search(normalised):
                return pattern.pattern
        return None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            matched = self.match(message.get(TEXT))
            if matched is None:
                continue
            previous = (message.get(INTENT) or {}).get("name")
            if previous != self.intent:
                logger.info("Emergency pattern %r overrides intent %r", matched, previous)
            top = {"name": self.intent, "confidence": 1.0}
            ranking = [
                r
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get("name") != self.intent
            ]
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
        return messages
