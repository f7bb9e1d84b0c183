"""Yes or no about a place: "valt Oldenzaal onder jullie?" (vrt/nlu/places.py says which place).

The place comes from the entity `plaats` that vrt.nlu.place_classifier.PlaceQuestionClassifier
sets; without one (the model guessed the intent on its own) the list of 14 municipalities is the
honest answer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from vrt.nlu.places import OTHER_DUTCH, TWENTE, kind_of_place

RESPONSES = {TWENTE: "utter_plaats_ja", OTHER_DUTCH: "utter_plaats_nee"}
UNKNOWN_RESPONSE = "utter_plaats_onbekend"
NO_PLACE_RESPONSE = "utter_faq/gemeenten"


class ActionPlaats(Action):
    def name(self) -> Text:
        return "action_plaats"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        place = next(tracker.get_latest_entity_values("plaats"), None)
        if not place:
            dispatcher.utter_message(response=NO_PLACE_RESPONSE)
            return []
        response = RESPONSES.get(kind_of_place(place), UNKNOWN_RESPONSE)
        dispatcher.utter_message(response=response, plaats=place)
        return []
