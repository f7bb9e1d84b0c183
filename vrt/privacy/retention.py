"""Delete conversations from the tracker store: everything older than N days, or one resident's.

    make purge                      # events older than VRT_RETENTION_DAYS (30) days
    make purge ARGS="--days 7"
    make forget SENDER=<conversation id>

The tracker store is the one of the endpoints file the Rasa server uses (VRT_ENDPOINTS,
default endpoints.yml): Rasa's SQL store (SQLite, PostgreSQL: the `events` table) or its
Redis store (one JSON value per conversation). Safe while the bot runs: SQL deletes are
one transaction; a Redis conversation is rewritten with WATCH/MULTI, so a reply saved at
the same moment is never lost (the purge retries that conversation).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Optional

DEFAULT_DAYS = 30


def open_store(endpoints_file: str) -> Any:
    """Rasa's own tracker store for the endpoints file (unwrapped from fail-safe wrappers)."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
    if endpoints.tracker_store is None:
        raise SystemExit(f"{endpoints_file} has no tracker_store: conversations are only kept in memory")
    store = TrackerStore.create(endpoints.tracker_store)
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def _is_redis(store: Any) -> bool:
    return hasattr(store, "red") and hasattr(store, "key_prefix")


def purge(store: Any, days: float, now: Optional[float] = None) -> int:
    """Deletes every event older than `days` days; returns how many."""
    cutoff = (now or time.time()) - days * 86400
    if _is_redis(store):
        return sum(_trim_redis(store, key, cutoff) for key in store.red.scan_iter(store.key_prefix + "*"))
    with store.session_scope() as session:
        deleted = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.timestamp < cutoff)
            .delete(synchronize_session=False)
        )
        session.commit()
    return deleted


def forget(store: Any, sender_id: str) -> int:
    """Deletes one conversation; returns the number of events deleted."""
    if _is_redis(store):
        key = store.key_prefix + sender_id
        raw = store.red.get(key)
        store.red.delete(key)
        return len(json.loads(raw).get("events", [])) if raw else 0
    with store.session_scope() as session:
        deleted = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
    return deleted


def _trim_redis(store: Any, key: Any, cutoff: float) -> int:
    from redis.exceptions import WatchError

    with store.red.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                if raw is None:
                    return 0
                tracker = json.loads(raw)
                events = tracker.get("events") or []
                kept = [e for e in events if (e.get("timestamp") or 0) >= cutoff]
                if len(kept) == len(events):
                    pipe.unwatch()
                    return 0
                pipe.multi()
                if kept:
                    tracker["events"] = kept
                    if not any(e.get("event") == "user" for e in kept):
                        tracker.pop("latest_message", None)
                    pipe.set(key, json.dumps(tracker), keepttl=True)
                else:
                    pipe.delete(key)
                pipe.execute()
                return len(events) - len(kept)
            except WatchError:
                continue  # the bot saved this conversation just now: read it again


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vrt.privacy.retention",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--endpoints", default=os.environ.get("VRT_ENDPOINTS", "endpoints.yml"))
    commands = parser.add_subparsers(dest="command", required=True)
    purge_cmd = commands.add_parser("purge", help="delete events older than --days days")
    purge_cmd.add_argument(
        "--days", type=float, default=float(os.environ.get("VRT_RETENTION_DAYS", DEFAULT_DAYS))
    )
    forget_cmd = commands.add_parser("forget", help="delete one conversation")
    forget_cmd.add_argument("sender_id")
    args = parser.parse_args(argv)

    os.umask(0o077)
    store = open_store(args.endpoints)
    if args.command == "purge":
        if args.days < 0:
            parser.error("--days must be 0 or more")
        deleted = purge(store, args.days)
        print(f"purge: deleted {deleted} events older than {args.days:g} days ({args.endpoints})")
    else:
        deleted = forget(store, args.sender_id)
        print(f"forget: deleted {deleted} events of conversation {args.sender_id!r} ({args.endpoints})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
