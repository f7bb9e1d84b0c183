"""make report: what residents asked, what the bot could not answer, what they disliked.

    python -m vrt.report [--days 7 | --since 2026-11-01 [--until 2026-11-30]] [--suggest]

Reads the tracker store named in the endpoints file (default: the one `make run` uses),
prints the report and writes it as HTML and CSV files to results/report/.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import List, Optional

from vrt.paths import ROOT  # noqa: E402

OUTPUT_FILES = (
    "rapport.html",
    "rapport.txt",
    "per-dag.csv",
    "onderwerpen.csv",
    "onbeantwoord.csv",
    "duim-omlaag.csv",
    "lage-zekerheid.csv",
    "modellen.csv",
    "nlu-suggestions.yml",
)


def period(days: int, since: Optional[date], until: Optional[date], today: date) -> tuple:
    """[start, end) in local time; `until` is inclusive, like "tot en met"."""
    last = until or today
    first = since or (last - timedelta(days=days - 1))
    if first > last:
        raise SystemExit(f"--since {first} is after --until {last}")
    return datetime.combine(first, time.min), datetime.combine(last + timedelta(days=1), time.min)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7, help="the last N days, today included (default 7)")
    parser.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    parser.add_argument("--until", type=date.fromisoformat, help="last day, YYYY-MM-DD (default today)")
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=Path("endpoints.yml"),
        help="endpoints file with the tracker store (make report passes the one make run uses)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "report", help="output folder")
    parser.add_argument(
        "--low-confidence",
        type=float,
        default=0.7,
        help="answers below this confidence are listed as likely wrong (default 0.7)",
    )
    parser.add_argument(
        "--suggest",
        action="store_true",
        help="also write nlu-suggestions.yml (loads the newest model in models/)",
    )
    parser.add_argument("--model", type=Path, help="model for --suggest (default: the newest in models/)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    return args


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("No trained model in models/; run `make train` first (needed for --suggest).")
    return models[-1]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    since, until = period(args.days, args.since, args.until, date.today())

    # Staff read this output: no library warnings or TensorFlow start-up lines.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from vrt.ops.quiet import quiet_libraries

    quiet_libraries()
    warnings.filterwarnings("ignore", category=UserWarning, module="rasa")

    from vrt.report.analysis import build_report
    from vrt.report.conversations import read_store
    from vrt.report.models import models_used
    from vrt.report.render import render_text, write_files

    progress = not args.no_progress
    contents = read_store(args.endpoints, since, until, progress=progress)
    report = build_report(
        contents.turns,
        since,
        until,
        models_used(t.model_id for t in contents.turns),
        low_confidence=args.low_confidence,
        staff_turns=contents.staff_turns,
    )
    # Files of an earlier run would be mistaken for this period's.
    for name in OUTPUT_FILES:
        (args.out / name).unlink(missing_ok=True)
    print(render_text(report), end="")
    if report.empty:
        return 0
    written = write_files(report, args.out)
    if args.suggest:
        from vrt.report.suggest import suggestions, write_suggestions

        model = args.model or newest_model()
        items = suggestions(report, model, progress=progress)
        written.append(write_suggestions(report, items, model, args.out / "nlu-suggestions.yml"))
    print()
    for path in written:
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
