"""Quick-reply payloads such as `/faq/capaciteit` select that FAQ answer directly.

Rasa 3.6's RegexMessageHandler only knows base intents, so it leaves `/faq/<topic>`
to the NLU as plain text and the answer would depend on a guess. This component
sets the intent and the FAQ answer (`response_selector` output) itself, for the topics the model
was trained on; unknown topics are left to the normal pipeline.
"""

from __future__ import annotations

import re
from typing import List, Set, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vrt.nlu.base import JsonStateComponent
from vrt.nlu.intent import override_intent

PAYLOAD = re.compile(r"^/(?P<intent>\w+)/(?P<topic>\w+)$")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FaqPayloadHandler(JsonStateComponent):
    STATE_FILE = "faq_topics.json"

    @property
    def known(self) -> Set[Text]:
        return set(self.state or [])

    def train(self, training_data: TrainingData) -> Resource:
        # Response keys look like "utter_faq/capaciteit".
        return self.persist_state(sorted(key.removeprefix("utter_") for key in training_data.responses))

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
            override_intent(message, match["intent"], certain=True)
            select_answer(message, match["intent"], key)
        return messages


def select_answer(message: Message, retrieval_intent: Text, key: Text) -> None:
    """Make `key` ("faq/capaciteit") the retrieval intent's answer, sure and alone, as Rasa's
    ResponseSelector would have put it in the message (also used by vrt/nlu/names.py)."""
    prediction = {
        RESPONSE_SELECTOR_RESPONSES_KEY: None,
        PREDICTED_CONFIDENCE_KEY: 1.0,
        INTENT_RESPONSE_KEY: key,
        RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
    }
    selector = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
    selector[retrieval_intent] = {
        RESPONSE_SELECTOR_PREDICTION_KEY: prediction,
        RESPONSE_SELECTOR_RANKING_KEY: [{**prediction, "id": None}],
    }
    selector.setdefault(RESPONSE_SELECTOR_RETRIEVAL_INTENTS, [retrieval_intent])
    message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
