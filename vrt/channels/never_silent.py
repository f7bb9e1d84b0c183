"""The REST and socket.io channels of credentials.yml, with one addition: a resident always
gets a reply.

Rasa sends nothing when a custom action fails (the action server is down or its connection
is reset: the processor logs the error and goes on without events) and nothing useful when
the tracker store fails. These channels count what a turn sent; when it was nothing, they send
`utter_storing_actieserver`, and when the tracker store was unavailable or the turn failed before
anything was sent (the lock store down), `utter_storing_opslag`, which says 112 first.
Both texts are in domain.yml.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic

from vrt.core.tracker_store import TrackerStoreUnavailable

logger = logging.getLogger(__name__)

NO_REPLY_RESPONSE = "utter_storing_actieserver"
STORE_UNAVAILABLE_RESPONSE = "utter_storing_opslag"


class CountingOutputChannel(OutputChannel):
    """Passes every message on to the channel's own output, counts them and keeps the name of
    the response each came from (`utter_action`, None for a text without one)."""

    def __init__(self, output: OutputChannel) -> None:
        self.output = output
        self.sent = 0
        self.responses: List[Optional[Text]] = []

    def name(self) -> Text:
        return self.output.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        self.responses.append(message.get("utter_action"))
        await self.output.send_response(recipient_id, message)


async def send_response(
    app: Sanic,
    output: OutputChannel,
    recipient_id: Text,
    response: Text,
    in_conversation_language: bool = False,
    **values: Any,
) -> None:
    """Sends a response of the domain outside a turn of the dialogue, with `values` filled in.

    `in_conversation_language`: read the conversation, so the response comes in its language
    (vrt/core/nlg.py); an empty conversation (Dutch) when the store cannot be read."""
    agent = app.ctx.agent
    tracker = None
    if in_conversation_language:
        try:
            tracker = await agent.tracker_store.retrieve(recipient_id)
        except Exception:  # noqa: BLE001 - the response matters more than its language
            logger.warning("Conversation not readable; this response goes in Dutch.")
    tracker = tracker or DialogueStateTracker(recipient_id, agent.domain.slots)
    message = await agent.nlg.generate(response, tracker, output.name(), **values)
    await output.send_response(recipient_id, {**message, "utter_action": response})


class NeverSilentHandler:
    """Wraps Rasa's message handler of a channel. Needs the server's agent, which it gets from
    the channel's blueprint at start-up (`remember_server`)."""

    def __init__(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.on_new_message = on_new_message
        self.app: Optional[Sanic] = None

    async def remember_server(self, app: Sanic, _loop: Any) -> None:
        self.app = app

    async def __call__(self, message: UserMessage) -> None:
        output = CountingOutputChannel(message.output_channel)
        message.output_channel = output
        try:
            await self.on_new_message(message)
        except TrackerStoreUnavailable:
            # The store logged what failed; this turn is neither answered nor stored.
            await self.send(output, message.sender_id, STORE_UNAVAILABLE_RESPONSE)
            return
        except Exception:  # noqa: BLE001 - logged here without the message; the resident gets a reply
            logger.exception("Handling a message failed.")
            if output.sent == 0:
                # Not handled at all (e.g. the Redis lock store is down): it may have been an
                # emergency, so the reply that says 112 first.
                await self.send(output, message.sender_id, STORE_UNAVAILABLE_RESPONSE)
                return
        if output.sent == 0:
            logger.error(
                "The bot sent nothing in this turn (see the error above, usually the action "
                f"server); sent {NO_REPLY_RESPONSE} instead."
            )
            await self.send(output, message.sender_id, NO_REPLY_RESPONSE)

    async def send(self, output: OutputChannel, recipient_id: Text, response: Text) -> None:
        # The store's own outage message goes without reading the store.
        await send_response(
            self.app,
            output,
            recipient_id,
            response,
            in_conversation_language=response != STORE_UNAVAILABLE_RESPONSE,
        )


def never_silent(channel_blueprint: Callable[[Callable], Blueprint], on_new_message: Callable) -> Blueprint:
    handler = NeverSilentHandler(on_new_message)
    blueprint = channel_blueprint(handler)
    blueprint.listener("before_server_start")(handler.remember_server)
    return blueprint


class RestInput(rest.RestInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return never_silent(super().blueprint, on_new_message)


class SocketIOInput(socketio.SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return never_silent(super().blueprint, on_new_message)
