"""The heartbeat guard for CVE-2026-48802 (vrt/channels/heartbeat.py), on engineio's own server
and socket classes (python-engineio 4.7.1, as locked): a PONG the server did not ask for starts
no heartbeat task; the heartbeat itself goes on as the protocol means."""

from __future__ import annotations

import asyncio
import time

import engineio
import pytest
from engineio import packet
from engineio.asyncio_socket import AsyncSocket

from vrt.channels.heartbeat import GuardedSockets, guard_heartbeat
from vrt.channels.transports import SocketIOInput

PONG = packet.Packet(packet.PONG)


def new_socket(guarded: bool, ping_interval: float = 25) -> tuple:
    """A socket of a real engineio server, added the way the server adds one; counts the
    heartbeat tasks it starts."""
    server = engineio.AsyncServer(async_mode="sanic", ping_interval=ping_interval)
    if guarded:
        guard_heartbeat(server)
    socket = AsyncSocket(server, "sid1")
    server.sockets["sid1"] = socket
    started = []
    schedule_ping = socket.schedule_ping
    socket.schedule_ping = lambda: started.append(1) or schedule_ping()
    return socket, started


def test_unasked_pongs_start_a_task_each_without_the_guard():
    """What the guard is for: if an engineio upgrade fixes this, this test says the guard can go."""
    socket, started = new_socket(guarded=False)

    async def flood():
        for _ in range(1000):
            await socket.receive(PONG)
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()

    asyncio.run(flood())
    assert len(started) == 1000


def test_unasked_pongs_start_no_task_and_one_ping_is_answered_once():
    socket, started = new_socket(guarded=True)

    async def flood():
        for _ in range(1000):
            await socket.receive(PONG)
        assert started == []
        socket.last_ping = time.time()  # the server sent a PING
        for _ in range(1000):
            await socket.receive(PONG)
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()

    asyncio.run(flood())
    assert started == [1]


def test_the_heartbeat_goes_on_with_the_guard():
    """engineio's own ping task: PING, PONG, PING, PONG, ... with a 20 ms interval."""
    socket, started = new_socket(guarded=True, ping_interval=0.02)

    async def heartbeat():
        socket.schedule_ping()  # as the server does on connect
        pings = 0
        for _ in range(5):
            pkt = await asyncio.wait_for(socket.queue.get(), timeout=2)
            assert pkt.packet_type == packet.PING
            pings += 1
            await socket.receive(PONG)
        await socket.receive(PONG)  # a second PONG to the last PING: no extra task
        socket.closed = True
        return pings

    assert asyncio.run(heartbeat()) == 5
    assert len(started) == 6  # the first one and one per PING


@pytest.mark.parametrize("credentials", [{}, {"session_persistence": True}])
def test_the_socketio_channel_installs_the_guard(credentials):
    channel = SocketIOInput.from_credentials(credentials)

    async def on_new_message(message) -> None:  # pragma: no cover - no message is sent
        pass

    channel.blueprint(on_new_message)
    assert isinstance(channel.sio.eio.sockets, GuardedSockets)
