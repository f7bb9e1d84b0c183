"""The turn pipeline of the channels (vrt/channels/turn.py): the order of its steps, and the
one output of a turn that every step reads.

The pipeline runs with its real steps, the project's domain and NLG, and a real SQLite tracker
store with an active crisis notice in it. Rasa's own part (agent.handle_message, which needs a
trained model) is played by `rasa`: it records what it got and sends nothing, or fails as
Rasa fails when a store is down. Against the real servers: tests/e2e/test_faults.py,
test_notice.py, test_privacy.py.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from types import SimpleNamespace

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from vrt.channels.gate import PrivacyGate
from vrt.channels.never_silent import NeverSilent
from vrt.channels.notices import Notices
from vrt.channels.rate_limit import RateLimit
from vrt.channels.turn import STEPS, CountingOutputChannel, Pipeline
from vrt.core.tracker_store import StrictSQLTrackerStore, TrackerStoreUnavailable
from vrt.notices.notices import LOCAL_TIME, parse_notice
from vrt.notices.store import for_tracker_store
from vrt.ops.servers import ROOT
from vrt.privacy import guard

RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
ACTION_SERVER_DOWN = " ".join(RESPONSES["utter_storing_actieserver"][0]["text"].split())
STORE_UNAVAILABLE = " ".join(RESPONSES["utter_storing_opslag"][0]["text"].split())
TITLE = "Grote brand in Hengelo"
LONG_EMERGENCY = "ik heb een vraag " * 100 + "en er is brand in de keuken"


@pytest.fixture
def app(tmp_path):
    """What the steps use of the Sanic app: the agent, with the real domain, NLG and store."""
    agent = Agent(
        domain=Domain.load(str(ROOT / "domain.yml")),
        generator=EndpointConfig(type="vrt.core.nlg.LanguageNLG"),
        tracker_store=StrictSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db")),
    )
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


@pytest.fixture
def notice(app):
    """An active crisis notice in the tracker store's database, as `make notice` publishes it."""
    now = time.time()
    ends = datetime.fromtimestamp(now + 3600, LOCAL_TIME).isoformat()
    fields = {"titel": TITLE, "tekst": "Houd ramen en deuren dicht.", "gemeenten": ["Hengelo"], "einde": ends}
    for_tracker_store(app.ctx.agent.tracker_store).publish(parse_notice(fields, now, published_by="test"))


class Rasa:
    """Plays agent.handle_message: keeps each message; sends `replies` (bot messages as Rasa
    sends them, with the response name in `utter_action`) or nothing, or raises `failure`."""

    def __init__(self, failure: Exception | None = None, replies: tuple = ()) -> None:
        self.failure = failure
        self.replies = replies
        self.messages = []

    async def __call__(self, message) -> None:
        self.messages.append(message)
        if self.failure:
            raise self.failure
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))


class Seen:
    """A step that notes the output it was given; put around and between the real steps."""

    outputs: list = []

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def __call__(self, turn, rest) -> None:
        Seen.outputs.append(turn.output)
        await rest(turn)


def run(pipeline: Pipeline, rasa: Rasa, text: str, metadata=None):
    collector = CollectingOutputChannel()
    turn = asyncio.run(pipeline.run(rasa, collector, "resident-1", "rest", text, metadata))
    return turn, [" ".join(m["text"].split()) for m in collector.messages if "text" in m]


def test_the_steps_are_rate_limit_gate_notices_never_silent():
    assert STEPS == (RateLimit, PrivacyGate, Notices, NeverSilent)


def test_each_step_sees_the_replies_of_the_steps_after_it(app, notice):
    """An emergency in a too long message while the action server is down: Rasa sends nothing;
    NeverSilent's reply comes first, Notices (outside it) adds the whole notice after that
    reply, and the gate (outermost) adds its note last."""
    pipeline = Pipeline({})
    pipeline.app = app
    rasa = Rasa()
    turn, texts = run(pipeline, rasa, LONG_EMERGENCY)

    assert [m.text for m in rasa.messages] == ["/noodgeval"]  # the guard's emergency net
    assert turn.output.responses == ["utter_storing_actieserver", "utter_melding", None]
    assert texts[0] == ACTION_SERVER_DOWN
    assert texts[1].startswith(TITLE)
    assert texts[-1] == guard.TOO_LONG.format(max=guard.DEFAULT_MAX_MESSAGE_CHARS)


@pytest.mark.parametrize(
    "failure", [TrackerStoreUnavailable("database is locked"), ConnectionError("lock store down")]
)
def test_a_store_outage_gets_the_112_reply_and_no_notice(app, notice, failure):
    pipeline = Pipeline({})
    pipeline.app = app
    turn, texts = run(pipeline, Rasa(failure), "hoeveel kazernes zijn er?")
    assert turn.output.responses == ["utter_storing_opslag"]
    assert texts == [STORE_UNAVAILABLE]


def test_a_turn_has_one_counting_output_that_every_step_and_rasa_get(app, notice):
    Seen.outputs = []
    pipeline = Pipeline({}, steps=(Seen, STEPS[0], Seen, STEPS[1], Seen, STEPS[2], Seen, STEPS[3], Seen))
    pipeline.app = app
    rasa = Rasa(replies=[{"text": "Hallo!", "utter_action": "utter_groet"}])
    turn, texts = run(
        pipeline, rasa, "bel me op 06-12345678", metadata={"feedback": "positief", "ip": "203.0.113.7"}
    )

    assert isinstance(turn.output, CountingOutputChannel)
    assert len(Seen.outputs) == 5 and all(output is turn.output for output in Seen.outputs)
    (message,) = rasa.messages
    assert message.output_channel is turn.output
    # The transport's output, wrapped once: what reached the resident is what was counted.
    assert isinstance(turn.output.output, CollectingOutputChannel)
    assert turn.output.responses == ["utter_groet", "utter_melding_wijzer"]
    assert texts[0] == "Hallo!" and TITLE in texts[1]
    assert turn.output.delivered == len(turn.output.output.messages) == 2
    # Rasa and the later steps get the checked text and metadata only.
    assert (message.text, message.metadata) == ("bel me op [telefoonnummer]", {"feedback": "positief"})
    assert (turn.text, turn.metadata) == (message.text, message.metadata)
