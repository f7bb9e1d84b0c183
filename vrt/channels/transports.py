"""The REST and socket.io channels of credentials.yml: where a resident's message comes in,
and its replies go out. What happens to the message in between is the turn pipeline of
vrt/channels/turn.py (privacy gate, crisis notices, never silent, then Rasa).

Referenced from credentials.yml by module path (vrt.channels.transports.RestInput and
vrt.channels.transports.SocketIOInput). They keep Rasa's URLs (/webhooks/rest/webhook,
/socket.io) and channel names ("rest", "socketio"). Options in credentials.yml, per channel:

  max_message_chars  longer messages get a short Dutch note instead of an answer (1000;
                     vrt/channels/gate.py)
  max_body_bytes     the HTTP body / socket.io packet limit of the server (16384)
  rate_sender_burst, rate_sender_per_s, rate_address_burst, rate_address_per_s,
  rate_max_buckets   the per-client rate limit (vrt/channels/rate_limit.py); over it, REST
                     answers 429 with Retry-After, socket.io the same text as a bot_uttered

What they add to Rasa's channels:
- a bad request (no JSON object, wrong types, invalid sender) gets a 400 with a short
  reason; a too large body a 413 (REST) or a closed connection (socket.io);
- every message goes through the turn pipeline (vrt/channels/turn.py): checked and redacted
  before Rasa sees it, the active crisis notice after the answer, never an empty reply;
- GET /webhooks/rest/emergency serves the emergency patterns of config.yml for the widget,
  GET /webhooks/rest/notice the active crisis notices for its banner;
- socket.io accepts browser connections only from the origins the Rasa server allows
  for REST (`rasa run --cors ...`, VRT_CORS_ORIGINS in scripts/common.sh);
- files the server creates (the SQLite tracker store, a --log-file) are readable by the
  service user only (umask 077), and an existing SQLite store is set to mode 600.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import CollectingOutputChannel
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from vrt.channels.gate import PrivacyGate
from vrt.channels.heartbeat import guard_heartbeat
from vrt.channels.notices import Notices
from vrt.channels.rate_limit import OPTIONS as RATE_OPTIONS
from vrt.channels.turn import OnNewMessage, Pipeline
from vrt.nlu.emergency import client_net
from vrt.privacy import guard

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 16 * 1024
# Random ids, as the widget (UUID) and socket.io clients make them; never an e-mail address.
SENDER = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# Options of credentials.yml that are ours, not Rasa's.
OPTIONS = ("max_message_chars", "max_body_bytes", *RATE_OPTIONS)


class BadRequest(ValueError):
    """The client sent something that is not a message; the text is its reason."""


class ChannelBase:
    """What both channels do to the server: private files, a body limit, the turn pipeline."""

    def set_up(self, credentials: Optional[Dict[Text, Any]]) -> None:
        # Channels are made before the tracker store and a --log-file: from here on, every
        # file the server creates is private to the service user.
        os.umask(0o077)
        credentials = credentials or {}
        self.max_body_bytes = int(credentials.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES))
        self.pipeline = Pipeline(credentials)

    def listen(self, blueprint: Blueprint) -> None:
        blueprint.listener("before_server_start")(self.attach)
        blueprint.listener("after_server_start")(protect_store)

    async def attach(self, app: Sanic, _loop: Any = None) -> None:
        """before_server_start: the pipeline's app (its one reference); cap the size of HTTP bodies."""
        self.pipeline.app = app
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, self.max_body_bytes)


async def protect_store(app: Sanic, _loop: Any = None) -> None:
    """after_server_start: an SQLite tracker store made before this version gets mode 600."""
    store = getattr(app.ctx, "agent", None) and app.ctx.agent.tracker_store
    while hasattr(store, "_tracker_store"):  # FailSafeTrackerStore and the like
        store = store._tracker_store
    url = getattr(getattr(store, "engine", None), "url", None)
    if url is not None and url.drivername.startswith("sqlite") and url.database:
        for path in (Path(url.database), *Path(url.database).parent.glob(Path(url.database).name + "-*")):
            if path.is_file():
                path.chmod(0o600)


def peer(request: Request) -> Optional[str]:
    """The client's address: the one a trusted proxy forwarded (Sanic's PROXIES_COUNT,
    REAL_IP_HEADER, FORWARDED_SECRET; README, "Safe to expose"), else the TCP peer."""
    return request.remote_addr or request.ip or None


def _sender(value: Any) -> str:
    if not isinstance(value, str) or not SENDER.fullmatch(value):
        raise BadRequest("'sender' must be a string of 1-128 letters, digits, '_', '-', '.' or ':'")
    return value


def with_language(messages: List[Dict[Text, Any]], request: Request) -> List[Dict[Text, Any]]:
    """Adds `lang` ("nl", "en", "de") to each text reply, so the widget can set the `lang`
    attribute of every message (screen readers). Read from the domain: which variation it is."""
    from vrt.core.nlg import ResponseLanguages

    agent = getattr(request.app.ctx, "agent", None)
    domain = getattr(agent, "domain", None)
    if domain is None:
        return messages
    cached = getattr(request.app.ctx, "vrt_response_languages", None)
    if cached is None or cached[0] is not domain:
        cached = (domain, ResponseLanguages(domain.responses))
        request.app.ctx.vrt_response_languages = cached
    for message in messages:
        language = cached[1].of(message.get("text", ""))
        if language:
            message["lang"] = language
    return messages


class RestInput(ChannelBase, rest.RestInput):
    """POST /webhooks/rest/webhook {"sender": "...", "message": "...", "metadata": {...}}."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        return cls(credentials)

    def __init__(self, credentials: Optional[Dict[Text, Any]] = None) -> None:
        self.set_up(credentials)

    @staticmethod
    def parse(body: bytes) -> Dict[str, Any]:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body must be JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object")
        if not isinstance(data.get("message"), str):
            raise BadRequest("'message' must be a string")
        metadata = data.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequest("'metadata' must be an object")
        return {"sender": _sender(data.get("sender")), "message": data["message"], "metadata": metadata}

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("vrt_rest_webhook", __name__)
        self.listen(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # The emergency net of config.yml for the widget, which shows "Bel nu 112" at once
        # (vrt.nlu.emergency.client_net). Static per server start: browsers and nginx may cache it.
        emergency_net = client_net(self.pipeline.step(PrivacyGate).guard.emergency)

        @webhook.route("/emergency", methods=["GET"])
        async def emergency(_: Request) -> HTTPResponse:
            return response.json(emergency_net, headers={"Cache-Control": "public, max-age=300"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                data = self.parse(request.body)
            except BadRequest as reason:
                return response.json({"error": str(reason)}, status=400)
            collector = CollectingOutputChannel()
            turn = await self.pipeline.run(
                on_new_message,
                collector,
                data["sender"],
                self.name(),
                data["message"],
                data["metadata"],
                client_address=peer(request),
            )
            if turn.retry_after:
                return response.json(
                    with_language(collector.messages, request),
                    status=429,
                    headers={"Retry-After": str(turn.retry_after)},
                )
            return response.json(with_language(collector.messages, request))

        # The widget's banner: the active crisis notices (read-only).
        notices = self.pipeline.step(Notices)

        @webhook.route("/notice", methods=["GET"])
        async def notice(request: Request) -> HTTPResponse:  # Sanic routes need a function
            return await notices.serve(request)

        return webhook


class _SocketIOOutput(socketio.SocketIOOutput):
    """Rasa's socket.io output that also keeps what it sent (CountingOutputChannel.delivered)."""

    def __init__(self, sio: Any, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.messages: List[Dict[str, Any]] = []

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.messages.append(response)
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        # Rasa 3.6 passes the custom object's keys to sio.emit() as arguments, so an answer's
        # source ({"bron": ...}) raised a TypeError that ended the turn before it was stored.
        # One bot_uttered event, shaped as in the REST answer.
        await self._send_message(recipient_id, {"custom": json_message})


class SocketIOInput(ChannelBase, socketio.SocketIOInput):
    """Rasa's socket.io channel with the turn pipeline and an origin allow-list."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SocketIOInput":
        credentials = credentials or {}
        channel = super().from_credentials({k: v for k, v in credentials.items() if k not in OPTIONS})
        channel.set_up(credentials)
        return channel

    def allowed_origin(self, origin: Optional[str]) -> bool:
        """Browsers send an Origin header; it must be one the server allows for REST (CORS)."""
        from sanic_cors.core import try_match_any

        app = self.pipeline.app
        cors = getattr(app.ctx, "sanic_cors", None) if app else None
        origins = [o for _, options in getattr(cors, "resources", []) for o in options.get("origins") or []]
        return bool(origin) and (".*" in origins or try_match_any(origin, [o for o in origins if o]))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = super().blueprint(on_new_message)  # Rasa's routes; handlers replaced below
        self.listen(webhook)
        sio = self.sio
        sio.eio.cors_allowed_origins = self.allowed_origin
        # sanic-cors (`rasa run --cors`) already sets the CORS headers on /socket.io/ responses;
        # engineio's own copy would make browsers reject the doubled Access-Control-Allow-Origin.
        sio.eio._cors_headers = lambda environ: []
        sio.eio.max_http_buffer_size = self.max_body_bytes
        guard_heartbeat(sio.eio)  # CVE-2026-48802 (vrt/channels/heartbeat.py)

        async def session_request(sid: Text, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not (isinstance(session_id, str) and SENDER.fullmatch(session_id)):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        async def handle_message(sid: Text, data: Any) -> None:
            output = _SocketIOOutput(sio, self.bot_message_evt)
            data = data if isinstance(data, dict) else {}
            sender_id = sid
            if self.session_persistence:
                session_id = data.get("session_id")
                if not (isinstance(session_id, str) and SENDER.fullmatch(session_id)):
                    await output.send_text_message(sid, guard.UNREADABLE)
                    return
                sender_id = session_id
            # rasa-webchat opens without a message when the site sets no initPayload: that is
            # the empty opening message, answered with the greeting.
            text = data.get("message", "")
            if not isinstance(text, str):
                await output.send_text_message(sender_id, guard.UNREADABLE)
                return
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            await self.pipeline.run(
                on_new_message,
                output,
                sender_id,
                self.name(),
                text,
                metadata,
                client_address=client_address(sid),
            )

        def client_address(sid: Text) -> Optional[str]:
            # engineio's Sanic driver sets REMOTE_ADDR to 127.0.0.1 for everyone; the request
            # it keeps has the real peer (request.ip, or the proxy's forwarded address).
            environ = sio.get_environ(sid, namespace=self.namespace) or {}
            request = environ.get("sanic.request")
            return peer(request) if request is not None else environ.get("REMOTE_ADDR")

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return webhook
