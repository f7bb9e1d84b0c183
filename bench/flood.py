"""One client address floods nginx while residents, each on an address of their own, chat
(tests/cluster/test_cluster.py and make bench-cluster; README, "Crisis-day scale").

Every address is a loopback one (all of 127.0.0.0/8 is this machine), so nginx sees the
flooder (bench.flooder.FLOODER_ADDRESS) and each resident (bench.load.resident_address) as
different clients. The flooder is a process of its own, as an attacker on another machine
would be, so its busy loop does not hold up the residents' clients; it still shares this
machine's cores with the servers.
"""

from __future__ import annotations

import asyncio
import json
import random
import select
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bench.load import percentile, resident_address
from vrt.ops.servers import ROOT

FLOOD_CONNECTIONS = 20  # as the flood measured before the limit per client (issue 25)


@dataclass
class Turn:
    sender: str
    message: str
    status: Any  # the HTTP status, or the name of the error
    ms: float
    body: Any


async def resident(
    url: str, index: int, sender: str, messages: Sequence[str], think_s: Tuple[float, float], seed: int
) -> List[Turn]:
    """One resident on their own address: each message after reading and typing (think_s)."""
    rng = random.Random(seed)
    turns = []
    connector = aiohttp.TCPConnector(local_addr=(resident_address(index), 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        for message in messages:
            await asyncio.sleep(rng.uniform(*think_s))
            started = time.perf_counter()
            try:
                async with session.post(
                    url, json={"sender": sender, "message": message}, timeout=aiohttp.ClientTimeout(total=30)
                ) as response:
                    status, body = response.status, await response.json(content_type=None)
            except (asyncio.TimeoutError, aiohttp.ClientError, ValueError) as exc:
                status, body = type(exc).__name__, None
            turns.append(Turn(sender, message, status, (time.perf_counter() - started) * 1000, body))
    return turns


class Flooder:
    """with Flooder(url) as flood: ...; flood.result after the block: statuses, samples.

    The flood runs in `python -m bench.flooder` (a process of its own) until its stdin closes.
    """

    def __init__(self, url: str, connections: int = FLOOD_CONNECTIONS, sender: str = "flood") -> None:
        self.command = [sys.executable, "-m", "bench.flooder", url, str(connections), sender]
        self.process: Optional[subprocess.Popen] = None
        self.result: Optional[dict] = None

    def __enter__(self) -> "Flooder":
        """Returns once the flood is on (its first answer came): the process takes seconds to
        import its packages on a busy machine."""
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 120)
        if not ready or self.process.stdout.readline().strip() != "flooding":
            self.process.kill()
            raise RuntimeError("the flooder did not start within 120 s")
        return self

    def __exit__(self, *exc) -> None:
        try:
            output, _ = self.process.communicate(timeout=60)  # closes stdin: the flood ends
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        if self.process.returncode:
            raise RuntimeError(f"the flooder failed (exit code {self.process.returncode})")
        self.result = json.loads(output)


async def residents_chat(
    url: str,
    messages: Sequence[str],
    tag: str,
    residents: int = 10,
    think_s: Tuple[float, float] = (0.5, 1.5),
) -> List[Turn]:
    """`residents` residents at once, each the same `messages` as a conversation of their own."""
    conversations = [
        resident(url, i, f"{tag}-{i}-{random.randrange(10**8)}", messages, think_s, seed=i)
        for i in range(residents)
    ]
    return [turn for turns in await asyncio.gather(*conversations) for turn in turns]


def summary(turns: List[Turn]) -> dict:
    answered = [t for t in turns if t.status == 200 and t.body]
    return {
        "messages": len(turns),
        "answered": len(answered),
        "statuses": dict(Counter(str(t.status) for t in turns)),
        "p50_ms": round(percentile([t.ms for t in answered], 50) or 0),
        "p95_ms": round(percentile([t.ms for t in answered], 95) or 0),
    }


def flood_while_residents_chat(
    url: str,
    messages: Sequence[str],
    tag: str,
    residents: int = 10,
    think_s: Tuple[float, float] = (0.5, 1.5),
) -> Dict[str, Any]:
    """The residents' conversations without a flood, then again while the flooder floods.
    Returns both sets of turns, their summaries and the flooder's counts."""
    quiet = asyncio.run(residents_chat(url, messages, f"{tag}-quiet", residents, think_s))
    with Flooder(url) as flood:
        flooded = asyncio.run(residents_chat(url, messages, f"{tag}-flood", residents, think_s))
    result = flood.result
    return {
        "quiet": quiet,
        "flooded": flooded,
        "residents_quiet": summary(quiet),
        "residents_during_flood": summary(flooded),
        "flooder": {
            **result,
            "requests_per_s": round(result["requests"] / result["seconds"]) if result["seconds"] else None,
        },
    }


def figures(result: Dict[str, Any]) -> dict:
    """What make bench-cluster keeps: no turns, no answer bodies."""
    flooder = {k: v for k, v in result["flooder"].items() if k != "samples"}
    return {
        "residents_quiet": result["residents_quiet"],
        "residents_during_flood": result["residents_during_flood"],
        "flooder": flooder,
    }
