"""Yes or no about a place: "valt Oldenzaal onder jullie?" (vrt/nlu/places.py says which place).

The place comes from the entity `plaats` that vrt.nlu.place_classifier.PlaceQuestionClassifier
sets, else from the message in context (vrt.core.policies.PlaceFollowUpPolicy predicts this
action for "en Delden?" and "hoort dat ook bij jullie?" after a place answer): the place the
message is, or, when it only refers to one, the place the last `LOOK_BACK` user messages named.
Without any place (the model guessed the intent on its own) the list of 14 municipalities is the
honest answer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from vrt.nlu.places import OTHER_DUTCH, TWENTE, place_questions

RESPONSES = {TWENTE: "utter_plaats_ja", OTHER_DUTCH: "utter_plaats_nee"}
UNKNOWN_RESPONSE = "utter_plaats_onbekend"
NO_PLACE_RESPONSE = "utter_faq/gemeenten"
# The user messages read, the latest included: a place named before the last answer but one
# ("ik woon in Goor" - list - "en Hengelo?" - "hoort dat ook bij jullie?") is another thread.
LOOK_BACK = 3


class ActionPlaats(Action):
    def name(self) -> Text:
        return "action_plaats"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        latest = tracker.latest_message or {}
        earlier = [event for event in tracker.events if event.get("event") == "user"][:-1]
        messages = [(latest.get("text") or "", latest.get("entities") or [])] + [
            (event.get("text") or "", (event.get("parse_data") or {}).get("entities") or [])
            for event in reversed(earlier)
        ][: LOOK_BACK - 1]
        found = place_questions().place_in_conversation(messages)
        if not found:
            dispatcher.utter_message(response=NO_PLACE_RESPONSE)
            return []
        place, kind = found
        dispatcher.utter_message(response=RESPONSES.get(kind, UNKNOWN_RESPONSE), plaats=place)
        return []
