"""Rasa's SQL tracker store, made to fail loudly and briefly instead of silently.

Rasa wraps every tracker store in FailSafeTrackerStore: when the database fails it answers
without the conversation's context and keeps the turn in memory only, and SQLite calls block
the server's one event loop while they wait for a lock. This store (endpoints.yml
`type: vrt_faults.tracker_store.StrictSQLTrackerStore`):

* waits out a short lock (SQLite busy timeout `busy_timeout`, default 5 s) in a worker thread,
  so other conversations and the server's endpoints go on meanwhile;
* after that, or when the database is corrupt or down, logs one clear line and raises
  TrackerStoreUnavailable, which ends the turn: vrt_faults.channels then sends the resident
  `utter_storing_opslag`. Nothing is answered without context, nothing is kept in memory;
* opens a fresh connection for every call (SQLite) or pings pooled ones (PostgreSQL), so it
  recovers by itself when the database is back;
* refuses to start, naming the file, when the SQLite file is corrupt.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from vrt_faults.sqlite_file import TrackerFileError, check_sqlite_file

logger = logging.getLogger(__name__)


class TrackerStoreUnavailable(BaseException):
    """The conversation store cannot be read or written right now.

    A BaseException on purpose: FailSafeTrackerStore, which Rasa puts around every tracker
    store, catches every Exception and carries on without the store. This one passes through
    to the channel (vrt_faults.channels), which ends the turn with a polite reply.
    """


class TrackerStoreFileError(RasaException):
    """Raised at start-up; Rasa prints a RasaException's message without a stack trace."""


class StrictSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        db: Text = "rasa.db",
        query: Optional[Dict] = None,
        busy_timeout: float = 5.0,
        **kwargs: Any,
    ) -> None:
        query = dict(query or {})
        if dialect == "sqlite":
            try:
                check_sqlite_file(Path(db))
            except TrackerFileError as error:
                raise TrackerStoreFileError(str(error)) from error
            query.setdefault("timeout", str(busy_timeout))
        super().__init__(domain=domain, dialect=dialect, db=db, query=query, **kwargs)
        self.location = db if dialect == "sqlite" else f"{dialect} database {db!r}"
        self.busy_timeout = busy_timeout
        self.available = True
        if self.engine.dialect.name != "sqlite":
            # A pooled connection is tested before use, so the first turn after the database
            # came back does not fail on a connection the restart closed.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _in_thread(self, function: Callable, *args: Any) -> Any:
        try:
            result = await asyncio.to_thread(function, *args)
        except sqlalchemy.exc.SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            logger.error(
                f"Tracker store {self.location} unavailable ({reason}; SQLite waits "
                f"{self.busy_timeout:g} s for a lock). This turn is not answered and not "
                f"stored; the resident is asked to try again. Nothing falls back to memory."
            )
            self.available = False
            raise TrackerStoreUnavailable(str(reason)) from error
        if not self.available:
            logger.warning(f"Tracker store {self.location} is available again.")
            self.available = True
        return result

    def _read_events(self, sender_id: Text, all_sessions: bool) -> List[Dict]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            return [json.loads(row.data) for row in rows]

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        events = await self._in_thread(self._read_events, sender_id, fetch_events_from_all_sessions)
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _write_new_events(self, tracker: DialogueStateTracker) -> None:
        # SQLTrackerStore.save without the event broker, which must stay on the event loop.
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._in_thread(self._write_new_events, tracker)
