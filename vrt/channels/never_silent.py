"""A step of a turn (vrt/channels/turn.py): a resident always gets a reply.

Rasa sends nothing when a custom action fails (the action server is down or its connection
is reset: the processor logs the error and goes on without events) and nothing useful when
the tracker store fails. This step reads what the turn sent; when it was nothing, it sends
`utter_storing_actieserver`, and when the tracker store was unavailable or the turn failed before
anything was sent (the lock store down), `utter_storing_opslag`, which says 112 first.
Both texts are in domain.yml.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from vrt.core.tracker_store import TrackerStoreUnavailable

if TYPE_CHECKING:
    from vrt.channels.turn import Pipeline, Rest, Turn

logger = logging.getLogger(__name__)

NO_REPLY_RESPONSE = "utter_storing_actieserver"
STORE_UNAVAILABLE_RESPONSE = "utter_storing_opslag"


class NeverSilent:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def __call__(self, turn: Turn, rest: Rest) -> None:
        before = turn.output.sent
        try:
            await rest(turn)
        except TrackerStoreUnavailable:
            # The store logged what failed; this turn is neither answered nor stored.
            await self.send(turn, STORE_UNAVAILABLE_RESPONSE)
            return
        except Exception:  # noqa: BLE001 - logged here without the message; the resident gets a reply
            logger.exception("Handling a message failed.")
            if turn.output.sent == before:
                # Not handled at all (e.g. the Redis lock store is down): it may have been an
                # emergency, so the reply that says 112 first.
                await self.send(turn, STORE_UNAVAILABLE_RESPONSE)
                return
        if turn.output.sent == before:
            logger.error(
                "The bot sent nothing in this turn (see the error above, usually the action "
                f"server); sent {NO_REPLY_RESPONSE} instead."
            )
            await self.send(turn, NO_REPLY_RESPONSE)

    async def send(self, turn: Turn, response: str) -> None:
        # The store's own outage message goes without reading the store.
        await self.pipeline.send(
            turn, response, in_conversation_language=response != STORE_UNAVAILABLE_RESPONSE
        )
