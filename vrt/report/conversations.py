"""Read conversations from the tracker store and turn their events into resident turns.

The store is opened with Rasa's own tracker-store classes from the endpoints file that
`make run` uses (SQLite, PostgreSQL or Redis), so the report sees exactly what the
Rasa server stored.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from tqdm import tqdm

from vrt.knowledge import FAQ_RESPONSE_PREFIX
from vrt.nlu.nlu_trace import retrieval_topic
from vrt.paths import DOMAIN

# What the resident got when the bot did not know the answer.
UNANSWERED_ACTIONS = {
    "utter_default": "niet begrepen",
    "action_default_fallback": "niet begrepen",
    "utter_buiten_bereik": "buiten bereik",
    "utter_beleidsplan_onbekend_thema": "onbekend thema",
}
FALLBACK_INTENT = "nlu_fallback"
FEEDBACK_INTENT = "feedback"
EMERGENCY_INTENT = "noodgeval"
# Staff testing in `rasa shell` (`make shell`) are not residents.
STAFF_CHANNELS = {"cmdline"}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Dutch numbers: 06-12345678, 053 123 45 67, +31 6 1234 5678, 0031...
_PHONE = re.compile(r"(?<![\w+])(\+31|0031|0)[\s.-]?(\(0\)[\s.-]?)?\d(?:[\s.-]?\d){8}(?!\d)")
# A BSN has nine digits (older ones eight), often written in groups.
_BSN = re.compile(r"(?<!\d)\d{4}[\s.]?\d{2}[\s.]?\d{2,3}(?!\d)")


def redact(text: str) -> str:
    """Masks e-mail addresses, phone numbers and BSN-like numbers in a resident's text.

    The privacy work redacts at the input channel; this second net keeps the report safe
    on stores written before that, or without it.
    """
    text = _EMAIL.sub("[e-mail]", text)
    text = _PHONE.sub("[telefoonnummer]", text)
    return _BSN.sub("[nummer]", text)


@dataclass
class Turn:
    """One resident message and what the bot did with it."""

    sender_id: str
    conversation: str  # sender id + session number
    text: str  # redacted
    timestamp: float
    channel: str
    intent: Optional[str]
    confidence: Optional[float]
    faq_topic: Optional[str] = None  # e.g. "faq/capaciteit"
    faq_confidence: Optional[float] = None
    model_id: Optional[str] = None
    actions: List[str] = field(default_factory=list)
    bot_texts: List[str] = field(default_factory=list)
    feedback: Optional[str] = None  # "positief" / "negatief" when this turn is a thumb
    rated_answer: Optional[str] = None  # the answer a thumb is about
    rated_question: Optional["Turn"] = None

    @property
    def day(self) -> str:
        return datetime.fromtimestamp(self.timestamp).strftime("%Y-%m-%d")

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.timestamp).strftime("%Y-%m-%d %H:%M")

    @property
    def is_payload(self) -> bool:
        """A quick-reply button or command (/faq/..., /feedback{...}), not typed text."""
        return self.text.startswith("/")

    @property
    def topic(self) -> str:
        return self.faq_topic or self.intent or "?"

    @property
    def unanswered(self) -> Optional[str]:
        """Why the resident got no answer ("niet begrepen", "buiten bereik", ...), or None."""
        for action in self.actions:
            if action in UNANSWERED_ACTIONS:
                return UNANSWERED_ACTIONS[action]
        # A follow-up the NLU did not understand alone ("waarom?") may still have been answered
        # from the last answer (vrt.core.policies.TopicFollowUpPolicy: the action utter_faq/<topic>).
        answered_in_context = any(a.startswith(FAQ_RESPONSE_PREFIX) for a in self.actions)
        if self.intent == FALLBACK_INTENT and not answered_in_context:
            return UNANSWERED_ACTIONS["utter_default"]
        return None

    @property
    def answer_confidence(self) -> Optional[float]:
        """The weaker of intent and FAQ-topic confidence: how sure the answer was."""
        values = [v for v in (self.confidence, self.faq_confidence) if v is not None]
        return min(values) if values else None


@dataclass
class StoreContents:
    turns: List[Turn]
    staff_turns: int  # messages typed by staff in `make shell`, left out


def open_tracker_store(endpoints: Path):
    """The tracker store configured in an endpoints file (environment variables resolved)."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    domain = Domain.load(str(DOMAIN))
    return TrackerStore.create(config, domain=domain)


async def _sender_ids(store) -> List[str]:
    prefix = getattr(store, "key_prefix", "")  # Redis keys carry "tracker:"
    ids = []
    for key in await store.keys():
        key = key.decode() if isinstance(key, bytes) else str(key)
        ids.append(key[len(prefix) :] if prefix and key.startswith(prefix) else key)
    return sorted(set(ids))


def _feedback_value(parse_data: Dict, metadata: Dict) -> Optional[str]:
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == "feedback":
            return str(entity.get("value"))
    return metadata.get("feedback")


def turns_of(sender_id: str, events) -> Iterator[Turn]:
    """The resident turns of one conversation, in order, with the bot's actions and texts."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

    session = 0
    current: Optional[Turn] = None
    answers: List[tuple] = []  # (bot text, the turn it answered)
    for event in events:
        if isinstance(event, SessionStarted):
            session += 1
        elif isinstance(event, UserUttered):
            if current is not None:
                yield current
            parse = event.parse_data or {}
            intent = parse.get("intent") or {}
            metadata = event.metadata or {}
            topic, topic_confidence = retrieval_topic(parse)
            current = Turn(
                sender_id=sender_id,
                conversation=f"{sender_id}#{session}",
                text=redact((event.text or "").strip()),
                timestamp=event.timestamp,
                channel=event.input_channel or "",
                intent=intent.get("name"),
                confidence=intent.get("confidence"),
                faq_topic=topic if intent.get("name") == "faq" else None,
                faq_confidence=topic_confidence if intent.get("name") == "faq" else None,
                model_id=metadata.get("model_id"),
            )
            if current.intent == FEEDBACK_INTENT:
                current.feedback = _feedback_value(parse, metadata)
                rated = str(metadata.get("antwoord") or "").strip()
                current.rated_answer, current.rated_question = _rated(rated, answers)
        elif isinstance(event, ActionExecuted) and current is not None:
            if event.action_name and event.action_name != "action_listen":
                current.actions.append(event.action_name)
        elif isinstance(event, BotUttered) and current is not None:
            text = (event.text or "").strip()
            current.bot_texts.append(text)
            if current.intent != FEEDBACK_INTENT:
                answers.append((text, current))
    if current is not None:
        yield current


def _rated(rated_text: str, answers: List[tuple]) -> tuple:
    """The bot answer a thumb is about and the question before it.

    The widget sends the first 1000 characters of the rated answer as metadata; without
    it (a typed /feedback), the thumb is about the latest answer.
    """
    if rated_text:
        for text, turn in reversed(answers):
            if " ".join(text.split())[:1000] == " ".join(rated_text.split())[:1000]:
                return text, turn
    if answers:
        return answers[-1]
    return (rated_text or None), None


def read_store(endpoints: Path, since: datetime, until: datetime, progress: bool = True) -> StoreContents:
    """Every resident turn and bot message between `since` and `until` (local time)."""
    return asyncio.run(_read_store(endpoints, since, until, progress))


async def _read_store(endpoints: Path, since: datetime, until: datetime, progress: bool) -> StoreContents:
    start, end = since.timestamp(), until.timestamp()
    store = open_tracker_store(endpoints)
    senders = await _sender_ids(store)
    turns: List[Turn] = []
    staff = 0
    bar = tqdm(
        senders,
        desc="Gesprekken lezen",
        unit="gesprek",
        file=sys.stderr,
        disable=not progress or None,
        leave=False,
    )
    for sender_id in bar:
        tracker = await store.retrieve_full_tracker(sender_id)
        if tracker is None:
            continue
        for turn in turns_of(sender_id, tracker.events):
            if not start <= turn.timestamp < end:
                continue
            if turn.channel in STAFF_CHANNELS:
                staff += 1
            else:
                turns.append(turn)
    return StoreContents(turns=turns, staff_turns=staff)
