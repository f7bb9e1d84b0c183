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
