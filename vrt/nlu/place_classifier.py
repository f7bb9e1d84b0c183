"""The intent `plaats` for a question whether a place belongs to VRT (vrt/nlu/places.py).

Runs before the FallbackClassifier: "valt oldenzaal onder jullie" is a sure place question,
whatever the model thought of it. The emergency net still decides after it.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.intent import override_intent
from vrt.nlu.places import place_questions


def span_of(place: str, text: str) -> Tuple[int, int]:
    """Where the place stands in the resident's text (any case, any separator between its
    words); the whole text when the resident spelled it otherwise."""
    words = re.split(r"[\s-]+", place)
    match = re.search(r"\b" + r"[\s-]+".join(map(re.escape, words)) + r"\b", text, flags=re.I)
    return (match.start(), match.end()) if match else (0, len(text))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PlaceQuestionClassifier(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "plaats", "entity": "plaats"}

    def process(self, messages: List[Message]) -> List[Message]:
        questions = place_questions()
        for message in messages:
            asked = questions.place_asked(message.get(TEXT) or "")
            if asked is None:
                continue
            override_intent(message, self.config["intent"], certain=True)
            start, end = span_of(asked[0], message.get(TEXT) or "")
            entity = {
                "entity": self.config["entity"],
                "value": asked[0],
                "start": start,
                "end": end,
                "extractor": type(self).__name__,
            }
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
