"""A guard on engineio's heartbeat for CVE-2026-48802 (GHSA-cgwc-pv48-fhj5), which python-engineio
4.7.1 has and 4.13.2 fixes; the pin stays at 4.7.1 (pyproject.toml: Rasa 3.6's socket.io
channel, SECURITY.md).

In engineio 4.7.1 every PONG packet a client sends starts a new heartbeat task
(`AsyncSocket.receive` -> `schedule_ping`), which sleeps for the ping interval (25 s) before it
sends the next PING. A client that sends PONGs without being asked piles up tasks: measured on
this project's Rasa server (one websocket client, 2026-12-03), 200,000 PONGs in 17 s took it
from 719 to 774 MiB, not given back. The server asks with a PING and sets `last_ping`; so a
PONG counts only while `last_ping` is set, and clears it: one PONG per PING starts one task, as
the protocol means, and the rest are dropped. Pinned by tests/unit/test_heartbeat.py on
engineio's own socket class.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

from engineio import packet

logger = logging.getLogger(__name__)


def answer_pongs_only_after_a_ping(socket: Any) -> None:
    """Wraps one engineio socket's `receive`: a PONG without an outstanding PING is dropped."""
    receive = socket.receive

    async def receive_guarded(pkt: packet.Packet) -> None:
        if pkt.packet_type == packet.PONG:
            if socket.last_ping is None:
                logger.debug("engineio: a PONG without a PING dropped")
                return
            socket.last_ping = None  # answered: a second PONG to the same PING is dropped too
        await receive(pkt)

    socket.receive = receive_guarded


class GuardedSockets(dict):
    """engineio's `server.sockets`: every socket the server adds gets the guard above."""

    def __setitem__(self, sid: str, socket: Any) -> None:
        answer_pongs_only_after_a_ping(socket)
        super().__setitem__(sid, socket)


def guard_heartbeat(eio: Any) -> None:
    """Installs the guard on an engineio server (socketio.AsyncServer().eio) before it has clients."""
    sockets: Dict[str, Any] = GuardedSockets()
    for sid, socket in eio.sockets.items():
        sockets[sid] = socket
    eio.sockets = sockets
