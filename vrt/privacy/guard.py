"""What a resident's message may be before Rasa sees it.

- Control and invisible characters are removed, whitespace is collapsed.
- Personal data is redacted (vrt.privacy.redact), so NLU, the tracker store and the logs
  only ever see "[telefoonnummer]", "[naam]", ...
- A message longer than the cap is not processed; residents get a short Dutch note. The
  emergency keyword net (vrt.nlu.emergency.EmergencyKeywordClassifier, lexicon/regex/noodgeval.yml)
  first runs on the whole text, so an emergency in a long message still gets 112 first.
- "/intent{...}" payloads are only accepted when the bot itself offers them (buttons in the
  domain, FAQ topics, policy-plan themes, the widget's welcome and feedback payloads).
  Anything else typed with a leading "/" is read as plain text, so residents cannot
  trigger internal intents (/session_start, /restart) or set slots.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional

from vrt.privacy.redact import ROOT, Redactor

# Replies of the channel itself (B1 Dutch, "je").
TOO_LONG = (
    "Je bericht is te lang. Stel je vraag in maximaal {max} tekens. "
    "Deel geen persoonlijke gegevens. Bij nood: bel 112."
)
UNREADABLE = "Ik kan je bericht niet lezen. Typ je vraag opnieuw. Bij nood: bel 112."
SORRY = "Sorry, er ging iets mis. Probeer het nog een keer, of kijk op www.vrtwente.nl. Bij nood: bel 112."

DEFAULT_MAX_MESSAGE_CHARS = 1000
# The website widget (web/vrt-chat.js) sends these itself: the welcome payload
# (welcomePayload) and the thumbs up/down (sendFeedback).
# rasa-webchat's documented opening payload (initPayload) is accepted as well, so that
# vrt.nlu.opening.OpeningMessageClassifier greets it.
WIDGET_PAYLOADS = (
    "/groet",
    '/feedback{"feedback":"positief"}',
    '/feedback{"feedback":"negatief"}',
    "/get_started",
    # The widget's language switch (README, "English").
    '/taal_kiezen{"taal":"en"}',
    '/taal_kiezen{"taal":"nl"}',
    # "Iets anders" under a clarifying question (action_verduidelijk, README "Asking back").
    "/buiten_bereik",
)
# Metadata kept from a client, with the longest value kept: the widget's feedback.
METADATA_KEYS = {"feedback": 20, "antwoord": 1000, "antwoord_id": 64}
# Unicode categories removed from messages: control, format (zero-width, bidi),
# surrogate, private-use and unassigned characters.
REMOVED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
PAYLOAD = re.compile(r"^/(?P<intent>[\w/-]+)(?P<entities>\{.*\})?$", re.S)


def clean(text: str) -> str:
    """NFKC, without control and invisible characters, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in REMOVED_CATEGORIES
    )
    return " ".join(text.split())


def excerpt(text: str, size: int = 40) -> str:
    """At most `size` characters of an (already redacted) message, for logs."""
    return text if len(text) <= size else text[:size] + f"… ({len(text)} chars)"


def canonical_payload(text: str) -> Optional[str]:
    """'/intent{"a": "b"}' -> '/intent{"a":"b"}'; None when it is no well-formed payload."""
    match = PAYLOAD.match(text.strip())
    if not match:
        return None
    if not match["entities"]:
        return f"/{match['intent']}"
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return None
    if not isinstance(entities, dict):
        return None
    return (
        f"/{match['intent']}{json.dumps(entities, sort_keys=True, separators=(',', ':'), ensure_ascii=False)}"
    )


def offered_payloads(responses: Dict[str, List[Dict[str, Any]]], extra: Iterable[str] = ()) -> FrozenSet[str]:
    """Payloads the bot offers: every button in the responses, every retrieval answer
    ("utter_faq/capaciteit" -> "/faq/capaciteit") and `extra`."""
    payloads = set(extra)
    for name, variants in responses.items():
        if "/" in name:
            payloads.add("/" + name.removeprefix("utter_"))
        for variant in variants:
            for button in [*(variant.get("buttons") or []), *(variant.get("quick_replies") or [])]:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    payloads.add(button["payload"])
    return frozenset(p for p in map(canonical_payload, payloads) if p)


def knowledge_payloads() -> List[str]:
    """The policy-plan theme buttons action_beleidsplan offers."""
    from actions.beleidsplan import POLICY_PLAN, theme_buttons

    return [button["payload"] for button in theme_buttons(POLICY_PLAN)]


def emergency_classifier(config: Path = ROOT / "config.yml"):
    """vrt.nlu's EmergencyKeywordClassifier as the model builds it: config.yml's settings and the
    nets of lexicon/regex/noodgeval.yml."""
    from vrt.nlu.emergency import EmergencyKeywordClassifier

    return EmergencyKeywordClassifier.from_config_file(config)


def clean_metadata(metadata: Any, redactor: Redactor) -> Dict[str, str]:
    """Only the widget's feedback keys, as short redacted strings; everything else is dropped."""
    if not isinstance(metadata, dict):
        return {}
    kept = {}
    for key, limit in METADATA_KEYS.items():
        value = metadata.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            kept[key] = redactor.redact(clean(str(value))[:limit])
    return kept


@dataclass
class Turn:
    """What Rasa gets (None: Rasa is not asked) and the channel's own notes after it."""

    text: Optional[str]
    notes: List[str] = field(default_factory=list)


class MessageGuard:
    def __init__(self, redactor: Redactor, emergency, max_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.redactor = redactor
        self.emergency = emergency
        self.max_chars = max_chars

    @property
    def emergency_payload(self) -> str:
        return f"/{self.emergency.intent}"

    def emergency_anywhere(self, text: str, window: int = 400) -> bool:
        """The emergency patterns on overlapping windows of a long text.

        One pass over 16 KB of "water in water in ..." takes seconds (a pattern with .*
        backtracks); windows keep it linear, and an emergency is said in a few words.
        """
        step = window // 2
        return any(
            self.emergency.match(text[start : start + window])
            for start in range(0, max(len(text) - step, 1), step)
        )

    def check(self, raw: str, payloads: FrozenSet[str]) -> Turn:
        text = clean(raw)
        if len(text) > self.max_chars:
            note = TOO_LONG.format(max=self.max_chars)
            # The whole text, before anything is cut: an emergency always gets 112 first.
            return Turn(self.emergency_payload if self.emergency_anywhere(text) else None, [note])
        if text.startswith("/"):
            if canonical_payload(text) in payloads:
                return Turn(text)
            text = text.lstrip("/ ")  # read as words, never as an intent
        if not text:
            return Turn("")  # a widget's opening message: vrt.nlu.opening.OpeningMessageClassifier greets
        redacted = self.redactor.redact(text)
        if self.emergency.match(text) and not self.emergency.match(redacted):
            return Turn(self.emergency_payload)  # redaction must never hide an emergency
        return Turn(redacted)
