"""Unanswered and thumbs-down questions as Rasa NLU training data, for staff to sort.

Each question goes under the intent the current model finds most likely (the fallback
left out; for FAQ questions the topic `faq/<topic>`), with the confidence in a comment.
The file is written outside data/, so nothing is trained on before staff moved it.
Every example is a resident's text made safe for the YAML and for Rasa (vrt.report.safe.nlu_example),
so the file stays valid NLU data whatever was typed.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from tqdm import tqdm

from vrt.nlu.nlu_trace import most_likely_intent
from vrt.report.analysis import Report
from vrt.report.render import environment
from vrt.report.safe import nlu_example


@dataclass
class Suggestion:
    intent: str
    confidence: Optional[float]
    examples: List[str]
    reason: (
        str  # why it is here: "niet begrepen", "buiten bereik", "duim omlaag", "gekozen na verduidelijking"
    )
    count: int
    last_asked: str


def suggestions(report: Report, model: Path, progress: bool = True) -> List[Suggestion]:
    questions = []
    seen = set()  # examples already listed: Rasa would warn about the same example twice

    def add(texts: List[str], reason: str, count: int, last_asked: str) -> None:
        examples = []
        for text in texts:
            example = nlu_example(text)
            if example and example not in seen:
                seen.add(example)
                examples.append(example)
        if examples:  # a question of only invisible characters is no training example
            questions.append((examples, reason, count, last_asked))

    for group in report.unanswered:
        add([group.text, *group.variants], group.reasons, group.count, group.last_asked)
    for feedback in report.thumbs_down:
        question = feedback.rated_question
        if question is not None and not question.is_payload:
            add([question.text], "duim omlaag", 1, feedback.when)
    chosen = clicked(report, seen)
    if not questions:
        return chosen
    return sorted(
        asyncio.run(_predict(questions, model, progress)) + chosen, key=lambda s: (s.intent, -s.count)
    )


def clicked(report: Report, seen: set) -> List[Suggestion]:
    """Questions the bot asked back on, under the answer the resident then clicked: the click
    says which answer the typed question wanted, so no model guess is needed."""
    result = []
    for question, topic in report.clarified:
        example = nlu_example(question.text)  # one line, no entity markup (vrt/report/safe.py)
        if not example or example in seen:
            continue
        seen.add(example)
        result.append(
            Suggestion(
                intent=topic,
                confidence=None,
                examples=[example],
                reason="gekozen na verduidelijking",
                count=1,
                last_asked=question.when,
            )
        )
    return result


async def _predict(questions: List[tuple], model: Path, progress: bool) -> List[Suggestion]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no per-message debug lines from Rasa's processor
    agent = Agent.load(str(model))
    result = []
    for examples, reason, count, last in tqdm(
        questions,
        desc="Intenties voorspellen",
        unit="vraag",
        file=sys.stderr,
        disable=not progress or None,
        leave=False,
    ):
        intent, confidence = most_likely_intent(await agent.parse_message(examples[0]))
        result.append(
            Suggestion(
                intent=intent,
                confidence=confidence,
                examples=examples,
                reason=reason,
                count=count,
                last_asked=last,
            )
        )
    return sorted(result, key=lambda s: (s.intent, -s.count))


def write_suggestions(report: Report, items: List[Suggestion], model: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        environment()
        .get_template("nlu-suggestions.yml.j2")
        .render(
            r=report,
            suggestions=items,
            model=model.name,
        )
    )
    path.write_text(text, encoding="utf-8")
    return path
