"""Checks that a SQLite tracker-store file can be used, before the Rasa server relies on it.

Standard library only, so scripts/run.sh can call it in well under a second:
    python -m vrt.core.sqlite_file var/tracker.db
Exit status 0 when the file is usable or does not exist yet (Rasa creates it), 1 otherwise,
with a message that names the file.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Optional


class TrackerFileError(Exception):
    """The SQLite file of the tracker store is corrupt or unreadable."""


def check_sqlite_file(path: Path, timeout: float = 5.0) -> None:
    """Raises TrackerFileError, naming the file, when it is not a healthy SQLite database."""
    if not path.exists():
        return
    try:
        # Read-only, so a check never creates or changes anything.
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise TrackerFileError(problem_text(path, str(error))) from error
    if problems != ["ok"]:
        raise TrackerFileError(problem_text(path, "; ".join(problems[:3])))


def problem_text(path: Path, reason: str) -> str:
    return (
        f"Tracker store file {path} cannot be used: {reason}. Restore it from a backup, or move "
        f"it away to start with an empty store (conversations in it are then no longer available)."
    )


def main(argv: Optional[list] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        check_sqlite_file(Path(args[0]))
    except TrackerFileError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
