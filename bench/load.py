"""Simulated residents: multi-turn conversations over REST, with asyncio and aiohttp.

Each resident holds a conversation of a few turns (questions from the held-out set,
so the bot has not seen them), waits for every reply, thinks a little, and then
starts a new conversation under a new sender id. Traffic goes to 127.0.0.1 only and
every level is bounded in time and in requests.
"""
from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp
import yaml

from bench.procs import ROOT

HELDOUT = ROOT / "tests" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def resident_messages() -> Dict[str, List[str]]:
    """Plain texts of the held-out set, by intent (entity annotations removed)."""
    messages: Dict[str, List[str]] = {}
    for path in sorted(HELDOUT.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    messages.setdefault(block["intent"].split("/")[0], []).append(text)
    return messages


def pool(messages: Dict[str, List[str]]) -> List[str]:
    return [m for texts in messages.values() for m in texts]


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(latencies_ms: List[float]) -> Dict[str, Optional[float]]:
    return {f"p{q}": (round(percentile(latencies_ms, q), 1) if latencies_ms else None)
            for q in (50, 95, 99)}


@dataclass
class Level:
    users: int
    duration_s: float          # no new turn starts after this
    max_requests: int          # hard cap over all residents
    think_s: tuple             # uniform think time between turns
    turns_per_conversation: int = 8
    timeout_s: float = 10.0    # a reply later than this counts as an error


async def _turn(session: aiohttp.ClientSession, url: str, sender: str, text: str,
                timeout_s: float) -> tuple:
    start = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text},
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            body = await response.json(content_type=None)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                return elapsed, f"HTTP {response.status}", None
            return elapsed, None, body
    except asyncio.TimeoutError:
        return (time.perf_counter() - start) * 1000, "timeout", None
    except (aiohttp.ClientError, ValueError) as exc:
        return (time.perf_counter() - start) * 1000, type(exc).__name__, None


async def run_level(url: str, level: Level, texts: List[str], tag: str, seed: int = 7) -> dict:
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
                elapsed, error, body = await _turn(session, url, sender, rng.choice(texts),
                                                   level.timeout_s)
                if error:
                    errors[error] = errors.get(error, 0) + 1
                else:
                    latencies.append(elapsed)
                    empty += not body
                await asyncio.sleep(rng.uniform(*level.think_s))
            conversation += 1

    connector = aiohttp.TCPConnector(limit=0)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(resident(i, session) for i in range(level.users)))
    wall = time.monotonic() - started
    n_errors = sum(errors.values())
    return {
        **summary(latencies),
        "errors": n_errors,
        "error_kinds": errors,
        "empty_replies": empty,
        "requests": len(latencies) + n_errors,
        "throughput_rps": round((len(latencies) + n_errors) / wall, 1),
        "users": level.users,
        "duration_s": round(wall, 1),
        "think_s": list(level.think_s),
        "turns_per_conversation": level.turns_per_conversation,
        "_latencies": latencies,
    }


async def run_turn_growth(url: str, texts: List[str], faq_texts: List[str],
                          conversations: int = 10, turns: int = 50, think_s: float = 0.02,
                          seed: int = 11) -> dict:
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
                await asyncio.sleep(think_s)
    p50 = [percentile(v, 50) for v in by_turn]
    first, last = p50[0], p50[-1]
    second = p50[1]
    head = [x for v in by_turn[1:6] for x in v]
    tail = [x for v in by_turn[-5:] for x in v]
    return {
        "conversations": conversations,
        "turns": turns,
        "errors": errors,
        "turn1_p50_ms": round(first, 1) if first else None,
        "turn2_p50_ms": round(second, 1) if second else None,
        "last_turn_p50_ms": round(last, 1) if last else None,
        "turn50_over_turn1": round(last / first, 3) if first and last else None,
        "turn50_over_turn2": round(last / second, 3) if second and last else None,
        "turns_last5_over_turns2to6": (round(percentile(tail, 50) / percentile(head, 50), 3)
                                       if head and tail else None),
        "p50_by_turn_ms": [round(x, 1) if x else None for x in p50],
    }


async def warm_up(url: str, texts: List[str], n: int = 10) -> None:
    async with aiohttp.ClientSession() as session:
        for i, text in enumerate(texts[:n]):
            await _turn(session, url, f"bench-warmup-{i}", text, 30.0)


def run(coro):
    return asyncio.run(coro)


LEVELS = {
    # One resident: the think time changes nothing but the number of samples.
    "users_1": Level(users=1, duration_s=25, max_requests=400, think_s=(0.05, 0.15)),
    # Residents read the answer and type the next question: 1 to 3 s.
    "users_10": Level(users=10, duration_s=30, max_requests=600, think_s=(1.0, 3.0)),
    "users_50": Level(users=50, duration_s=30, max_requests=2000, think_s=(1.0, 3.0)),
}
