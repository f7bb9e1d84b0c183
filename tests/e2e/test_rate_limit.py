"""The per-client rate limit (vrt/channels/rate_limit.py) against the real Rasa and action
servers over HTTP, with the defaults of credentials.yml: one sender floods while ten residents
chat. Every resident message is answered and stored; the flooder gets 429 with the
utter_te_snel text and a Retry-After, and its refused messages are not stored.

All clients here are on 127.0.0.1, which has no per-address limit (a local proxy or tool), so
this tests the per-sender limit; per address: tests/unit/test_rate_limit.py. The residents'
p95 with and without the flood is printed as figures (no timing assertion).
"""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.test_rest import response_text

QUESTIONS = ["hoeveel kazernes zijn er?", "welke gemeenten horen bij vrt", "wat is de twente safety campus?"]
RESIDENTS = 10
FLOOD_AT_LEAST = 60


def p95(values: list) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def chat(url: str, tag: str) -> list:
    """Ten residents, three questions each with a second of thought: (sender, status, seconds)."""

    def resident(index: int) -> list:
        sender = f"resident-{tag}-{index}-{uuid.uuid4().hex[:6]}"
        turns = []
        for question in QUESTIONS:
            started = time.monotonic()
            answer = requests.post(url, json={"sender": sender, "message": question}, timeout=120)
            turns.append((sender, answer.status_code, time.monotonic() - started))
            time.sleep(1.0)
        return turns

    with ThreadPoolExecutor(RESIDENTS) as pool:
        return [turn for turns in pool.map(resident, range(RESIDENTS)) for turn in turns]


def stored_user_messages(db, sender: str) -> int:
    with sqlite3.connect(db) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchone()
    return count


def test_a_flood_of_one_sender_leaves_the_residents_answered(bot, figures):
    url = bot.rest_url
    quiet = chat(url, "quiet")

    flooder = f"flooder-{uuid.uuid4().hex[:6]}"
    flood = []  # (status, body, Retry-After)
    residents_done = threading.Event()

    def flood_worker() -> None:
        session = requests.Session()
        while not residents_done.is_set() or len(flood) < FLOOD_AT_LEAST:
            answer = session.post(url, json={"sender": flooder, "message": "hallo"}, timeout=120)
            flood.append((answer.status_code, answer.json(), answer.headers.get("Retry-After")))

    workers = [threading.Thread(target=flood_worker) for _ in range(16)]
    flood_started = time.monotonic()
    for worker in workers:
        worker.start()
    try:
        busy = chat(url, "flood")
    finally:
        residents_done.set()
        for worker in workers:
            worker.join()
    flood_seconds = time.monotonic() - flood_started

    # Every resident message answered, with and without the flood.
    assert [status for _, status, _ in quiet + busy] == [200] * (2 * RESIDENTS * len(QUESTIONS))
    # The flooder: its burst answered, then refused with the text of utter_te_snel.
    statuses = [status for status, _, _ in flood]
    refused = [(body, retry) for status, body, retry in flood if status == 429]
    # A burst of 10, then 1 a second (credentials.yml defaults).
    assert 429 in statuses and 10 <= statuses.count(200) <= 10 + flood_seconds + 1
    for body, retry in refused:
        assert [m["text"] for m in body] == [
            response_text("utter_te_snel"),
            response_text("utter_te_snel", 1),
        ]
        assert [m.get("lang") for m in body] == ["nl", "en"]
        assert int(retry) >= 1

    # Nothing lost, nothing extra: each answered message is in the tracker store, a refused one is not.
    db = bot.env()["VRT_TRACKER_DB"]
    for sender in {sender for sender, _, _ in quiet + busy}:
        assert stored_user_messages(db, sender) == len(QUESTIONS)
    assert stored_user_messages(db, flooder) == statuses.count(200)

    quiet_p95 = p95([seconds for _, _, seconds in quiet])
    busy_p95 = p95([seconds for _, _, seconds in busy])
    line = (
        f"rate limit: residents' p95 {quiet_p95:.2f} s quiet, {busy_p95:.2f} s during a flood of "
        f"{len(flood)} requests by one sender ({len(refused)} refused with 429)"
    )
    print(line)
    figures(line)
