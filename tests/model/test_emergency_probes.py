"""Our own emergency probes (tests/model/emergency_probes.yml) through the newest trained model.

Issue 26: in an emergency the bot's first words point to 112, whatever the message looks like;
an ordinary question that merely contains an alarm word (a past fire, a drill, a smoke detector,
a weather warning) gets its answer, with the short 112 line first only where the net is unsure,
and never only "Bel nu 112". The probes go through the whole bot as the channel runs it (NLU
pipeline, emergency net, policies); actions are predicted, not run.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import List

import pytest
import yaml

from vrt.ops.servers import ROOT, current_model

PROBES = yaml.safe_load((ROOT / "tests" / "model" / "emergency_probes.yml").read_text(encoding="utf-8"))
EMERGENCY_ANSWER = "utter_noodgeval"
FIRST_LINE = "utter_noodgeval_eerst"


@pytest.fixture(scope="module")
def bot():
    from rasa.core.agent import Agent

    return Agent.load(str(current_model()))


def actions_after(bot, text: str) -> List[str]:
    """The actions the bot predicts after one message in a new conversation, up to action_listen.

    Predicted as the processor does, each added to the tracker without running it: custom actions
    need the action server, which unit tests do not start."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.events import ActionExecuted

    processor = bot.processor
    tracker = asyncio.run(
        processor.log_message(
            UserMessage(text, CollectingOutputChannel(), f"probe-{uuid.uuid4().hex}"),
            should_save_tracker=False,
        )
    )
    actions: List[str] = []
    for _ in range(5):
        prediction = processor._predict_next_with_tracker(tracker)
        name = processor.domain.action_names_or_texts[prediction.max_confidence_index]
        if name == "action_listen":
            break
        actions.append(name)
        tracker.update(ActionExecuted(name))
    return actions


def test_the_probe_sets_are_large_enough():
    assert len(PROBES["noodgevallen"]) >= 100
    assert len(PROBES["gewone_vragen"]) >= 100


def test_every_emergency_gets_the_112_answer_first(bot):
    missed = [
        (text, got)
        for text in PROBES["noodgevallen"]
        if (got := actions_after(bot, text))[:1] != [EMERGENCY_ANSWER]
    ]
    assert not missed, missed


def test_no_ordinary_question_gets_only_112(bot):
    answered = [(text, actions_after(bot, text)) for text in PROBES["gewone_vragen"]]
    only_112 = [(text, got) for text, got in answered if not set(got) - {EMERGENCY_ANSWER, FIRST_LINE}]
    assert not only_112, only_112


def test_an_ordinary_question_gets_112_before_its_answer_never_after(bot):
    """Where the net is unsure, the 112 line (or, when the model heard an emergency, the whole 112
    answer) comes first and the answer follows."""
    late = []
    for text in PROBES["gewone_vragen"]:
        got = actions_after(bot, text)
        first_answer = next(i for i, a in enumerate(got) if a not in (EMERGENCY_ANSWER, FIRST_LINE))
        if {EMERGENCY_ANSWER, FIRST_LINE} & set(got[first_answer:]):
            late.append((text, got))
    assert not late, late
