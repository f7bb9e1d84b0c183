"""The one way a component overrides the intent that the classifier chose.

Eight components decide the intent after the classifier (a button payload, the opening message,
a place question, the FAQ gate, the out-of-scope veto, asking back, the language, the emergency
net). Each sets `intent` and `intent_ranking` through `override_intent`, so the ranking always
starts with the intent that was set and names it once:

- `certain=False` (the default): a decision over the classifier's guess; the rest of its ranking
  follows, so the trace and `make report` still show what the classifier thought.
- `certain=True`: the message is not free text (a button payload, the opening, a place
  question); the classifier's ranking means nothing there and is dropped.
"""

from __future__ import annotations

from typing import Text

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: Text, confidence: float = 1.0, *, certain: bool = False) -> None:
    """Make `name` the message's intent, on top of its ranking and only there."""
    top = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: float(confidence)}
    rest = (
        []
        if certain
        else [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    )
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *rest], add_to_output=True)
