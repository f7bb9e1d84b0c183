"""The first step of a turn (vrt/channels/turn.py): the privacy gate.

Before anything else sees the message (the later steps, Rasa, the tracker store, the logs):
the text goes through vrt.privacy.guard (clean, payload allow-list, length cap with the
emergency net, redaction) and only the widget's feedback metadata is kept. After the rest of
the turn: the guard's notes (a too long message), and guard.SORRY when nothing at all reached
the resident. A failure of the rest of the turn is logged with a short redacted excerpt, never
the whole message.

Option in credentials.yml, per channel: max_message_chars (1000): longer messages get a short
Dutch note instead of an answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, FrozenSet, Optional

from vrt.privacy import guard
from vrt.privacy.redact import default_redactor

if TYPE_CHECKING:
    from vrt.channels.turn import Pipeline, Rest, Turn

logger = logging.getLogger(__name__)


class PrivacyGate:
    """The guard of one channel, and the payloads the bot offers (read once the model is loaded)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.redactor = default_redactor()
        self.guard = guard.MessageGuard(
            self.redactor,
            guard.emergency_classifier(),
            int(pipeline.credentials.get("max_message_chars", guard.DEFAULT_MAX_MESSAGE_CHARS)),
        )
        self._payloads: Optional[FrozenSet[str]] = None

    def payloads(self) -> FrozenSet[str]:
        """Payloads the loaded model's domain and the knowledge file offer (computed once)."""
        if self._payloads is None:
            app = self.pipeline.app
            agent = getattr(app.ctx, "agent", None) if app else None
            if agent is None or agent.domain is None:
                return frozenset()  # no model yet: no payloads at all
            try:
                themes = guard.knowledge_payloads()
            except Exception:  # noqa: BLE001 - theme buttons are then read as words
                logger.exception("No policy-plan theme payloads: the knowledge file cannot be read")
                themes = []
            self._payloads = guard.offered_payloads(agent.domain.responses, [*guard.WIDGET_PAYLOADS, *themes])
        return self._payloads

    async def __call__(self, turn: Turn, rest: Rest) -> None:
        turn.metadata = guard.clean_metadata(turn.metadata, self.redactor)
        checked = self.guard.check(turn.text, self.payloads())
        turn.text = checked.text  # from here on, only the checked text
        delivered = turn.output.delivered
        if checked.text is not None:
            try:
                await rest(turn)
            except Exception:  # noqa: BLE001 - the resident gets an answer, the log an excerpt
                logger.exception("Handling the message %r failed", guard.excerpt(checked.text))
        for note in checked.notes:
            await turn.output.send_text_message(turn.sender_id, note)
        if turn.output.delivered == delivered:
            await turn.output.send_text_message(turn.sender_id, guard.SORRY)
