"""The crisis-day topology (README, "Crisis-day scale") against real processes: 2 Rasa servers
behind nginx sharing PostgreSQL (tracker store) and Redis (lock store), 1 action server.

A conversation moves between the servers; 50 at once lose no event; the busy answer when a
server is full; the limit per client address while one address floods; a real socket.io client
through nginx; Redis, PostgreSQL and one Rasa server fail under load while an emergency still
gets 112 first. Failed requests and waits go to results/cluster-figures.txt (printed by
scripts/test_cluster.sh).

nginx limits each client address, and every client here is on this machine: a resident is
given a loopback address of their own (127.0.x.y) where the test has several at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import requests
import yaml

from bench.flood import flood_while_residents_chat
from tests.notices import texts
from vrt.ops.cluster import Cluster, Nginx, session_from
from vrt.ops.nginx import busy_answer, too_many_answer
from vrt.ops.servers import ROOT, listening_addresses, listening_ports_of, socketio_turns

THEME_QUESTION = "wat staat er in het beleidsplan over netwerk?"
# knowledge/vervolg.yml: netwerk -> platformfunctie -> platform_ivz
FOLLOW_UPS = [("vertel meer", "platformfunctie"), ("en verder?", "2008")]
EMERGENCY = "help er is brand in mijn huis"
BUSY = busy_answer()
TOO_MANY = too_many_answer()
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
FAULT_REPLIES = {
    " ".join(RESPONSES[name][0]["text"].split()): name
    for name in ("utter_storing_opslag", "utter_storing_actieserver")
}


def new_sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def assert_112_first(messages: List[dict]) -> None:
    first = texts(messages)[0]
    assert "112" in first.split(".")[0], f"112 is not the first thing said: {first!r}"


def stored_user_texts(cluster: Cluster, sender: str) -> List[str]:
    import json

    rows = cluster.postgres.query(
        "SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", sender
    )
    return [json.loads(row[0])["text"] for row in rows]


# Between a Load conversation's turns: a very fast resident (4 messages a second). Without it
# a conversation whose answers come at once (a store down) sends faster than nginx lets one
# address (5 a second), as no resident does.
THINK_S = 0.25


class Load:
    """Residents talking through nginx in the background: each thread is one conversation, on
    an address of its own, that repeats the policy-plan question and its follow-up. A busy
    answer or a failed request is sent once more a second later (as a resident does); a 429
    (this sender's burst used up) is sent again after its Retry-After;
    `outcomes` counts what came back."""

    def __init__(self, cluster: Cluster, conversations: int = 4) -> None:
        self.cluster = cluster
        self.outcomes: Counter = Counter()
        self.failed_twice: List[str] = []
        self.senders = [new_sender("load") for _ in range(conversations)]
        # Each conversation from an address of its own, as residents on their own connections.
        self.sources = {sender: f"127.0.3.{i + 1}" for i, sender in enumerate(self.senders)}
        self.retry_after: Dict[str, float] = {}
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.talk, args=(s,)) for s in self.senders]

    def attempt(self, sender: str, message: str) -> str:
        try:
            response = self.cluster.say(sender, message, timeout=15, source=self.sources[sender])
        except requests.RequestException:
            return "no answer"
        if response.status_code == 503 and response.json() == BUSY:
            return "busy answer"
        if response.status_code == 429:  # this sender's burst is used up (vrt/channels/rate_limit.py)
            self.retry_after[sender] = float(response.headers["Retry-After"])
            return "asked to wait"
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        replies = texts(response.json())
        if not replies:
            return "empty answer"
        return FAULT_REPLIES.get(" ".join(replies[0].split()), "answered")

    def talk(self, sender: str) -> None:
        messages = [THEME_QUESTION, FOLLOW_UPS[0][0]]
        turn = 0
        while not self.stopping.is_set():
            message = messages[turn % 2]
            outcome = self.attempt(sender, message)
            self.outcomes[outcome] += 1
            if outcome == "asked to wait":
                time.sleep(self.retry_after[sender])  # as the answer asks
                outcome = self.attempt(sender, message)
                self.outcomes[f"after waiting {outcome}"] += 1
            if outcome in ("busy answer", "no answer", "empty answer") or outcome.startswith("HTTP"):
                time.sleep(1)  # a resident reads the answer first
                retry = self.attempt(sender, message)
                self.outcomes[f"retry {retry}"] += 1
                if retry != "answered":
                    self.failed_twice.append(f"{sender} {message!r}: {outcome}, then {retry}")
            turn += 1
            time.sleep(THINK_S)

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def summary(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))


def wait_until_answered(cluster: Cluster, timeout: float = 60) -> float:
    """Seconds until a fresh conversation gets the policy-plan answer through nginx again."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            response = cluster.say(new_sender("recover"), THEME_QUESTION, timeout=10)
            if response.ok and "sterk netwerk" in texts(response.json())[0]:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no normal answer {timeout} s after the fault ended")


def test_only_nginx_is_reachable_every_server_behind_it_listens_on_loopback(cluster):
    """`rasa run` alone listens on every interface; the cluster's servers must not, or anyone
    who reaches the machine bypasses nginx and its limits."""
    for replica in cluster.replicas:
        assert listening_ports_of(replica.rasa_process.pid) == {("127.0.0.1", replica.rasa_port)}
    for server in cluster.action_servers:
        assert listening_ports_of(server.action_process.pid) == {("127.0.0.1", server.action_port)}
    stores = (cluster.postgres.port, cluster.redis.port, cluster.actions_port)
    for port in stores:
        assert listening_addresses(port) == {"127.0.0.1"}, port
    assert listening_addresses(cluster.nginx_port) == {cluster.bind}  # VRT_BIND: 127.0.0.1 unless set


def test_events_table_has_rasas_index_on_sender_id(cluster):
    # Rasa 3.6's SQLTrackerStore declares events.sender_id with index=True; every turn reads a
    # conversation by sender_id, so the index must be there (README, "Crisis-day scale").
    indexes = cluster.postgres.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'events'")
    assert any("(sender_id)" in row[0] for row in indexes), indexes


def test_one_conversation_alternates_between_the_servers(cluster):
    first, second = cluster.replicas
    user = new_sender("alternate")
    # The theme from the button payload goes into the slot beleidsthema on the first server ...
    reply = texts(first.say(user, '/beleidsplan{"beleidsthema":"netwerk"}'))
    assert "sterk netwerk" in reply[0]
    # ... and the follow-ups need the answers the other servers stored: through nginx, then the
    # second server directly, then nginx again.
    assert FOLLOW_UPS[0][1] in texts(cluster.say(user, FOLLOW_UPS[0][0]).json())[0]
    assert FOLLOW_UPS[1][1] in texts(second.say(user, FOLLOW_UPS[1][0]))[0]
    assert "Hallo" in texts(cluster.say(user, "hallo").json())[0]
    assert stored_user_texts(cluster, user) == [
        '/beleidsplan{"beleidsthema":"netwerk"}',
        FOLLOW_UPS[0][0],
        FOLLOW_UPS[1][0],
        "hallo",
    ]
    slots = cluster.postgres.query(
        "SELECT data FROM events WHERE sender_id = %s AND type_name = 'slot' AND data LIKE %s",
        user,
        '%"beleidsthema"%',
    )
    assert slots and '"netwerk"' in slots[0][0]
    # nginx sends REST requests to both servers.
    log = cluster.nginx.access_log.read_text().splitlines()
    used = {line.split("upstream=")[1].split()[0] for line in log if "POST /webhooks/rest/webhook" in line}
    assert {f"127.0.0.1:{r.rasa_port}" for r in cluster.replicas} <= used


def test_50_concurrent_conversations_over_both_servers_lose_no_event(cluster, figures):
    senders = [new_sender("crowd") for _ in range(50)]
    messages = [THEME_QUESTION, FOLLOW_UPS[0][0], FOLLOW_UPS[1][0]]
    received: Dict[str, int] = {}

    def converse(index: int) -> None:
        sender = senders[index]
        count = 0
        for turn, message in enumerate(messages):
            server = cluster.replicas[(index + turn) % 2]  # every turn on the other server
            count += len(texts(server.say(sender, message)))
        received[sender] = count

    started = time.monotonic()
    with ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(converse, range(len(senders))))
    seconds = time.monotonic() - started
    figures(f"50 concurrent conversations x 3 turns over 2 servers: {150 / seconds:.1f} messages/s")

    rows = cluster.postgres.query(
        "SELECT sender_id, type_name, count(*) FROM events WHERE sender_id LIKE 'crowd-%%' GROUP BY 1, 2"
    )
    stored = {(sender, kind): count for sender, kind, count in rows}
    for sender in senders:
        assert stored.get((sender, "user")) == 3, sender
        # Every text a resident received is a stored bot event (its source travels with it).
        assert stored.get((sender, "bot")) == received[sender], sender
        assert stored_user_texts(cluster, sender) == messages


def test_socketio_through_nginx_sticky_polling_and_upgrade(cluster):
    async def two_residents():
        return await asyncio.gather(
            *[
                socketio_turns(
                    cluster.url,
                    new_sender("socket"),
                    [THEME_QUESTION, FOLLOW_UPS[0][0]],
                    transports=("polling", "websocket"),  # polling needs the sticky upstream
                    headers={"Origin": cluster.url},
                )
                for _ in range(2)
            ]
        )

    for turns in asyncio.run(two_residents()):
        assert "sterk netwerk" in turns[0][0]["text"]
        assert FOLLOW_UPS[0][1] in turns[1][0]["text"]
    # nginx logs a websocket request when the connection has closed, which can be just after
    # the client's disconnect returns.
    deadline = time.monotonic() + 10
    while "GET /socket.io/ 101" not in cluster.nginx.access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "GET /socket.io/ 101" in cluster.nginx.access_log.read_text(), "no websocket upgrade through nginx"


def test_a_full_server_gets_the_busy_answer_at_once(cluster, figures):
    # A second nginx in front of one server that takes 2 requests at a time; 20 residents at once.
    listen, actions = cluster.spare_ports(2)
    env = cluster.nginx_env(
        VRT_RASA_SERVERS=f"127.0.0.1:{cluster.replicas[0].rasa_port}",
        VRT_NGINX_MAX_CONNS="2",
        VRT_NGINX_LISTEN=f"127.0.0.1:{listen}",
        VRT_NGINX_ACTIONS_LISTEN=f"127.0.0.1:{actions}",
    )
    one_server = Nginx(env, logdir=cluster.workdir).start()
    url = f"{one_server.url}/webhooks/rest/webhook"

    def resident(index):
        started = time.monotonic()
        with session_from(f"127.0.4.{index + 1}") as session:
            response = session.post(
                url, json={"sender": new_sender("surge"), "message": THEME_QUESTION}, timeout=60
            )
        return response, time.monotonic() - started

    try:
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(resident, range(20)))
    finally:
        one_server.remove()
    busy = [(r, s) for r, s in results if r.status_code == 503]
    answered = [(r, s) for r, s in results if r.status_code == 200]
    assert busy and answered and len(busy) + len(answered) == 20
    for response, _ in busy:
        assert response.json() == BUSY
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["Retry-After"] == "5"
    figures(
        f"20 residents at once, 1 server taking 2: {len(answered)} answered (slowest"
        f" {max(s for _, s in answered):.2f} s), {len(busy)} busy answers (slowest"
        f" {max(s for _, s in busy):.2f} s)"
    )


def test_one_address_floods_while_ten_residents_chat(cluster, figures):
    """One address sends as fast as it can over 20 connections while ten residents, each on
    their own address, hold a conversation; the same ten conversations without the flood first.
    The residents are all answered, none gets a 429 or the busy answer, nothing they sent is
    lost; the flooder gets HTTP 429 with the answer of utter_te_veel_berichten."""
    messages = [THEME_QUESTION, FOLLOW_UPS[0][0], FOLLOW_UPS[1][0], "hallo"]
    result = flood_while_residents_chat(cluster.rest_url, messages, "resident")
    for name in ("quiet", "flooded"):
        turns = result[name]
        assert len(turns) == 10 * len(messages)
        refused = [(t.sender, t.message, t.status) for t in turns if t.status != 200 or not t.body]
        assert not refused, f"{name}: residents not answered: {refused}"
        for turn in turns:
            assert texts(turn.body), turn
        for sender in {t.sender for t in turns}:
            assert stored_user_texts(cluster, sender) == messages, sender
    flooder = result["flooder"]
    assert flooder["statuses"].get("429", 0) > 0, flooder
    too_many = flooder["samples"]["429"]
    assert too_many["body"] == TOO_MANY
    assert "Bij nood: bel 112" in too_many["body"][0]["text"]
    assert too_many["headers"]["Content-Type"].startswith("application/json")
    assert too_many["headers"]["Retry-After"] == "2"
    quiet, flooded = result["residents_quiet"], result["residents_during_flood"]
    figures(
        f"One address flooding ({flooder['requests']} requests in {flooder['seconds']} s over 20"
        f" connections: {flooder['statuses']}) while 10 residents chat: residents answered"
        f" {flooded['answered']}/{flooded['messages']}, p50/p95 {flooded['p50_ms']}/{flooded['p95_ms']} ms;"
        f" without the flood {quiet['answered']}/{quiet['messages']},"
        f" p50/p95 {quiet['p50_ms']}/{quiet['p95_ms']} ms"
    )


def second_nginx(cluster: Cluster, **env: str) -> Nginx:
    listen, actions = cluster.spare_ports(2)
    return Nginx(
        cluster.nginx_env(
            VRT_NGINX_LISTEN=f"127.0.0.1:{listen}", VRT_NGINX_ACTIONS_LISTEN=f"127.0.0.1:{actions}", **env
        ),
        logdir=cluster.workdir,
    )


def socketio_handshakes(url: str, forwarded_for: List[str]) -> List[int]:
    """HTTP statuses of socket.io handshakes sent at once, one with each X-Forwarded-For
    (cheap for Rasa, and limited as REST is)."""
    handshake = f"{url}/socket.io/?EIO=4&transport=polling"

    def get(address: str) -> int:
        return requests.get(handshake, headers={"X-Forwarded-For": address}, timeout=10).status_code

    with ThreadPoolExecutor(len(forwarded_for)) as pool:
        return list(pool.map(get, forwarded_for))


def test_client_address_from_x_forwarded_for_only_behind_a_trusted_proxy(cluster):
    """One request per second, no burst: a second request at once from one client is 429."""
    limits = {"VRT_NGINX_RATE": "1r/s", "VRT_NGINX_BURST": "0"}
    behind_proxy = second_nginx(cluster, VRT_NGINX_REAL_IP_FROM="127.0.0.1", **limits).start()
    direct = second_nginx(cluster, **limits).start()
    try:
        # Behind a trusted proxy (127.0.0.1 here) each address in X-Forwarded-For is a client.
        assert sorted(socketio_handshakes(behind_proxy.url, ["203.0.113.7"] * 3)) == [200, 429, 429]
        assert socketio_handshakes(behind_proxy.url, ["198.51.100.9"]) == [200]
        # Without one, X-Forwarded-For is ignored: naming other addresses escapes nothing.
        others = [f"198.51.100.{i}" for i in range(1, 4)]
        assert sorted(socketio_handshakes(direct.url, others)) == [200, 429, 429]
    finally:
        behind_proxy.remove()
        direct.remove()


def test_nginx_reload_takes_servers_that_moved(cluster):
    """A Rasa server that found its port taken starts on another (vrt.ops.servers); nginx then
    takes the new address without closing its listeners."""
    first, second = cluster.replicas
    nginx = second_nginx(cluster, VRT_RASA_SERVERS=f"127.0.0.1:{first.rasa_port}").start()
    try:
        url = f"{nginx.url}/webhooks/rest/webhook"
        assert requests.post(url, json={"sender": new_sender("reload"), "message": "hallo"}, timeout=30).ok
        nginx.reload({**nginx.env, "VRT_RASA_SERVERS": f"127.0.0.1:{second.rasa_port}"})
        assert requests.post(url, json={"sender": new_sender("reload"), "message": "hallo"}, timeout=30).ok
        expected = [f"127.0.0.1:{first.rasa_port}", f"127.0.0.1:{second.rasa_port}"]
        deadline = time.monotonic() + 10  # the worker that served a request may log it a moment later
        while True:
            upstreams = [
                line.split("upstream=")[1].split()[0]
                for line in nginx.access_log.read_text().splitlines()
                if "POST /webhooks/rest/webhook" in line
            ]
            if upstreams == expected or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert upstreams == expected
    finally:
        nginx.remove()


def fault_under_load(cluster, figures, name: str, fail, recover) -> None:
    """fail(), an emergency during the fault, recover(); the bot itself is not restarted."""
    with Load(cluster) as load:
        time.sleep(2)
        fail()
        try:
            emergency_started = time.monotonic()
            emergency = cluster.say(new_sender("nood"), EMERGENCY)
            emergency_seconds = time.monotonic() - emergency_started
            time.sleep(3)
            during = load.summary()
        finally:
            recover()  # also when the emergency failed: the next tests need the store
        assert emergency.status_code == 200, emergency.text
        assert_112_first(emergency.json())
        recovered = wait_until_answered(cluster)
        time.sleep(2)
    figures(
        f"{name}: emergency answered with 112 first in {emergency_seconds:.2f} s; back {recovered:.1f} s"
        f" after the restart; requests: {load.summary()} (during the fault: {during})"
    )
    assert not load.failed_twice, load.failed_twice
    conversations_go_on(cluster, load)


def conversations_go_on(cluster: Cluster, load: Load) -> None:
    """No conversation lost or corrupted: each has its turns stored and answers again."""
    for sender in load.senders:
        user_texts = stored_user_texts(cluster, sender)
        assert user_texts and set(user_texts) <= {THEME_QUESTION, FOLLOW_UPS[0][0]}
        answer = cluster.say(sender, THEME_QUESTION)
        if answer.status_code == 429:  # the load used up this sender's burst: wait, as asked
            time.sleep(float(answer.headers["Retry-After"]))
            answer = cluster.say(sender, THEME_QUESTION)
        assert "sterk netwerk" in texts(answer.json())[0]
        assert stored_user_texts(cluster, sender)[len(user_texts) :] == [THEME_QUESTION]


def test_redis_restart_under_load(cluster, figures):
    fault_under_load(cluster, figures, "Redis restarted", cluster.redis.stop, cluster.redis.start)


def test_postgres_restart_under_load(cluster, figures):
    fault_under_load(cluster, figures, "PostgreSQL restarted", cluster.postgres.stop, cluster.postgres.start)


def test_one_server_killed_under_load(cluster, figures):
    """Last: the killed server stays down."""
    with Load(cluster) as load:
        time.sleep(2)
        cluster.kill_replica(1)
        emergency = cluster.say(new_sender("nood"), EMERGENCY)
        assert emergency.status_code == 200, emergency.text
        assert_112_first(emergency.json())
        time.sleep(4)
    figures(f"Rasa server killed (kill -9): requests {load.summary()}")
    assert not load.failed_twice, load.failed_twice
    assert load.outcomes["answered"] > 0
    conversations_go_on(cluster, load)  # now all on the other server
