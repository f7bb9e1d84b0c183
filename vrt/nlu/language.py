"""The language of a message and of a conversation (Dutch, English; German gets one pointer).

No Rasa imports: the action server uses `conversation_language` too (theme buttons).

- `LanguageDetector` (vrt/nlu/language_detector.py, in the NLU pipeline) writes the language of
  each message into its parse data under `taal`, only when it is sure: an explicit switch
  ("English", "Nederlands"), or lingua's confidence above the threshold in config.yml for a
  message of a few words. Short or mixed messages ("hoi", "ok", "112?") get no `taal`.
- The conversation's language is the `taal` of the most recent message that has one
  (German excluded: it gets the German pointer, the conversation keeps its language);
  Dutch when none has.
- `vrt.core.nlg.LanguageNLG` answers in that language (conditional response variations on
  the slot `taal`), for every channel.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

DUTCH, ENGLISH, GERMAN = "nl", "en", "de"
DEFAULT_LANGUAGE = DUTCH
# Languages a conversation can be answered in; German gets only `utter_duits`.
ANSWER_LANGUAGES = (DUTCH, ENGLISH)
# Parse-data key, entity and slot name.
LANGUAGE_KEY = "taal"
SWITCH_INTENT = "taal_kiezen"
# A loose guess for messages too short for `taal`: the emergency net uses it, and outputs
# `taal_gok: en` for "help!!" or "gas", which a conversation without a language follows.
LANGUAGE_GUESS_KEY = "taal_gok"


def message_language(parse_data: Dict[str, Any]) -> Optional[str]:
    """The language a message states or was detected in, or None when it is unclear."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == SWITCH_INTENT:
        # The widget's switch sends /taal_kiezen{"taal":"en"}: an entity, no NLU run.
        for entity in parse_data.get("entities") or []:
            if entity.get("entity") == LANGUAGE_KEY and entity.get("value") in ANSWER_LANGUAGES:
                return entity["value"]
    language = parse_data.get(LANGUAGE_KEY)
    return language if language in (*ANSWER_LANGUAGES, GERMAN) else None


def conversation_language(parse_data_newest_first: Iterable[Dict[str, Any]]) -> str:
    """The language of the most recent message that has a clear one (German skipped); else the
    newest emergency hint (`taal_gok`, "help!!" as a first message); else Dutch."""
    hint = None
    for parse_data in parse_data_newest_first:
        language = message_language(parse_data)
        if language in ANSWER_LANGUAGES:
            return language
        if hint is None and parse_data.get(LANGUAGE_GUESS_KEY) in ANSWER_LANGUAGES:
            hint = parse_data[LANGUAGE_GUESS_KEY]
    return hint or DEFAULT_LANGUAGE


def every_variation(responses: Dict[str, Any], name: str) -> List[Dict[str, str]]:
    """Every text variation of a response as a reply (Dutch first, then English with its `lang`),
    for answers sent where the resident's language is not known: nginx's own answers
    (vrt/ops/nginx.py) and the rate limit's refusal (vrt/channels/rate_limit.py), which must
    not read the conversation."""
    replies = []
    for variant in responses[name]:
        reply = {"text": " ".join(variant["text"].split())}
        conditions = {c.get("name"): c.get("value") for c in variant.get("condition") or []}
        if conditions.get(LANGUAGE_KEY):
            reply["lang"] = conditions[LANGUAGE_KEY]
        replies.append(reply)
    return replies
