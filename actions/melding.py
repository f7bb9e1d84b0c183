"""The crisis notice as the answer to "wat is er aan de hand (in Hengelo)?", smoke, windows, water.

The notices are read from the tracker store's database of the endpoints file (VRT_ENDPOINTS,
default endpoints.yml; vrt.notices.store) at most every few seconds, so a notice published with
`make notice` is the answer within seconds, and it is gone at its end time, without a restart.
The text is the staff's own, filled into the `utter_melding...` responses of domain.yml.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from vrt.notices import notices as n
from vrt.notices.store import ActiveNotices, NoticeStoreError, open_store

MUNICIPALITIES = n.load_municipalities()
ACTIVE_NOTICES = ActiveNotices(open_store)


class ActionActueleMelding(Action):
    def __init__(
        self, active: ActiveNotices = ACTIVE_NOTICES, municipalities: n.Municipalities = MUNICIPALITIES
    ) -> None:
        self.active = active
        self.municipalities = municipalities

    def name(self) -> Text:
        return "action_actuele_melding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        try:
            notices = await asyncio.to_thread(self.active)
        except NoticeStoreError:
            dispatcher.utter_message(response=n.UNAVAILABLE_RESPONSE)
            return []
        municipality = self.municipalities.find_in_text(tracker.latest_message.get("text"))
        relevant = [
            x for x in notices if municipality is None or x.concerns(municipality, self.municipalities.region)
        ]
        for notice in relevant:
            dispatcher.utter_message(response=notice.response, **notice.template_values())
        if relevant:
            return []
        if municipality is None:
            dispatcher.utter_message(response=n.NONE_RESPONSE)
            return []
        dispatcher.utter_message(response=n.NONE_FOR_MUNICIPALITY_RESPONSE, gemeente=municipality)
        if notices:  # notices for other municipalities
            dispatcher.utter_message(response=n.POINTER_RESPONSE, titels="; ".join(x.title for x in notices))
        return []
