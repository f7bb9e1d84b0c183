"""The flooding client of bench/flood.py, a process of its own (aiohttp only, so it starts fast):

    python -m bench.flooder URL CONNECTIONS SENDER

POSTs "hallo" as SENDER to URL over CONNECTIONS connections from FLOODER_ADDRESS, as fast as the
answers come, until its stdin closes. Prints "flooding" at its first answer, and at the end its
counts as JSON: the HTTP statuses, and the body and some headers of one answer per status.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections import Counter
from typing import Dict

import aiohttp

FLOODER_ADDRESS = "127.0.2.1"  # a loopback address no resident of bench/ uses
HEADERS = {"Content-Type", "Retry-After", "Access-Control-Allow-Origin"}  # kept of one answer per status


async def _flood(url: str, stop, connections: int, sender: str, on_first_answer=lambda: None) -> dict:
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
                        if not statuses:
                            on_first_answer()
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


async def _flood_until_stdin_closes(url: str, connections: int, sender: str) -> dict:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    threading.Thread(
        target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True
    ).start()
    return await _flood(url, stop, connections, sender, lambda: print("flooding", flush=True))


if __name__ == "__main__":  # the flooder: URL CONNECTIONS SENDER; prints its counts as JSON
    url, connections, sender = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    print(json.dumps(asyncio.run(_flood_until_stdin_closes(url, connections, sender))))
