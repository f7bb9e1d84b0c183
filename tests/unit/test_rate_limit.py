"""The per-client rate limit (vrt/channels/rate_limit.py): its token buckets with a clock the
test moves, and the step in the real turn pipeline (real domain, NLG and SQLite tracker store;
Rasa played as in tests/unit/test_turn.py) with two client addresses. Against a real Rasa
server over HTTP: tests/e2e/test_rate_limit.py."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from vrt.channels.rate_limit import DEFAULTS, RESPONSE, Limiter, RateLimit
from vrt.channels.turn import Pipeline
from vrt.core.tracker_store import StrictSQLTrackerStore
from vrt.ops.servers import ROOT

# Dutch, then English: the refusal does not read the conversation to learn its language.
TOO_FAST = [
    " ".join(variant["text"].split())
    for variant in yaml.safe_load((ROOT / "domain.yml").read_text())["responses"][RESPONSE]
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_sustained_rate():
    clock = Clock()
    limiter = Limiter(burst=3, per_second=0.5, max_buckets=10, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(2.0)  # empty: one token takes 1 / 0.5 s
    clock.now += 1.0
    assert limiter.take("a") == pytest.approx(1.0)  # half a token so far; a refusal takes none
    clock.now += 1.0
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    clock.now += 60  # idle long: full again, never above the burst
    assert [limiter.take("a") for _ in range(4)][-2:] == [0.0, pytest.approx(2.0)]


def test_keys_have_their_own_buckets():
    limiter = Limiter(burst=1, per_second=1, max_buckets=10, clock=Clock())
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0
    assert limiter.take("b") == 0.0


def test_full_idle_buckets_are_evicted_and_the_number_is_capped():
    clock = Clock()
    limiter = Limiter(burst=2, per_second=1, max_buckets=3, clock=clock)
    for key in "abcde":
        limiter.take(key)
    assert list(limiter.buckets) == ["c", "d", "e"]  # capped; least recently used out first
    clock.now += 0.5
    limiter.take("c")
    assert list(limiter.buckets) == ["d", "e", "c"]
    clock.now += 5  # all full again
    limiter.take("f")
    assert list(limiter.buckets) == ["f"]


def test_a_rate_of_zero_turns_the_limit_off():
    limiter = Limiter(burst=1, per_second=0, max_buckets=3, clock=Clock())
    assert all(limiter.take("a") == 0.0 for _ in range(50)) and not limiter.buckets


def test_the_defaults_are_out_of_reach_of_a_fast_typist():
    """A message every 2 s for 10 minutes, after 10 quick button clicks: never refused."""
    clock = Clock()
    step = RateLimit(SimpleNamespace(credentials={}), clock=clock)
    assert all(step.over_limit("typist", "192.0.2.1") == 0 for _ in range(DEFAULTS["rate_sender_burst"]))
    for _ in range(300):
        clock.now += 2
        assert step.over_limit("typist", "192.0.2.1") == 0


def test_per_sender_and_per_address():
    clock = Clock()
    options = {
        "rate_sender_burst": 2,
        "rate_sender_per_s": 1,
        "rate_address_burst": 5,
        "rate_address_per_s": 1,
    }
    step = RateLimit(SimpleNamespace(credentials=options), clock=clock)
    assert [step.over_limit("flooder", "192.0.2.1") == 0 for _ in range(3)] == [True, True, False]
    # Other residents at that address: its bucket has 3 left (a refused message took none).
    assert [step.over_limit(f"r{i}", "192.0.2.1") == 0 for i in range(4)] == [True, True, True, False]
    # A resident at another address is not affected; the refused r3 kept its sender token.
    assert step.over_limit("r3", "198.51.100.2") == 0
    assert step.senders.buckets["r3"].tokens == pytest.approx(1)


@pytest.fixture
def pipeline(tmp_path):
    """The real steps with the real domain, NLG and an SQLite store; small limits."""
    store = StrictSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    agent = Agent(
        domain=Domain.load(str(ROOT / "domain.yml")),
        generator=EndpointConfig(type="vrt.core.nlg.LanguageNLG"),
        tracker_store=store,
    )
    options = {
        "rate_sender_burst": 2,
        "rate_sender_per_s": 0.01,
        "rate_address_burst": 3,
        "rate_address_per_s": 0.01,
    }
    made = Pipeline(options)
    made.app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    return made


def test_over_the_limit_rasa_is_not_asked_and_the_resident_is_told(pipeline):
    asked = []

    async def rasa(message) -> None:
        asked.append((message.sender_id, message.text))
        await message.output_channel.send_response(
            message.sender_id, {"text": "Hallo!", "utter_action": "utter_groet"}
        )

    async def send(sender: str, address: str):
        collector = CollectingOutputChannel()
        turn = await pipeline.run(rasa, collector, sender, "rest", "hoi", client_address=address)
        return turn.retry_after, [" ".join(m["text"].split()) for m in collector.messages]

    async def flood():
        return [await send(sender, address) for sender, address in turns]

    turns = [("a", "192.0.2.1")] * 3 + [("b", "192.0.2.1"), ("c", "192.0.2.1"), ("c", "198.51.100.2")]
    results = asyncio.run(flood())
    assert results[:2] == [(None, ["Hallo!"])] * 2
    # Sender a: a burst of 2, then a token every 100 s (a little less under a slow machine).
    assert results[2][1] == TOO_FAST and 90 <= results[2][0] <= 100
    assert results[3] == (None, ["Hallo!"])  # b: the third message of 192.0.2.1
    assert results[4][1] == TOO_FAST and results[4][0] >= 90  # c: the address is used up
    assert results[5] == (None, ["Hallo!"])  # c from another address
    assert asked == [("a", "hoi"), ("a", "hoi"), ("b", "hoi"), ("c", "hoi")]


def test_loopback_has_no_address_limit_but_a_sender_limit():
    """127.0.0.1 is a proxy on the same machine or a local tool: many residents behind it."""
    step = RateLimit(SimpleNamespace(credentials={"rate_address_burst": 1}), clock=Clock())
    assert all(
        step.over_limit(f"r{i}", address) == 0 for i in range(50) for address in ("127.0.0.1", "[::1]")
    )
    assert [step.over_limit("one", "127.0.0.1") == 0 for _ in range(11)][-2:] == [True, False]


def test_the_environment_can_turn_the_limit_off(monkeypatch):
    monkeypatch.setenv("VRT_RATE_LIMIT", "off")
    step = RateLimit(SimpleNamespace(credentials={}), clock=Clock())
    assert all(step.over_limit("bench", "192.0.2.1") == 0 for _ in range(100))
