"""A step of a turn (vrt/channels/turn.py): the active crisis notice in every answer of the
REST and socket.io channels.

A rule cannot know whether a notice is active; the channel can. After the rest of the turn
(NeverSilent and Rasa), while a notice is active (read from the tracker store's database, at
most CACHE_SECONDS old):

- the answer was about the notice (a response `utter_melding...`, sent by
  action_actuele_melding): nothing is added;
- the answer was the 112 answer (`utter_noodgeval`), or the action server could not answer
  (`utter_storing_actieserver`): the whole notice follows, so "Bel nu 112" stays first;
- any other answer, the greeting too: one line points to the notice (`utter_melding_wijzer`);
- the conversation store was unavailable (`utter_storing_opslag`), or the notices cannot be read
  within READ_WAIT_S: nothing is added (the notice itself is never guessed).

These messages are sent, not stored in the conversation. The REST channel also serves the
widget's banner: GET /webhooks/rest/notice -> {"notices": [...]} (read-only, `serve`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, List, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from vrt.channels.never_silent import NO_REPLY_RESPONSE, STORE_UNAVAILABLE_RESPONSE
from vrt.notices import notices as n
from vrt.notices.store import ActiveNotices, NoticeStoreError, for_tracker_store

if TYPE_CHECKING:
    from vrt.channels.turn import Pipeline, Rest, Turn

logger = logging.getLogger(__name__)

EMERGENCY_RESPONSE = "utter_noodgeval"
# After these the whole notice follows: an emergency, or an answer the action server could not give.
FULL_NOTICE_AFTER = {EMERGENCY_RESPONSE, NO_REPLY_RESPONSE}
# A reply waits at most this long for the notices (a locked SQLite file waits 5 s); the read
# goes on in its thread and fills the cache for the next turn.
READ_WAIT_S = 1.0


class Notices:
    """The active notices of one channel (cached); the store is the server's tracker store."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.active = ActiveNotices(self._open_store)

    def _open_store(self) -> Any:
        store = for_tracker_store(self.pipeline.app.ctx.agent.tracker_store)
        if store is None:
            logger.warning("No SQL or Redis tracker store: crisis notices are off.")
        return store

    async def current(self) -> Optional[List[n.Notice]]:
        """The active notices; None when they cannot be read (logged) or not within READ_WAIT_S."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.active), READ_WAIT_S)
        except NoticeStoreError:
            return None
        except asyncio.TimeoutError:
            logger.warning(f"Notices not read within {READ_WAIT_S:g} s; this reply goes without them.")
            return None

    async def __call__(self, turn: Turn, rest: Rest) -> None:
        before = turn.output.sent
        await rest(turn)
        sent = [name or "" for name in turn.output.responses[before:]]
        if (
            not sent
            or STORE_UNAVAILABLE_RESPONSE in sent  # the database does not answer now
            or any(name.startswith(n.NOTICE_RESPONSE_PREFIX) for name in sent)
        ):
            return
        notices = await self.current()
        if not notices:
            return
        if FULL_NOTICE_AFTER.intersection(sent):
            for notice in notices:
                await self.pipeline.send(
                    turn, notice.response, in_conversation_language=True, **notice.template_values()
                )
        else:
            titles = "; ".join(notice.title for notice in notices)
            await self.pipeline.send(turn, n.POINTER_RESPONSE, in_conversation_language=True, titels=titles)

    async def serve(self, _: Request) -> HTTPResponse:
        notices = await self.current()
        if notices is None:
            return response.json({"error": "notices unavailable"}, status=503)
        return response.json(
            {"notices": [notice.public() for notice in notices]}, headers={"Cache-Control": "no-cache"}
        )
