"""Answers in the conversation's language, for every channel (REST, socket.io, shell).

Rasa's templated generator, with the slot `taal` filled from the conversation
(vrt/nlu/language.py) at the moment a response is generated: the English text of a response
is its conditional variation on `taal: en` in domain.yml; Dutch is the default variation.
The language is derived from the messages in the tracker, not stored in a slot, so it needs no
action server and follows the resident message by message. Configured as `nlg:` in
endpoints.yml and deploy/endpoints.*.yml.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Pattern, Text, Tuple

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from vrt.nlu.language import LANGUAGE_KEY, conversation_language

SLOT = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


class ResponseLanguages:
    """Text of every response variation -> its language: "en" for `taal: en` variations, "de" for
    `utter_duits`, else "nl". The REST channel uses it to mark each reply with `lang` (widget).
    A text with a slot in it ("Yes, {plaats} is one of ...", action_plaats) is matched as a
    pattern in which the slot stands for any text."""

    def __init__(self, responses: Dict[Text, Any]) -> None:
        self.exact: Dict[Text, Text] = {}
        self.templates: List[Tuple[Pattern, Text]] = []
        for name, variants in responses.items():
            for variant in variants:
                conditions = {c.get("name"): c.get("value") for c in variant.get("condition") or []}
                language = conditions.get(LANGUAGE_KEY) or ("de" if name == "utter_duits" else "nl")
                if not isinstance(variant.get("text"), str):
                    continue
                text = " ".join(variant["text"].split())
                if SLOT.search(text):
                    parts = SLOT.split(text)
                    self.templates.append((re.compile("(?s:.+)".join(map(re.escape, parts))), language))
                else:
                    self.exact[text] = language

    def of(self, text: Text) -> Optional[Text]:
        text = " ".join(str(text).split())
        if text in self.exact:
            return self.exact[text]
        return next((language for pattern, language in self.templates if pattern.fullmatch(text)), None)


def tracker_language(tracker: DialogueStateTracker) -> str:
    return conversation_language(
        event.parse_data for event in reversed(tracker.events) if isinstance(event, UserUttered)
    )


class LanguageNLG(TemplatedNaturalLanguageGenerator):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        # The agent puts the model's responses in place when it loads a model.
        super().__init__(domain.responses if domain else {})

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        slots = {**tracker.current_slot_values(), LANGUAGE_KEY: tracker_language(tracker)}
        return self.generate_from_slots(utter_action, slots, output_channel, **kwargs)
