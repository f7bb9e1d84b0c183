"""Where notices are kept: next to the conversations, in the tracker store's own database.

- SQL tracker store (SQLite, PostgreSQL): tables `notices` and `notice_audit` in the same
  database. Every Rasa server, the action server and `make notice` open the same database, so
  a notice published once is seen by every replica, with no new service.
- Redis tracker store: the keys `vrt/notices:notices` (a hash: id -> notice as JSON),
  `vrt/notices:audit` (a list) and `vrt/notices:next_id` in the same Redis database.

The staff command and the action server find the store in the endpoints file (VRT_ENDPOINTS,
default endpoints.yml) without importing Rasa; the Rasa server uses its own tracker store's
connection (`for_tracker_store`). `ActiveNotices` keeps the notices for a few seconds, so a
notice appears within CACHE_SECONDS of being published, and it checks the end time at every
call, so a notice vanishes at its end time exactly.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import sqlalchemy as sa
import yaml

from vrt.notices.notices import Notice

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
ENDPOINTS_ENV = "VRT_ENDPOINTS"
DEFAULT_ENDPOINTS = "endpoints.yml"
_ENV_VAR = re.compile(r"\$\{([^}]+)\}")


class NoticeStoreError(RuntimeError):
    """The notices cannot be read or written (database down, wrong configuration)."""


class UnknownNotice(LookupError):
    pass


class NoticeStore:
    """publish, end and read notices; every change is written to the audit trail too."""

    def publish(self, notice: Notice) -> Notice:
        raise NotImplementedError

    def end(self, notice_id: int, by: str, now: float) -> Notice:
        raise NotImplementedError

    def notices(self) -> List[Notice]:
        """Every notice, newest first."""
        raise NotImplementedError

    def not_ended(self, now: float) -> List[Notice]:
        """The notices active now or later (what ActiveNotices keeps)."""
        return [notice for notice in self.notices() if notice.ends_at > now]

    def audit(self) -> List[Dict[str, Any]]:
        """Every change, oldest first: action, notice_id, by, at, notice (as it was then)."""
        raise NotImplementedError


def _ended(notice: Notice, by: str, now: float) -> Notice:
    if notice.ends_at <= now:
        raise UnknownNotice(f"notice {notice.id} has already ended")
    return Notice.from_row({**notice.as_row(), "ends_at": max(now, notice.starts_at), "ended_by": by})


metadata = sa.MetaData()
notices_table = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_en", sa.Text),
    sa.Column("municipalities", sa.Text, nullable=False),  # JSON list
    sa.Column("starts_at", sa.Float, nullable=False),
    sa.Column("ends_at", sa.Float, nullable=False, index=True),
    sa.Column("link", sa.String(500)),
    sa.Column("published_by", sa.String(200), nullable=False),
    sa.Column("published_at", sa.Float, nullable=False),
    sa.Column("ended_by", sa.String(200)),
)
audit_table = sa.Table(
    "notice_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("notice_id", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # publish | end
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("notice", sa.Text, nullable=False),  # the notice after the change, as JSON
)


def _to_db(notice: Notice) -> Dict[str, Any]:
    row = notice.as_row()
    row["municipalities"] = json.dumps(list(notice.municipalities))
    row.pop("id")
    return row


def _from_db(row: Any) -> Notice:
    values = dict(row._mapping)
    values["municipalities"] = json.loads(values["municipalities"])
    return Notice.from_row(values)


class SQLNoticeStore(NoticeStore):
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self._tables_made = False

    def _tables(self) -> None:
        if self._tables_made:
            return
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except sa.exc.SQLAlchemyError:
            # Another process made them at the same moment; anything else fails below.
            if not sa.inspect(self.engine).has_table("notice_audit"):
                raise
        self._tables_made = True

    def _audit(self, connection: Any, action: str, notice: Notice, by: str, at: float) -> None:
        connection.execute(
            audit_table.insert().values(
                notice_id=notice.id, action=action, by=by, at=at, notice=json.dumps(notice.as_row())
            )
        )

    def publish(self, notice: Notice) -> Notice:
        self._tables()
        with self.engine.begin() as connection:
            result = connection.execute(notices_table.insert().values(**_to_db(notice)))
            notice = Notice.from_row({**notice.as_row(), "id": result.inserted_primary_key[0]})
            self._audit(connection, "publish", notice, notice.published_by, notice.published_at)
        return notice

    def end(self, notice_id: int, by: str, now: float) -> Notice:
        self._tables()
        with self.engine.begin() as connection:
            row = connection.execute(notices_table.select().where(notices_table.c.id == notice_id)).first()
            if row is None:
                raise UnknownNotice(f"there is no notice {notice_id}")
            notice = _ended(_from_db(row), by, now)
            connection.execute(
                notices_table.update()
                .where(notices_table.c.id == notice_id)
                .values(ends_at=notice.ends_at, ended_by=by)
            )
            self._audit(connection, "end", notice, by, now)
        return notice

    def notices(self) -> List[Notice]:
        self._tables()
        with self.engine.connect() as connection:
            rows = connection.execute(notices_table.select().order_by(notices_table.c.id.desc()))
            return [_from_db(row) for row in rows]

    def not_ended(self, now: float) -> List[Notice]:
        self._tables()
        query = (
            notices_table.select().where(notices_table.c.ends_at > now).order_by(notices_table.c.id.desc())
        )
        with self.engine.connect() as connection:
            return [_from_db(row) for row in connection.execute(query)]

    def audit(self) -> List[Dict[str, Any]]:
        self._tables()
        with self.engine.connect() as connection:
            rows = connection.execute(audit_table.select().order_by(audit_table.c.id))
            return [{**dict(row._mapping), "notice": json.loads(row.notice)} for row in rows]


class RedisNoticeStore(NoticeStore):
    PREFIX = "vrt/notices:"

    def __init__(self, client: Any) -> None:
        self.red = client
        self.notices_key = self.PREFIX + "notices"
        self.audit_key = self.PREFIX + "audit"
        self.id_key = self.PREFIX + "next_id"

    def _entry(self, action: str, notice: Notice, by: str, at: float) -> str:
        return json.dumps(
            {"notice_id": notice.id, "action": action, "by": by, "at": at, "notice": notice.as_row()}
        )

    def publish(self, notice: Notice) -> Notice:
        notice = Notice.from_row({**notice.as_row(), "id": int(self.red.incr(self.id_key))})
        with self.red.pipeline() as pipe:  # MULTI/EXEC: the notice and its audit entry together
            pipe.hset(self.notices_key, str(notice.id), json.dumps(notice.as_row()))
            pipe.rpush(
                self.audit_key, self._entry("publish", notice, notice.published_by, notice.published_at)
            )
            pipe.execute()
        return notice

    def end(self, notice_id: int, by: str, now: float) -> Notice:
        from redis.exceptions import WatchError

        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(self.notices_key)
                    raw = pipe.hget(self.notices_key, str(notice_id))
                    if raw is None:
                        raise UnknownNotice(f"there is no notice {notice_id}")
                    notice = _ended(Notice.from_row(json.loads(raw)), by, now)
                    pipe.multi()
                    pipe.hset(self.notices_key, str(notice_id), json.dumps(notice.as_row()))
                    pipe.rpush(self.audit_key, self._entry("end", notice, by, now))
                    pipe.execute()
                    return notice
                except WatchError:
                    continue

    def notices(self) -> List[Notice]:
        notices = [Notice.from_row(json.loads(raw)) for raw in self.red.hvals(self.notices_key)]
        return sorted(notices, key=lambda notice: notice.id, reverse=True)

    def audit(self) -> List[Dict[str, Any]]:
        return [json.loads(raw) for raw in self.red.lrange(self.audit_key, 0, -1)]


def _expand(value: Any) -> Any:
    """Environment variables (written with a dollar sign and braces) in the endpoints file, as Rasa expands them."""
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    if isinstance(value, str):

        def variable(match: re.Match) -> str:
            if match.group(1) not in os.environ:
                raise NoticeStoreError(f"the endpoints file needs the environment variable {match.group(1)}")
            return os.environ[match.group(1)]

        return _ENV_VAR.sub(variable, value)
    return value


def endpoints_file() -> Path:
    return Path(os.environ.get(ENDPOINTS_ENV) or DEFAULT_ENDPOINTS)


def open_store(path: Optional[Path] = None) -> NoticeStore:
    """The notice store of the tracker store in an endpoints file (default: VRT_ENDPOINTS)."""
    path = Path(path or endpoints_file())
    try:
        config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store")
    except (OSError, yaml.YAMLError) as error:
        raise NoticeStoreError(f"cannot read the endpoints file {path}: {error}") from error
    if not isinstance(config, dict):
        raise NoticeStoreError(
            f"{path} has no tracker_store: notices are kept in the tracker store's database"
        )
    config = _expand(config)
    kind = str(config.get("type") or "")
    if kind == "redis" or kind.endswith("RedisTrackerStore"):
        import redis

        return RedisNoticeStore(
            redis.StrictRedis(
                host=config.get("url") or "localhost",
                port=int(config.get("port") or 6379),
                db=int(config.get("db") or 0),
                password=config.get("password"),
                ssl=bool(config.get("use_ssl")),
                socket_timeout=5,
            )
        )
    if kind.lower() == "sql" or kind.endswith("SQLTrackerStore"):
        return SQLNoticeStore(_sql_engine(config))
    raise NoticeStoreError(f"{path}: notices need an SQL or Redis tracker store, not {kind or 'none'!r}")


def _sql_engine(config: Dict[str, Any]) -> sa.engine.Engine:
    dialect = config.get("dialect") or "sqlite"
    query = {str(key): str(value) for key, value in (config.get("query") or {}).items()}
    if dialect == "sqlite":
        url = sa.engine.url.URL.create("sqlite", database=config.get("db") or "rasa.db")
        return sa.create_engine(url, connect_args={"timeout": float(config.get("busy_timeout", 5))})
    host = config.get("url")
    if host and "://" in host:
        url = sa.engine.url.make_url(host)
    else:
        url = sa.engine.url.URL.create(
            dialect,
            username=config.get("username"),
            password=config.get("password"),
            host=host,
            port=int(config["port"]) if config.get("port") else None,
            database=config.get("db"),
            query=query,
        )
    return sa.create_engine(url, pool_pre_ping=True)


def for_tracker_store(tracker_store: Any) -> Optional[NoticeStore]:
    """The notice store on the Rasa server's own tracker-store connection (None: in memory)."""
    while hasattr(tracker_store, "_tracker_store"):  # FailSafeTrackerStore and the like
        tracker_store = tracker_store._tracker_store
    if isinstance(getattr(tracker_store, "engine", None), sa.engine.Engine):
        return SQLNoticeStore(tracker_store.engine)
    if hasattr(tracker_store, "red"):
        return RedisNoticeStore(tracker_store.red)
    return None


class ActiveNotices:
    """The active notices, read from the store at most every `seconds` seconds (thread-safe)."""

    def __init__(
        self, open_store: Callable[[], Optional[NoticeStore]], seconds: float = CACHE_SECONDS
    ) -> None:
        self.open_store = open_store
        self.seconds = seconds
        self._store: Optional[NoticeStore] = None
        self._opened = False
        self._notices: List[Notice] = []
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, now: Optional[float] = None) -> List[Notice]:
        """Active notices, newest first. NoticeStoreError when they cannot be read."""
        now = time.time() if now is None else now
        with self._lock:
            if time.monotonic() - self._read_at >= self.seconds:
                try:
                    if not self._opened:
                        self._store = self.open_store()
                        self._opened = True
                    self._notices = self._store.not_ended(now) if self._store else []
                except NoticeStoreError:
                    raise
                except Exception as error:  # noqa: BLE001 - any database error: unknown, never "none"
                    logger.warning(f"Notices cannot be read: {error}")
                    raise NoticeStoreError(str(error)) from error
                self._read_at = time.monotonic()
            return [notice for notice in self._notices if notice.active(now)]
