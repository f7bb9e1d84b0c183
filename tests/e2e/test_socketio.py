"""The socket.io channel, through a real socket.io client, with session_persistence on.

python-socketio 5.10+ made AsyncServer.enter_room a coroutine that Rasa 3.6.21 does
not await, so replies were lost; the pinned 5.9.0 must deliver them.
"""

import uuid

import yaml

from vrt.ops.servers import ROOT


def test_socketio_delivers_replies_with_session_persistence(bot):
    first, second = bot.say_socketio(uuid.uuid4().hex, ["hoeveel kazernes zijn er?", "er is brand!"])
    assert "29 kazernes" in first["text"]
    assert second["text"].startswith("Bel nu 112")


def test_socketio_sends_the_greeting_with_quick_replies(bot):
    (reply,) = bot.say_socketio(uuid.uuid4().hex, ["hallo"])
    greeting = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]["utter_groet"][0]
    assert reply["text"] == " ".join(greeting["text"].split())
    assert [(b["title"], b["payload"]) for b in reply["quick_replies"]] == [
        (b["title"], b["payload"]) for b in greeting["buttons"]
    ]


def test_unasked_pongs_start_no_heartbeats(bot):
    """CVE-2026-48802 (SECURITY.md; vrt/channels/heartbeat.py): in python-engineio 4.7.1 every PONG
    starts a heartbeat task that sends a PING after the ping interval (25 s). Measured without
    the guard: 20,000 PONGs on one websocket, 17,225 PINGs back within 32 s. With it: only the
    regular heartbeat."""
    import asyncio
    import time

    import aiohttp

    async def flood() -> int:
        url = bot.rasa_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, headers={"Origin": bot.cors_origins[0]}, autoping=False) as ws:
                assert (await ws.receive()).data.startswith("0{")  # engineio OPEN
                for _ in range(2000):
                    await ws.send_str("3")  # PONG, no PING asked for it
                pings, end = 0, time.monotonic() + 32  # past one ping interval
                while (left := end - time.monotonic()) > 0:
                    try:
                        message = await asyncio.wait_for(ws.receive(), timeout=left)
                    except asyncio.TimeoutError:
                        break
                    if message.type == aiohttp.WSMsgType.PING:
                        await ws.pong(message.data)
                    elif message.type == aiohttp.WSMsgType.TEXT:
                        pings += message.data == "2"
                    else:
                        raise AssertionError(f"the server closed the socket: {message.type}")
                return pings

    assert asyncio.run(flood()) <= 2
    (reply,) = bot.say_socketio(uuid.uuid4().hex, ["hoeveel kazernes zijn er?"])
    assert "29 kazernes" in reply["text"]
