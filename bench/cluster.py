"""make bench-cluster: the crisis-day cluster under load (README, "Crisis-day scale").

One cluster (vrt.ops.Cluster: 2 Rasa servers, 1 action server, PostgreSQL, Redis, nginx).
Measured through nginx, with 1 Rasa server (a second nginx in front of the first server only)
and with both (the throughput through an nginx without the limit per client: its residents
send back to back):
  * throughput: closed-loop residents (bench/load.py, short think time), doubled until p95
    reaches 300 ms; the highest throughput with p95 < 300 ms is the figure;
  * the surge: 200 residents at once, 5 messages each, and an emergency message 3 s into it
    (its reply time), with p50, p95, errors and busy answers (HTTP 503 from nginx).
And with both servers, nginx's limit per client address (bench/flood.py): 10 residents, each
on an address of their own, 5 messages each, without and then during a flood from one address
over 20 connections: the residents answered and their p50/p95, the flooder's 429s.
Every resident is on a loopback address of their own (bench/load.py), as nginx limits each.
Writes results/bench-cluster.json and prints it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time

import aiohttp

from bench import flood, load
from vrt.ops.cluster import Cluster, Nginx
from vrt.ops.servers import ROOT

EMERGENCY = "help er is brand in mijn huis"
P95_LIMIT_MS = 300
SURGE = load.Level(
    users=200, duration_s=180, max_requests=1000, think_s=(1.0, 3.0), turns_per_conversation=5, timeout_s=30
)


async def throughput(url: str, texts: list) -> dict:
    levels = {}
    best = None
    for users in (1, 2, 4, 8, 16, 32):
        level = load.Level(users=users, duration_s=20, max_requests=3000, think_s=(0.0, 0.05))
        result = await load.run_level(url, level, texts, f"tp{users}", own_addresses=True)
        levels[users] = {k: result[k] for k in ("p50", "p95", "throughput_rps", "errors", "error_kinds")}
        if result["p95"] is None or result["p95"] >= P95_LIMIT_MS:
            break
        if result["errors"] == 0:
            best = max(best or 0, result["throughput_rps"])
    return {"messages_per_s_at_p95_under_300ms": best, "levels": levels}


async def surge(url: str, texts: list) -> dict:
    async def emergency() -> dict:
        await asyncio.sleep(3)
        async with aiohttp.ClientSession() as session:
            elapsed, error, body = await load._turn(session, url, "bench-surge-nood", EMERGENCY, 60)
        first = (body or [{}])[0].get("text", "")
        return {"ms": round(elapsed), "error": error, "first_words": first[:40]}

    result, nood = await asyncio.gather(
        load.run_level(url, SURGE, texts, "surge", own_addresses=True), emergency()
    )
    return {
        **{
            k: result[k] for k in ("p50", "p95", "p99", "errors", "error_kinds", "requests", "throughput_rps")
        },
        "busy_answers": result["error_kinds"].get("HTTP 503", 0),
        "emergency": nood,
    }


def second_nginx(cluster: Cluster, **env: str) -> Nginx:
    """Another nginx in front of the cluster's servers, on ports of its own."""
    listen, actions = cluster.spare_ports(2)
    return Nginx(
        cluster.nginx_env(
            VRT_NGINX_LISTEN=f"127.0.0.1:{listen}", VRT_NGINX_ACTIONS_LISTEN=f"127.0.0.1:{actions}", **env
        ),
        logdir=cluster.workdir,
    ).start()


def main() -> int:
    workdir = ROOT / "var" / "bench-cluster"
    workdir.mkdir(parents=True, exist_ok=True)
    texts = [text for group in load.resident_messages().values() for text in group]
    cluster = Cluster(workdir).start()
    results = {"cpu_cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]}
    try:
        first = f"127.0.0.1:{cluster.replicas[0].rasa_port}"
        both = cluster.nginx_env()["VRT_RASA_SERVERS"]
        # The throughput's closed-loop residents send back to back, far above any resident's
        # rate: it goes through an nginx without the limit per client, as it measures the
        # servers. The surge (residents who read and type) goes through nginx as configured.
        unlimited = {"VRT_NGINX_RATE": "100000r/s", "VRT_NGINX_CONNS_PER_CLIENT": "60000"}
        extra = [
            second_nginx(cluster, VRT_RASA_SERVERS=first, **unlimited),
            second_nginx(cluster, VRT_RASA_SERVERS=both, **unlimited),
            second_nginx(cluster, VRT_RASA_SERVERS=first),
        ]
        try:
            one_unlimited, two_unlimited, one = extra
            for name, unlimited_base, base in (
                ("1 replica", one_unlimited.url, one.url),
                ("2 replicas", two_unlimited.url, cluster.url),
            ):
                url = f"{base}/webhooks/rest/webhook"
                asyncio.run(load.warm_up(url, texts))
                started = time.monotonic()
                results[name] = {
                    "throughput": asyncio.run(throughput(f"{unlimited_base}/webhooks/rest/webhook", texts)),
                    "surge_200_residents": asyncio.run(surge(url, texts)),
                }
                results[name]["seconds"] = round(time.monotonic() - started)
                print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
        finally:
            for nginx in extra:
                nginx.remove()
        # The limit per client address, through the cluster's own nginx (both servers).
        messages = random.Random(25).sample(texts, 5)
        results["flood_one_address"] = flood.figures(
            flood.flood_while_residents_chat(cluster.rest_url, messages, "bench-flood")
        )
        print("flood", json.dumps(results["flood_one_address"]), file=sys.stderr, flush=True)
    finally:
        cluster.stop()
    one_tp = results["1 replica"]["throughput"]["messages_per_s_at_p95_under_300ms"]
    two_tp = results["2 replicas"]["throughput"]["messages_per_s_at_p95_under_300ms"]
    results["ratio_2_over_1"] = round(two_tp / one_tp, 2) if one_tp and two_tp else None
    out = ROOT / "results" / "bench-cluster.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
