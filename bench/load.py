"""Simulated residents: multi-turn conversations over REST, with asyncio and aiohttp.

Each resident holds a conversation of a few turns (questions from the held-out set,
so the bot has not seen them), waits for every reply, thinks a little, and then
starts a new conversation under a new sender id. Traffic goes to 127.0.0.1 only and
every level is bounded in time and in requests. With own_addresses each resident connects
from a loopback address of their own (resident_address), as nginx limits each address.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import aiohttp

from tests.nlu_examples import nlu_examples
from vrt.ops.servers import ROOT


def resident_messages() -> Dict[str, List[str]]:
    """Texts of the held-out set by intent (retrieval intents under their base name, e.g. faq)."""
    messages: Dict[str, List[str]] = {}
    for intent, texts in sorted(nlu_examples(ROOT / "tests" / "nlu").items()):
        messages.setdefault(intent.split("/")[0], []).extend(texts)
    return messages


def resident_address(index: int) -> str:
    """Resident `index`'s own loopback address (all of 127.0.0.0/8 is this machine)."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(value: Optional[float], digits: int = 1) -> Optional[float]:
    return round(value, digits) if value else None


@dataclass
class Level:
    users: int
    duration_s: float  # no new turn starts after this
    max_requests: int  # hard cap over all residents
    think_s: Tuple[float, float]  # uniform think time between turns
    turns_per_conversation: int = 8
    timeout_s: float = 10.0  # a reply later than this counts as an error


LEVELS = {
    # One resident: the think time changes nothing but the number of samples.
    "users_1": Level(users=1, duration_s=25, max_requests=400, think_s=(0.05, 0.15)),
    # Residents read the answer and type the next question: 1 to 3 s.
    "users_10": Level(users=10, duration_s=30, max_requests=600, think_s=(1.0, 3.0)),
    "users_50": Level(users=50, duration_s=30, max_requests=2000, think_s=(1.0, 3.0)),
}


async def _turn(session: aiohttp.ClientSession, url: str, sender: str, text: str, timeout_s: float) -> tuple:
    """(milliseconds, error or None, reply or None)"""
    start = time.perf_counter()
    try:
        async with session.post(
            url, json={"sender": sender, "message": text}, timeout=aiohttp.ClientTimeout(total=timeout_s)
        ) as response:
            body = await response.json(content_type=None)
            error = None if response.status == 200 else f"HTTP {response.status}"
    except asyncio.TimeoutError:
        body, error = None, "timeout"
    except (aiohttp.ClientError, ValueError) as exc:
        body, error = None, type(exc).__name__
    return (time.perf_counter() - start) * 1000, error, body


async def run_level(
    url: str, level: Level, texts: List[str], tag: str, seed: int = 7, own_addresses: bool = False
) -> dict:
    rng = random.Random(seed)
    latencies: List[float] = []
    errors: Dict[str, int] = {}
    empty = 0
    budget = {"left": level.max_requests}
    deadline = time.monotonic() + level.duration_s

    async def resident(index: int, session: aiohttp.ClientSession) -> None:
        nonlocal empty
        conversation = 0
        await asyncio.sleep(rng.uniform(0, level.think_s[1]))  # residents do not arrive in step
        while time.monotonic() < deadline and budget["left"] > 0:
            sender = f"bench-{tag}-u{index}-c{conversation}"
            for _ in range(level.turns_per_conversation):
                if time.monotonic() >= deadline or budget["left"] <= 0:
                    return
                budget["left"] -= 1
                elapsed, error, body = await _turn(session, url, sender, rng.choice(texts), level.timeout_s)
                if error:
                    errors[error] = errors.get(error, 0) + 1
                else:
                    latencies.append(elapsed)
                    empty += not body
                await asyncio.sleep(rng.uniform(*level.think_s))
            conversation += 1

    async def resident_from_own_address(index: int) -> None:
        connector = aiohttp.TCPConnector(local_addr=(resident_address(index), 0))
        async with aiohttp.ClientSession(connector=connector) as session:
            await resident(index, session)

    started = time.monotonic()
    if own_addresses:
        await asyncio.gather(*(resident_from_own_address(i) for i in range(level.users)))
    else:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(resident(i, session) for i in range(level.users)))
    wall = time.monotonic() - started
    requests = len(latencies) + sum(errors.values())
    return {
        **{f"p{q}": _round(percentile(latencies, q)) for q in (50, 95, 99)},
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "empty_replies": empty,
        "requests": requests,
        "throughput_rps": round(requests / wall, 1),
        "users": level.users,
        "duration_s": round(wall, 1),
        "think_s": list(level.think_s),
        "turns_per_conversation": level.turns_per_conversation,
    }


async def run_turn_growth(
    url: str, texts: List[str], faq_texts: List[str], conversations: int = 10, turns: int = 50, seed: int = 11
) -> dict:
    """One resident, `conversations` times a conversation of `turns` turns.

    Turn 1 and the last turn ask the same FAQ question, so the two are comparable.
    """
    rng = random.Random(seed)
    by_turn: List[List[float]] = [[] for _ in range(turns)]
    errors = 0
    async with aiohttp.ClientSession() as session:
        for c in range(conversations):
            sender = f"bench-growth-c{c}-{rng.randrange(10**9)}"
            probe = rng.choice(faq_texts)
            script = [probe] + [rng.choice(texts) for _ in range(turns - 2)] + [probe]
            for t, text in enumerate(script):
                elapsed, error, _ = await _turn(session, url, sender, text, 10.0)
                if error:
                    errors += 1
                else:
                    by_turn[t].append(elapsed)
                await asyncio.sleep(0.02)
    p50 = [percentile(v, 50) for v in by_turn]
    first, second, last = p50[0], p50[1], p50[-1]
    head = percentile([x for v in by_turn[1:6] for x in v], 50)
    tail = percentile([x for v in by_turn[-5:] for x in v], 50)
    return {
        "conversations": conversations,
        "turns": turns,
        "errors": errors,
        "turn1_p50_ms": _round(first),
        "turn2_p50_ms": _round(second),
        "last_turn_p50_ms": _round(last),
        "turn50_over_turn1": _round(last / first, 3) if first and last else None,
        "turn50_over_turn2": _round(last / second, 3) if second and last else None,
        "turns_last5_over_turns2to6": _round(tail / head, 3) if head and tail else None,
        "p50_by_turn_ms": [_round(x) for x in p50],
    }


async def warm_up(url: str, texts: List[str], n: int = 10) -> None:
    async with aiohttp.ClientSession() as session:
        for i, text in enumerate(texts[:n]):
            await _turn(session, url, f"bench-warmup-{i}", text, 30.0)
