"""Quick-reply payloads such as `/faq/capaciteit` select that FAQ answer directly.

Rasa 3.6's RegexMessageHandler only knows base intents, so it leaves `/faq/<topic>`
to the NLU as plain text and the answer would depend on a guess. This component
sets the intent and the ResponseSelector output itself, for the topics the model
was trained on; unknown topics are left to the normal pipeline.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

TOPICS_FILE = "faq_topics.json"
PAYLOAD = re.compile(r"^/(?P<intent>\w+)/(?P<topic>\w+)$")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class FaqPayloadHandler(GraphComponent):
    def __init__(
        self, model_storage: ModelStorage, resource: Resource, known: Optional[List[Text]] = None
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.known = set(known or [])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqPayloadHandler":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        # Response keys look like "utter_faq/capaciteit".
        self.known = {key.removeprefix("utter_") for key in training_data.responses}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TOPICS_FILE).write_text(json.dumps(sorted(self.known)))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FaqPayloadHandler":
        with model_storage.read_from(resource) as directory:
            known = json.loads((directory / TOPICS_FILE).read_text())
        return cls(model_storage, resource, known)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            match = PAYLOAD.match((message.get(TEXT) or "").strip())
            if not match:
                continue
            key = f"{match['intent']}/{match['topic']}"
            if key not in self.known:
                continue
            intent = {"name": match["intent"], "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            prediction = {
                "responses": None,
                "confidence": 1.0,
                "intent_response_key": key,
                "utter_action": f"utter_{key}",
            }
            selector = dict(message.get("response_selector") or {})
            selector[match["intent"]] = {"response": prediction, "ranking": [{**prediction, "id": None}]}
            selector.setdefault("all_retrieval_intents", [match["intent"]])
            message.set("response_selector", selector, add_to_output=True)
        return messages
