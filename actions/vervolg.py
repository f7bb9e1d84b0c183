"""Follow-ups: "vertel meer", "en verder?", "wat bedoel je daarmee?" after any answer.

The FAQ answers this conversation has shown are read from the tracker (the
`utter_action` of each bot message; policy-plan answers are FAQ answers too). The bot
gives the first related answer (knowledge/vervolg.yml) that has not been shown yet, most
recent answer first; when there is none it says so and points to www.vrtwente.nl.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import FAQ_RESPONSE_PREFIX, load_follow_ups

# Loaded once at import: a broken file stops the action server at start-up.
FOLLOW_UPS = load_follow_ups()


def shown_topics(tracker: Tracker) -> List[str]:
    """FAQ topics answered in this session, oldest first."""
    topics: List[str] = []
    for event in tracker.events:
        if event.get("event") == "session_started":
            topics = []
        elif event.get("event") == "bot":
            action = (event.get("metadata") or {}).get("utter_action") or ""
            if action.startswith(FAQ_RESPONSE_PREFIX):
                topics.append(action[len(FAQ_RESPONSE_PREFIX) :])
    return topics


def next_topic(shown: List[str], follow_ups: Dict[str, Tuple[str, ...]]) -> Optional[str]:
    for topic in reversed(shown):
        for related in follow_ups.get(topic, ()):
            if related not in shown:
                return related
    return None


class ActionVertelMeer(Action):
    def __init__(self, follow_ups: Dict[str, Tuple[str, ...]] = FOLLOW_UPS) -> None:
        self.follow_ups = follow_ups

    def name(self) -> Text:
        return "action_vertel_meer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        shown = shown_topics(tracker)
        if not shown:
            dispatcher.utter_message(response="utter_vertel_meer_geen_onderwerp")
            return []
        topic = next_topic(shown, self.follow_ups)
        if topic is None:
            dispatcher.utter_message(response="utter_vertel_meer_geen_details")
            return []
        dispatcher.utter_message(response=f"{FAQ_RESPONSE_PREFIX}{topic}")
        return []
