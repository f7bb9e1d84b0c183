"""The socket.io channel, through a real socket.io client, with session_persistence on.

python-socketio 5.10+ made AsyncServer.enter_room a coroutine that Rasa 3.6.21 does
not await, so replies were lost; the pinned 5.9.0 must deliver them.
"""
import asyncio
import uuid

import socketio
import yaml

from tests.servers import ROOT


async def ask(url: str, session_id: str, messages):
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()

    @client.on("bot_uttered")
    async def on_bot_uttered(data):
        await replies.put(data)

    @client.on("session_confirm")
    async def on_session_confirm(data):
        confirmed.set()

    await client.connect(url, transports=["websocket"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        answers = []
        for message in messages:
            await client.emit("user_uttered", {"message": message, "session_id": session_id})
            answers.append(await asyncio.wait_for(replies.get(), 30))
        return answers
    finally:
        await client.disconnect()


def test_socketio_delivers_replies_with_session_persistence(bot):
    session_id = uuid.uuid4().hex
    first, second = asyncio.run(ask(bot.rasa_url, session_id, ["hoeveel kazernes zijn er?", "er is brand!"]))
    assert "29 kazernes" in first["text"]
    assert second["text"].startswith("Bel nu 112")


def test_socketio_sends_the_greeting_with_quick_replies(bot):
    (reply,) = asyncio.run(ask(bot.rasa_url, uuid.uuid4().hex, ["hallo"]))
    (greeting,) = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]["utter_groet"]
    assert reply["text"] == " ".join(greeting["text"].split())
    assert [(b["title"], b["payload"]) for b in reply["quick_replies"]] == \
        [(b["title"], b["payload"]) for b in greeting["buttons"]]
