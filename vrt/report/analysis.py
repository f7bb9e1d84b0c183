"""From resident turns to the figures and lists of the report."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Dict, List, Tuple

from rapidfuzz import fuzz, process

from vrt.nlu.text import normalise
from vrt.report.conversations import EMERGENCY_INTENT, FEEDBACK_INTENT, Turn
from vrt.report.models import ModelInfo

# Two questions with at least this token-sort similarity (0-100) count as one question.
SIMILARITY = 85
# The clarifying question (actions/verduidelijk.py) and a click on one of its answers.
CLARIFY_ACTION = "action_verduidelijk"
# A click on a button of the clarifying question: an FAQ answer or the policy plan.
CLARIFY_CLICK = re.compile(r"^/(?P<answer>faq/\w+|beleidsplan)$")


@dataclass
class DayFigures:
    day: str
    conversations: int = 0
    messages: int = 0  # resident and bot together
    resident_messages: int = 0
    unanswered: int = 0


@dataclass
class QuestionGroup:
    """Near-identical resident questions, shown as one line."""

    text: str  # the most frequent wording
    turns: List[Turn] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.turns)

    @property
    def variants(self) -> List[str]:
        counts = Counter(t.text for t in self.turns)
        return [text for text, _ in counts.most_common() if text != self.text]

    @property
    def last_asked(self) -> str:
        return max(self.turns, key=lambda t: t.timestamp).when

    @property
    def reasons(self) -> str:
        return ", ".join(sorted({t.unanswered or "duim omlaag" for t in self.turns}))


@dataclass
class Report:
    since: datetime
    until: datetime
    days: List[DayFigures]
    topics: List[tuple]  # (topic, count), most asked first
    unanswered: List[QuestionGroup]
    thumbs_down: List[Turn]  # feedback turns; .rated_question / .rated_answer
    thumbs_up: int
    low_confidence: List[Turn]
    low_confidence_threshold: float
    emergencies: int
    models: List[ModelInfo]
    staff_turns: int
    # (typed question, chosen FAQ topic): the bot asked back and the resident clicked an answer.
    clarified: List[Tuple[Turn, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(d.resident_messages for d in self.days)

    @property
    def totals(self) -> DayFigures:
        total = DayFigures(day="totaal")
        for d in self.days:
            total.conversations += d.conversations
            total.messages += d.messages
            total.resident_messages += d.resident_messages
            total.unanswered += d.unanswered
        return total

    @property
    def last_day(self) -> date:
        return (self.until - timedelta(seconds=1)).date()


def group_questions(turns: List[Turn]) -> List[QuestionGroup]:
    """Groups near-identical questions (rapidfuzz token-sort ratio on normalised text)."""
    by_text: Dict[str, List[Turn]] = defaultdict(list)
    for turn in turns:
        by_text[turn.text].append(turn)
    groups: List[QuestionGroup] = []
    keys: List[str] = []  # normalised text of each group's first wording
    # Most frequent wording first, so it names the group.
    for text, same in sorted(by_text.items(), key=lambda item: (-len(item[1]), item[0])):
        key = normalise(text)
        match = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILARITY)
        if match is None:
            groups.append(QuestionGroup(text=text, turns=list(same)))
            keys.append(key)
        else:
            groups[match[2]].turns.extend(same)
    return sorted(groups, key=lambda g: (-g.count, -max(t.timestamp for t in g.turns)))


def build_report(
    turns: List[Turn],
    since: datetime,
    until: datetime,
    models: List[ModelInfo],
    low_confidence: float,
    staff_turns: int = 0,
) -> Report:
    days: Dict[str, DayFigures] = {}
    day = since.date()
    while datetime.combine(day, datetime.min.time()) < until.replace(tzinfo=None):
        days[day.isoformat()] = DayFigures(day=day.isoformat())
        day += timedelta(days=1)

    conversations_seen = set()
    topics: Counter = Counter()
    unanswered: List[Turn] = []
    thumbs_down: List[Turn] = []
    thumbs_up = 0
    low: List[Turn] = []
    emergencies = 0
    clarified: List[Tuple[Turn, str]] = []
    previous: Dict[str, Turn] = {}
    for turn in sorted(turns, key=lambda t: t.timestamp):
        asked = previous.get(turn.conversation)
        previous[turn.conversation] = turn
        click = CLARIFY_CLICK.match(turn.text)
        if click and asked is not None and CLARIFY_ACTION in asked.actions and not asked.is_payload:
            clarified.append((asked, click["answer"]))
        figures = days.setdefault(turn.day, DayFigures(day=turn.day))
        figures.resident_messages += 1
        figures.messages += 1 + len(turn.bot_texts)
        if turn.conversation not in conversations_seen:
            conversations_seen.add(turn.conversation)
            figures.conversations += 1
        if turn.intent == FEEDBACK_INTENT:
            if turn.feedback == "negatief":
                thumbs_down.append(turn)
            elif turn.feedback == "positief":
                thumbs_up += 1
            continue
        topics[turn.topic] += 1
        if turn.intent == EMERGENCY_INTENT:
            emergencies += 1
        elif turn.unanswered:
            figures.unanswered += 1
            if not turn.is_payload:
                unanswered.append(turn)
        elif not turn.is_payload and (turn.answer_confidence or 0.0) < low_confidence:
            low.append(turn)

    return Report(
        since=since,
        until=until,
        days=[days[k] for k in sorted(days)],
        topics=topics.most_common(),
        unanswered=group_questions(unanswered),
        thumbs_down=sorted(thumbs_down, key=lambda t: t.timestamp, reverse=True),
        thumbs_up=thumbs_up,
        low_confidence=sorted(low, key=lambda t: t.answer_confidence or 0.0),
        low_confidence_threshold=low_confidence,
        emergencies=emergencies,
        models=models,
        staff_turns=staff_turns,
        clarified=clarified,
    )
