"""Place follow-ups in context (issue 26, "Keep the thread" and "Yes/no about places"), through the
newest trained model, the real policies and the real action_plaats (actions/plaats.py).

"en Delden?", "ook Deventer?", "and Gronau?" and "hoort dat ook bij jullie?" right after a place
answer or the list of municipalities get yes, no, or "the 14, and only if it lies in one of
them"; other follow-ups keep their own answer. Each turn goes through the whole bot as the
channel runs it (NLU pipeline, emergency net, policies); action_plaats runs in the test with a
rasa-sdk tracker of the conversation, the other answers are recorded as Rasa records them.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import List

import pytest
import yaml

from actions.plaats import ActionPlaats
from vrt.ops.servers import ROOT, current_model

JA, NEE, ONBEKEND = "utter_plaats_ja", "utter_plaats_nee", "utter_plaats_onbekend"
LIST = "utter_faq/gemeenten"


@pytest.fixture(scope="module")
def bot():
    from rasa.core.agent import Agent

    return Agent.load(str(current_model()))


@pytest.fixture(scope="module")
def domain_dict():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def answers_to(bot, domain_dict, sender: str, text: str) -> List[str]:
    """The responses the bot gives to one message in the conversation `sender`."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.events import ActionExecuted, BotUttered
    from rasa.shared.core.trackers import EventVerbosity
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    processor = bot.processor
    tracker = asyncio.run(
        processor.log_message(UserMessage(text, CollectingOutputChannel(), sender), should_save_tracker=False)
    )
    answers: List[str] = []
    for _ in range(5):
        prediction = processor._predict_next_with_tracker(tracker)
        name = processor.domain.action_names_or_texts[prediction.max_confidence_index]
        tracker.update(ActionExecuted(name, policy=prediction.policy_name))
        if name == "action_listen":
            break
        if name == "action_plaats":
            dispatcher = CollectingDispatcher()
            state = Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))
            ActionPlaats().run(dispatcher, state, domain_dict)
            said = [m["response"] for m in dispatcher.messages]
        elif name == "utter_faq":
            selector = tracker.latest_message.parse_data["response_selector"]["faq"]["response"]
            said = [f"utter_{selector['intent_response_key']}"]
        else:
            said = [name]
        for response in said:
            tracker.update(BotUttered(text=response, metadata={"utter_action": response}))
        answers += said
    asyncio.run(bot.tracker_store.save(tracker))
    return answers


def conversation(bot, domain_dict, *texts: str) -> List[List[str]]:
    sender = f"places-{uuid.uuid4().hex}"
    return [answers_to(bot, domain_dict, sender, text) for text in texts]


IN_CONTEXT = [
    # After a place answer: any place, with typos, lower case, no punctuation, Twents.
    (("valt tubbergen onder jullie", "en ootmarsum?", "en weerselo"), [JA, ONBEKEND, ONBEKEND]),
    (
        ("is oldenzaal ook van jullie", "en delden?", "en goor", "en gronau?"),
        [JA, ONBEKEND, ONBEKEND, ONBEKEND],
    ),
    (("hoort enschede bij jullie", "ook Deventer?", "en Losser dan?"), [JA, NEE, JA]),
    (("valt nijmegn onder jullie", "en hengel", "wat dacht je van oldenzel"), [NEE, JA, JA]),
    (("valt amsterdam onder jullie", "hoort dat ook bij jullie?"), [NEE, NEE]),
    (
        ("valt tubbergen onder jullie", "en delden, valt dat er ook onder?", "en in goor?"),
        [JA, ONBEKEND, ONBEKEND],
    ),
    # After the list of the 14 municipalities.
    (("welke gemeenten horen bij jullie", "en markelo?"), [LIST, ONBEKEND]),
    (("voor welke gemeenten werken jullie", "vasse ook?"), [LIST, ONBEKEND]),
    (("welke gemeenten horen bij jullie", "ook zwolle"), [LIST, NEE]),
    (("welke gemeenten vallen onder vrt", "ik woon in markelo"), [LIST, ONBEKEND]),
    (
        ("ik woon in delden", "welke gemeenten horen bij jullie", "hoort dat ook bij jullie?"),
        [None, LIST, ONBEKEND],
    ),
    # English.
    (("Does Arnhem belong to VRT?", "and Hengelo?", "and Nordhorn?"), [NEE, JA, ONBEKEND]),
    (("which municipalities are part of vrt", "and Goor?", "i live in goor"), [LIST, ONBEKEND, ONBEKEND]),
]


@pytest.mark.parametrize("texts,expected", IN_CONTEXT)
def test_a_place_follow_up_is_answered_in_context(bot, domain_dict, texts, expected):
    answers = conversation(bot, domain_dict, *texts)
    for text, want, got in zip(texts, expected, answers, strict=True):
        if want is not None:
            assert got == [want], (text, got)


THEIR_OWN = [
    # Follow-ups that are no place question keep their own answer after a place answer.
    (("valt hengelo onder jullie", "bedankt"), ["utter_bedankt"]),
    (("valt hengelo onder jullie", "en wat doen jullie?"), ["utter_faq/wat_doet_vrt"]),
    (("welke gemeenten horen bij jullie", "en de brandweer?"), ["utter_faq/organisatie"]),
    (("welke gemeenten horen bij jullie", "hoeveel zijn dat"), [LIST]),
]


@pytest.mark.parametrize("texts,expected", THEIR_OWN)
def test_other_follow_ups_keep_their_answer(bot, domain_dict, texts, expected):
    assert conversation(bot, domain_dict, *texts)[-1] == expected


def test_an_emergency_after_a_place_answer_gets_112(bot, domain_dict):
    assert (
        conversation(bot, domain_dict, "valt hengelo onder jullie", "er is brand")[-1][0] == "utter_noodgeval"
    )


def test_a_village_alone_is_no_place_question_without_context(bot, domain_dict):
    """After the answer about fire stations "en goor?" may ask about a station there: not read
    as a place question (only after a place answer or the municipalities, config.yml)."""
    answers = conversation(bot, domain_dict, "hoeveel kazernes hebben jullie", "en goor?")
    assert answers[0] == ["utter_faq/capaciteit"]
    assert ONBEKEND not in answers[1]
