"""Rasa's SQL tracker store, made to fail loudly and briefly instead of silently.

Rasa wraps every tracker store in FailSafeTrackerStore: when the database fails it answers
without the conversation's context and keeps the turn in memory only, and SQLite calls block
the server's one event loop while they wait for a lock. This store (endpoints.yml
`type: vrt.core.tracker_store.StrictSQLTrackerStore`):

* waits out a short lock (SQLite busy timeout `busy_timeout`, default 5 s) in a worker thread,
  so other conversations and the server's endpoints go on meanwhile;
* after that, or when the database is corrupt or down, logs one clear line and raises
  TrackerStoreUnavailable, which ends the turn: vrt.channels.never_silent then sends the resident
  `utter_storing_opslag`. Nothing is answered without context, nothing is kept in memory;
* opens a fresh connection for every call (SQLite) or pings pooled ones (PostgreSQL), so it
  recovers by itself when the database is back;
* refuses to start, naming the file, when the SQLite file is corrupt;
* keeps the conversations it read last in memory (TrackerCache), so a turn reads only the
  events written since, instead of reloading and replaying the whole session.

CachedRedisTrackerStore (deploy/endpoints.redis.yml) is Rasa's Redis tracker store that parses
a stored conversation only when its stored text changed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from vrt.core.sqlite_file import TrackerFileError, check_sqlite_file

logger = logging.getLogger(__name__)


class TrackerStoreUnavailable(BaseException):
    """The conversation store cannot be read or written right now.

    A BaseException on purpose: FailSafeTrackerStore, which Rasa puts around every tracker
    store, catches every Exception and carries on without the store. This one passes through
    to the channel (vrt.channels.never_silent), which ends the turn with a polite reply.
    """


class TrackerStoreFileError(RasaException):
    """Raised at start-up; Rasa prints a RasaException's message without a stack trace."""


@dataclass(frozen=True)
class CachedSession:
    """The current session of one conversation as `retrieve` returns it, and the store's state then."""

    last_id: int  # highest event row id of the conversation
    count: int  # event rows of the conversation with an id up to last_id (all sessions)
    events: tuple  # Event objects of the current session; never changed in place


class TrackerCache:
    """The current sessions of the conversations this process read last (LRU).

    Never trusted blindly: every read checks the store's (highest row id, row count) of the
    conversation first. Unchanged: the cached events are the answer. Only appended (another
    replica or this one wrote since): only the new rows are read. Anything else (rows
    deleted by `make forget`, a new session started): the session is read in full. The lock
    store gives one writer per conversation at a time, so the check and the read see the
    same rows; a later check catches a row that was still being committed.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._sessions: "OrderedDict[str, CachedSession]" = OrderedDict()
        self._lock = threading.Lock()  # reads run in worker threads

    def get(self, sender_id: str) -> Optional[CachedSession]:
        with self._lock:
            cached = self._sessions.get(sender_id)
            if cached is not None:
                self._sessions.move_to_end(sender_id)
            return cached

    def put(self, sender_id: str, session: Optional[CachedSession]) -> None:
        with self._lock:
            self._sessions.pop(sender_id, None)
            if session is not None and self.size > 0:
                self._sessions[sender_id] = session
                while len(self._sessions) > self.size:
                    self._sessions.popitem(last=False)


class StrictSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        db: Text = "rasa.db",
        query: Optional[Dict] = None,
        busy_timeout: float = 5.0,
        tracker_cache_size: int = 1000,
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
        self.cache = TrackerCache(int(tracker_cache_size))
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

    def _read_events(self, sender_id: Text, all_sessions: bool) -> List[Event]:
        with self.session_scope() as session:
            if not all_sessions:
                return self._read_current_session(session, sender_id)
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=True).all()
            return deserialise_events([json.loads(row.data) for row in rows])

    def _read_current_session(self, session: Any, sender_id: Text) -> List[Event]:
        """The current session's events: from the cache, plus the rows written since (TrackerCache)."""
        event = self.SQLEvent
        last_id, count = (
            session.query(sa.func.max(event.id), sa.func.count(event.id))
            .filter(event.sender_id == sender_id)
            .one()
        )
        cached = self.cache.get(sender_id)
        if cached and (cached.last_id, cached.count) == (last_id, count):
            return list(cached.events)
        if cached and last_id is not None and count > cached.count:
            rows = (
                session.query(event)
                .filter(event.sender_id == sender_id, event.id > cached.last_id)
                .order_by(event.id)
                .all()
            )
            if cached.count + len(rows) == count and all(
                r.type_name != SessionStarted.type_name for r in rows
            ):
                events = cached.events + tuple(deserialise_events([json.loads(r.data) for r in rows]))
                self.cache.put(sender_id, CachedSession(rows[-1].id, count, events))
                return list(events)
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        events = tuple(deserialise_events([json.loads(row.data) for row in rows]))
        entry = None
        if rows:
            last_id = max(row.id for row in rows)
            count = (
                session.query(sa.func.count(event.id))
                .filter(event.sender_id == sender_id, event.id <= last_id)
                .scalar()
            )
            entry = CachedSession(last_id, count, events)
        self.cache.put(sender_id, entry)
        return list(events)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        events = await self._in_thread(self._read_events, sender_id, fetch_events_from_all_sessions)
        if self.domain and events:
            # Replaying Event objects is cheap; parsing them from JSON is what costs.
            return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
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


class CachedRedisTrackerStore(RedisTrackerStore):
    """Rasa's Redis tracker store, parsing a stored conversation only when it changed.

    Redis keeps a conversation as one JSON text; Rasa parses all of it at every read and again
    at every save. The last text this process read or wrote per conversation is kept with its
    parsed events (LRU, `tracker_cache_size`): when Redis returns the same text, the events are
    reused. Validated by the text itself, so another replica's write is always seen.
    """

    def __init__(self, domain: Domain, tracker_cache_size: int = 1000, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        self.cache_size = int(tracker_cache_size)
        self._parsed: "OrderedDict[str, tuple]" = OrderedDict()  # sender -> (text, Dialogue)

    def _remember(self, sender_id: Text, text: Any, dialogue: Dialogue) -> None:
        self._parsed.pop(sender_id, None)
        if self.cache_size > 0:
            self._parsed[sender_id] = (text, dialogue)
            while len(self._parsed) > self.cache_size:
                self._parsed.popitem(last=False)

    def deserialise_tracker(self, sender_id: Text, serialised_tracker: Any) -> Optional[DialogueStateTracker]:
        known = self._parsed.get(sender_id)
        if known is not None and known[0] == serialised_tracker:
            self._parsed.move_to_end(sender_id)
            dialogue = known[1]
        else:
            tracker = super().deserialise_tracker(sender_id, serialised_tracker)
            self._remember(sender_id, serialised_tracker, tracker.as_dialogue())
            return tracker
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(dialogue.name, list(dialogue.events)))
        return tracker

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        """RedisTrackerStore.save, remembering the text it wrote."""
        await self.stream_events(tracker)
        if not timeout and self.record_exp:
            timeout = self.record_exp
        stored = self.red.get(self.key_prefix + tracker.sender_id)
        if stored is not None:
            tracker = self._merge_trackers(self.deserialise_tracker(tracker.sender_id, stored), tracker)
        dialogue = tracker.as_dialogue()
        text = json.dumps(dialogue.as_dict())
        self.red.set(self.key_prefix + tracker.sender_id, text, ex=timeout)
        # Rasa's client decodes responses: the next read returns this very str.
        self._remember(tracker.sender_id, text, Dialogue(dialogue.name, list(dialogue.events)))
