"""One client address floods nginx while residents, each on an address of their own, chat
(tests/cluster/test_cluster.py and make bench-cluster; README, "Crisis-day scale").

Every address is a loopback one (all of 127.0.0.0/8 is this machine), so nginx sees the
flooder (FLOODER_ADDRESS) and each resident (bench.load.resident_address) as different clients. The
flooder is a process of its own, as an attacker on another machine would be, so its busy loop
does not hold up the residents' clients; it still shares this machine's cores with the servers.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bench.load import percentile, resident_address
from vrt.ops.servers import ROOT

FLOODER_ADDRESS = "127.0.2.1"
FLOOD_CONNECTIONS = 20  # as the flood measured before the limit per client (issue 25)
HEADERS = {"Content-Type", "Retry-After", "Access-Control-Allow-Origin"}  # kept of one answer per status


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


async def _flood(url: str, stop, connections: int, sender: str) -> dict:
    statuses: Counter = Counter()
    sample: Dict[int, dict] = {}
    started = time.monotonic()
    connector = aiohttp.TCPConnector(local_addr=(FLOODER_ADDRESS, 0), limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one_connection() -> None:
            while not stop.is_set():
                try:
                    async with session.post(
                        url,
                        json={"sender": sender, "message": "hallo"},
                        timeout=aiohttp.ClientTimeout(total=30),
                    ) as response:
                        body = await response.read()
                        statuses[response.status] += 1
                        if response.status not in sample:
                            sample[response.status] = {
                                "body": json.loads(body) if body else None,
                                "headers": {k: v for k, v in response.headers.items() if k in HEADERS},
                            }
                except (asyncio.TimeoutError, aiohttp.ClientError, ValueError) as exc:
                    statuses[type(exc).__name__] += 1
                await asyncio.sleep(0)

        await asyncio.gather(*(one_connection() for _ in range(connections)))
    seconds = time.monotonic() - started
    return {
        "statuses": {str(k): v for k, v in statuses.items()},
        "requests": sum(statuses.values()),
        "seconds": round(seconds, 1),
        "samples": {str(k): v for k, v in sample.items()},
    }


class Flooder:
    """with Flooder(url) as flood: ...; flood.result after the block: statuses, samples.

    The flood runs in `python -m bench.flood` (a process of its own) until its stdin closes.
    """

    def __init__(self, url: str, connections: int = FLOOD_CONNECTIONS, sender: str = "flood") -> None:
        self.command = [sys.executable, "-m", "bench.flood", url, str(connections), sender]
        self.process: Optional[subprocess.Popen] = None
        self.result: Optional[dict] = None

    def __enter__(self) -> "Flooder":
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
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


async def _flood_until_stdin_closes(url: str, connections: int, sender: str) -> dict:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    threading.Thread(
        target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True
    ).start()
    return await _flood(url, stop, connections, sender)


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
        time.sleep(2)  # the flood is on before the first resident writes
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


if __name__ == "__main__":  # the flooder: URL CONNECTIONS SENDER; prints its counts as JSON
    url, connections, sender = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    print(json.dumps(asyncio.run(_flood_until_stdin_closes(url, connections, sender))))
