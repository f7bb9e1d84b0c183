"""The opening message of a chat widget is a greeting.

Third-party Rasa widgets send an opening payload when a resident opens them:
rasa-webchat sends an empty message unless the site configures one, and its docs
use `/get_started`. Neither is an intent of this bot, so without this component
the resident's first sight of the bot would be the fallback answer. This
component gives both the greeting intent with full confidence; the greeting rule
answers it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.intent import override_intent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OpeningMessageClassifier(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "groet", "payloads": ["/get_started"]}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.intent = config["intent"]
        self.payloads = {payload.strip() for payload in config["payloads"]}

    def is_opening(self, text: Optional[Text]) -> bool:
        """An empty (or blank) message, or one of the configured opening payloads."""
        stripped = (text or "").strip()
        return not stripped or stripped in self.payloads

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not self.is_opening(message.get(TEXT)):
                continue
            override_intent(message, self.intent, certain=True)
        return messages
