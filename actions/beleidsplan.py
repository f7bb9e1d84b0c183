"""The policy-plan action: "wat staat er in het beleidsplan over X?"."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import PolicyPlan, Theme, load_policy_plan
from vrt.nlu.language import ENGLISH, conversation_language

# Loaded once at import: a broken file stops the action server at start-up.
POLICY_PLAN = load_policy_plan()

THEME_ENTITY = "beleidsthema"
# The intent of a message the bot asked back on (vrt/nlu/clarify.py).
CLARIFY_INTENT = "verduidelijk"


def tracker_language(tracker: Tracker) -> str:
    """The conversation's language (vrt/nlu/language.py), from the events the action server gets."""
    return conversation_language(
        event.get("parse_data") or {} for event in reversed(tracker.events) if event.get("event") == "user"
    )


def typed_before_click(tracker: Tracker) -> str:
    """The text of the resident's message before the latest one, if the bot asked back on it."""
    users = [event for event in reversed(tracker.events) if event.get("event") == "user"]
    if len(users) < 2:
        return ""
    asked = users[1]
    if ((asked.get("parse_data") or {}).get("intent") or {}).get("name") != CLARIFY_INTENT:
        return ""
    return asked.get("text") or ""


def theme_buttons(
    plan: PolicyPlan, exclude: Optional[str] = None, language: Optional[str] = None
) -> List[Dict[str, str]]:
    return [
        {
            "title": theme.titel_en if language == ENGLISH else theme.titel,
            "payload": f'/beleidsplan{{"{THEME_ENTITY}":"{theme.key}"}}',
        }
        for theme in plan.themes.values()
        if theme.key != exclude
    ]


class ActionBeleidsplan(Action):
    def __init__(self, plan: PolicyPlan = POLICY_PLAN) -> None:
        self.plan = plan

    def name(self) -> Text:
        return "action_beleidsplan"

    def requested_theme(self, tracker: Tracker) -> Optional[Theme]:
        """Theme from this turn's entity (slot), else from the words of the message; for a click
        on the "Bedoel je ...?" button of the policy plan, from the question typed before it."""
        for value in [*tracker.get_latest_entity_values(THEME_ENTITY), tracker.get_slot(THEME_ENTITY)]:
            theme = self.plan.theme_for_value(value)
            if theme:
                return theme
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):
            text = typed_before_click(tracker)
        return self.plan.find_in_text(text)

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        theme = self.requested_theme(tracker)
        if theme is not None:
            # The theme's answer is the FAQ answer with the same facts, and its source.
            dispatcher.utter_message(response=theme.response)
            return [SlotSet(THEME_ENTITY, None)]

        asked_for_something = bool(
            list(tracker.get_latest_entity_values(THEME_ENTITY)) or tracker.get_slot(THEME_ENTITY)
        )
        dispatcher.utter_message(
            response="utter_beleidsplan_onbekend_thema"
            if asked_for_something
            else "utter_beleidsplan_kies_thema",
            buttons=theme_buttons(self.plan, language=tracker_language(tracker)),
        )
        return [SlotSet(THEME_ENTITY, None)]
