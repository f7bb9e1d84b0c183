"""One turn of the REST and socket.io channels (vrt/channels/transports.py): the steps a
resident's message passes, written once, in the order they run:

    STEPS = (RateLimit, PrivacyGate, Notices, NeverSilent)

and then Rasa (the `on_new_message` Rasa gives a channel, which calls `agent.handle_message`).
Each step wraps the steps after it: it acts before them, and after them on what they sent.

- RateLimit (vrt/channels/rate_limit.py): a token bucket per sender id and per client
  address; over the limit it answers utter_te_snel itself and the later steps and Rasa do not
  run. First, so a flood costs no work of the gate, Rasa or the store.
- PrivacyGate (vrt/channels/gate.py): checks and redacts the text (vrt.privacy.guard) and keeps
  only the widget's metadata, before any later step, Rasa or a log sees them; a too long
  message does not reach Rasa. Afterwards it sends its notes ("too long") and, when nothing at
  all reached the resident, guard.SORRY. It logs a failure of the later steps with a short
  redacted excerpt, never the whole message.
- Notices (vrt/channels/notices.py): afterwards, the active crisis notice: a pointer line, or
  the whole notice after the 112 answer or after NeverSilent's reply, which it sees because it
  runs outside NeverSilent.
- NeverSilent (vrt/channels/never_silent.py): a reply when Rasa sent nothing or failed (the
  action server, the tracker store or the lock store down).

Every message of a turn goes through ONE output, `turn.output` (CountingOutputChannel): Rasa's
replies and the steps' own, in the order the resident gets them. A step reads there what the
later steps and Rasa sent: `turn.output.responses[before:]`, the name of each response
(`utter_...`; None for a text without one), where `before = len(turn.output.responses)` when
the step started.

Adding a step: a class that the pipeline makes once per channel, `Step(pipeline)`, and calls
for every turn:

    async def __call__(self, turn: Turn, rest: Rest) -> None

It does its part and `await rest(turn)` to run the later steps and Rasa; or it does not call
`rest`, and then they do not run (a rate limit that answers itself, say). It sends a response
of the domain with `await pipeline.send(turn, "utter_...")`, a text of its own with
`await turn.output.send_text_message(turn.sender_id, text)`. `pipeline.app` is the Sanic app
(set when the server starts), `pipeline.credentials` the channel's options in credentials.yml.
Put the class into STEPS where it must run; tests/unit/test_turn.py pins the order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Type, TypeVar

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from vrt.channels.gate import PrivacyGate
from vrt.channels.never_silent import NeverSilent
from vrt.channels.notices import Notices
from vrt.channels.rate_limit import RateLimit

logger = logging.getLogger(__name__)

# The steps of a turn, outermost first (the module docstring says why in this order).
STEPS = (RateLimit, PrivacyGate, Notices, NeverSilent)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Rest = Callable[["Turn"], Awaitable[None]]
StepType = TypeVar("StepType")


class CountingOutputChannel(OutputChannel):
    """The one output of a turn. Passes every message on to the transport's output and keeps
    the name of the response each came from (`utter_action`; None for a text without one).

    The transport's output keeps what reached the resident in `messages` (Rasa's
    CollectingOutputChannel for REST, transports._SocketIOOutput for socket.io): `delivered`.
    Rasa dispatches a response there into one message or more (text split at blank lines,
    buttons, a custom object), or none when it carries nothing a channel can show."""

    def __init__(self, output: OutputChannel) -> None:
        self.output = output
        self.responses: List[Optional[Text]] = []

    def name(self) -> Text:
        # Rasa picks channel-specific response variations by this name (the REST collector's
        # is "collector"): the same as without this wrapper.
        return self.output.name()

    @property
    def sent(self) -> int:
        return len(self.responses)

    @property
    def delivered(self) -> int:
        return len(self.output.messages)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.responses.append(message.get("utter_action"))
        await self.output.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """A text of a step itself (a note of the privacy gate), not a response of the domain."""
        self.responses.append(None)
        await self.output.send_text_message(recipient_id, text, **kwargs)


@dataclass
class Turn:
    """One message of a resident, and the output its replies go through."""

    # As received; PrivacyGate replaces it by the checked, redacted text (None: Rasa is not asked).
    text: Optional[str]
    sender_id: str
    input_channel: str  # "rest", "socketio"
    output: CountingOutputChannel
    # As received; PrivacyGate keeps only the widget's feedback keys.
    metadata: Any = None
    # The client's IP address as the server sees it (RateLimit); None: unknown.
    client_address: Optional[str] = None
    # Set by RateLimit when it refused the message: seconds to wait (REST: 429, Retry-After).
    retry_after: Optional[int] = None


class Pipeline:
    """The steps of one channel's turns, and the one reference to the server they share."""

    def __init__(self, credentials: Optional[Dict[Text, Any]] = None, steps: Iterable[type] = STEPS) -> None:
        self.credentials = credentials or {}
        # Set by the channel when the server starts (before_server_start); the agent is
        # app.ctx.agent, loaded after that.
        self.app: Optional[Sanic] = None
        self.steps = [make(self) for make in steps]

    def step(self, kind: Type[StepType]) -> StepType:
        """The pipeline's step of this class (the transports serve GET routes from two)."""
        (found,) = [step for step in self.steps if isinstance(step, kind)]
        return found

    async def run(
        self,
        on_new_message: OnNewMessage,
        output: OutputChannel,
        sender_id: str,
        input_channel: str,
        text: str,
        metadata: Any = None,
        client_address: Optional[str] = None,
    ) -> Turn:
        """One turn: the steps in order, then Rasa; every message goes to `output`."""
        turn = Turn(text, sender_id, input_channel, CountingOutputChannel(output), metadata, client_address)

        async def rasa(turn: Turn) -> None:
            await on_new_message(
                UserMessage(
                    turn.text,
                    turn.output,
                    turn.sender_id,
                    input_channel=turn.input_channel,
                    metadata=turn.metadata,
                )
            )

        rest: Rest = rasa
        for step in reversed(self.steps):
            rest = _before(step, rest)
        await rest(turn)
        return turn

    async def send(
        self, turn: Turn, response: Text, in_conversation_language: bool = False, **values: Any
    ) -> None:
        """Sends a response of the domain outside Rasa's dialogue, with `values` filled in.

        `in_conversation_language`: read the conversation, so the response comes in its language
        (vrt/core/nlg.py); an empty conversation (Dutch) when the store cannot be read."""
        agent = self.app.ctx.agent
        tracker = None
        if in_conversation_language:
            try:
                tracker = await agent.tracker_store.retrieve(turn.sender_id)
            except Exception:  # noqa: BLE001 - the response matters more than its language
                logger.warning("Conversation not readable; this response goes in Dutch.")
        tracker = tracker or DialogueStateTracker(turn.sender_id, agent.domain.slots)
        message = await agent.nlg.generate(response, tracker, turn.output.name(), **values)
        await turn.output.send_response(turn.sender_id, {**message, "utter_action": response})


def _before(step: Callable[[Turn, Rest], Awaitable[None]], rest: Rest) -> Rest:
    async def run(turn: Turn) -> None:
        await step(turn, rest)

    return run
