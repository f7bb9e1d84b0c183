"""The clarifying question "Bedoel je ...?" with the candidate answers as buttons.

vrt/nlu/clarify.py sets intent `verduidelijk` and puts the candidate topics
(`verduidelijk_onderwerpen`, e.g. ["faq/capaciteit", "faq/organisatie"]) in the parse data.
This action sends `utter_verduidelijk` with one button per candidate (title from
knowledge/onderwerpen.yml, payload `/faq/<topic>`, answered by FaqPayloadHandler; for the
candidate `beleidsplan`, payload `/beleidsplan`, answered by action_beleidsplan) and
"Iets anders", whose payload gets the honest "I don't know" answer. Rasa keeps buttons given
to utter_message next to a templated response's text, so they end up in the BotUttered data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from vrt.nlu.language import conversation_language
from vrt.paths import ROOT

TOPICS_PATH = ROOT / "knowledge" / "onderwerpen.yml"
CANDIDATES_KEY = "verduidelijk_onderwerpen"
# A candidate that is not an FAQ topic: the policy plan (intent `beleidsplan`).
POLICY_PLAN = "beleidsplan"
LANGUAGES = ("nl", "en")


def load_titles(path: Path = TOPICS_PATH) -> Dict[str, Any]:
    """The topic titles and the "something else" button; a missing language is an error at start-up."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for topic, titles in data["onderwerpen"].items():
        for language in LANGUAGES:
            if not str((titles or {}).get(language) or "").strip():
                raise ValueError(f"{path}: onderwerpen.{topic} has no '{language}' title")
    for button in (POLICY_PLAN, "iets_anders"):
        for language in (*LANGUAGES, "payload"):
            if not str(data[button].get(language) or "").strip():
                raise ValueError(f"{path}: {button} has no '{language}'")
    return data


TITLES = load_titles()


def buttons(candidates: List[str], language: str, titles: Dict[str, Any] = TITLES) -> List[Dict[str, str]]:
    language = language if language in LANGUAGES else "nl"
    chosen = []
    for key in candidates:
        if key == POLICY_PLAN:
            chosen.append({"title": titles[POLICY_PLAN][language], "payload": titles[POLICY_PLAN]["payload"]})
            continue
        topic = key.split("/", 1)[-1]
        title = (titles["onderwerpen"].get(topic) or {}).get(language)
        if title:
            chosen.append({"title": title, "payload": f"/faq/{topic}"})
    other = titles["iets_anders"]
    return [*chosen, {"title": other[language], "payload": other["payload"]}]


class ActionVerduidelijk(Action):
    def name(self) -> Text:
        return "action_verduidelijk"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        candidates = list(tracker.latest_message.get(CANDIDATES_KEY) or [])
        # The language the response's text will have (vrt/core/nlg.py reads the same messages).
        language = conversation_language(
            event.get("parse_data") or {}
            for event in reversed(tracker.events)
            if event.get("event") == "user"
        )
        offered = buttons(candidates, language)
        if len(offered) < 2:  # no known topic to offer: the honest answer instead of a lone button
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(response="utter_verduidelijk", buttons=offered)
        return []
