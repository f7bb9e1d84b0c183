"""Staff command for crisis notices (README, "Crisis notices").

    make notice ARGS="publish notice.yml"      # check the file, publish it, print its id
    make notice ARGS="list"                    # active and coming notices (--all: ended ones too)
    make notice ARGS="end 3"                   # end notice 3 now
    make notice ARGS="audit"                   # every change: what, who, when

The notices are kept in the database of the tracker store of the endpoints file the Rasa server
uses (VRT_ENDPOINTS, default endpoints.yml; --endpoints FILE). `--door NAME` says who publishes
or ends (default: the `door` field of the file, else the login user).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from typing import List, Optional

from vrt.notices.notices import Notice, NoticeError, local_time, read_notice_file
from vrt.notices.store import NoticeStoreError, UnknownNotice, endpoints_file, open_store


def login_user() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def _when(timestamp: float) -> str:
    return local_time(timestamp).strftime("%Y-%m-%d %H:%M")


def describe(notice: Notice, now: float) -> str:
    state = "active" if notice.active(now) else ("ended" if notice.ends_at <= now else "coming")
    lines = [
        f"#{notice.id} [{state}] {notice.title}",
        f"    {_when(notice.starts_at)} - {_when(notice.ends_at)}, for {', '.join(notice.municipalities)}",
        f"    published by {notice.published_by} at {_when(notice.published_at)}"
        + (f", ended by {notice.ended_by}" if notice.ended_by else ""),
    ]
    if notice.link:
        lines.append(f"    link: {notice.link}")
    lines.append("    " + notice.text.replace("\n", "\n    "))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vrt.notices",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--endpoints", default=None, help="endpoints file (default: VRT_ENDPOINTS or endpoints.yml)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser("publish", help="check a notice file and publish it")
    publish.add_argument("file")
    publish.add_argument("--door", help="who publishes (default: the file's door, else the login user)")
    listing = commands.add_parser("list", help="active and coming notices")
    listing.add_argument("--all", action="store_true", help="ended notices too")
    end = commands.add_parser("end", help="end a notice now")
    end.add_argument("id", type=int)
    end.add_argument("--door", help="who ends it (default: the login user)")
    commands.add_parser("audit", help="every change: what, who, when")
    args = parser.parse_args(argv)

    now = time.time()
    where = args.endpoints or endpoints_file()
    try:
        if args.command == "publish":
            notice = read_notice_file(args.file, now, published_by=args.door, fallback_by=login_user())
            notice = open_store(where).publish(notice)
            print(f"published notice #{notice.id} ({where}):\n{describe(notice, now)}")
        elif args.command == "list":
            store = open_store(where)
            shown = store.notices() if args.all else store.not_ended(now)
            print("\n".join(describe(n, now) for n in shown) if shown else f"no notices ({where})")
        elif args.command == "end":
            notice = open_store(where).end(args.id, args.door or login_user(), now)
            print(f"ended notice #{notice.id}:\n{describe(notice, now)}")
        else:
            for entry in open_store(where).audit():
                print(
                    f"{_when(entry['at'])}  {entry['action']:<8} #{entry['notice_id']}  by {entry['by']}:"
                    f" {entry['notice']['title']}"
                )
    except NoticeError as error:
        print(f"notice refused:\n{error}", file=sys.stderr)
        return 2
    except (UnknownNotice, NoticeStoreError) as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
