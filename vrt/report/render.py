"""The report as text (terminal), CSV files and an HTML page with charts.

The Dutch wording lives in the templates next to this file. Residents' text is made
harmless for each format by vrt.report.safe (escaped HTML, neutralised CSV cells).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from vrt.report.analysis import Report
from vrt.report.safe import escaped_template, visible, write_csv

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _shorten(text: str, width: int = 100) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def environment() -> Environment:
    """Autoescaping for every template but the plain-text ones; every printed value `visible`."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=escaped_template,
        finalize=visible,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shorten"] = _shorten
    env.filters["conf"] = lambda value: "-" if value is None else f"{value:.2f}"
    return env


def render_text(report: Report) -> str:
    return environment().get_template("report.txt.j2").render(r=report)


def render_html(report: Report) -> str:
    return environment().get_template("report.html.j2").render(r=report, charts=_charts(report))


def _bar_chart(rows: List[tuple], horizontal: bool) -> Dict:
    """Bar geometry for the inline SVG charts (no JavaScript, so the page can be mailed)."""
    top = max([count for _, count in rows] or [0]) or 1
    if horizontal:
        return {
            "bars": [
                {"label": label, "count": count, "y": 24 * i, "width": 400 * count / top}
                for i, (label, count) in enumerate(rows)
            ],
            "height": 24 * len(rows),
        }
    width = max(12, min(40, 700 // max(1, len(rows))))
    return {
        "bars": [
            {
                "label": label,
                "count": count,
                "x": (width + 4) * i,
                "width": width,
                "height": 120 * count / top,
            }
            for i, (label, count) in enumerate(rows)
        ],
        "width": (width + 4) * len(rows),
        "bar_width": width,
    }


def _charts(report: Report) -> Dict:
    return {
        "topics": _bar_chart(report.topics[:15], horizontal=True),
        "unanswered_per_day": _bar_chart([(d.day[5:], d.unanswered) for d in report.days], horizontal=False),
    }


def csv_tables(report: Report) -> Dict[str, List[List]]:
    """File name -> rows (first row the header)."""
    return {
        "per-dag.csv": [["datum", "gesprekken", "berichten", "berichten van inwoners", "onbeantwoord"]]
        + [[d.day, d.conversations, d.messages, d.resident_messages, d.unanswered] for d in report.days],
        "onderwerpen.csv": [["onderwerp", "aantal"]] + [list(row) for row in report.topics],
        "onbeantwoord.csv": [["vraag", "aantal", "laatst gevraagd", "reden", "varianten"]]
        + [[g.text, g.count, g.last_asked, g.reasons, " | ".join(g.variants)] for g in report.unanswered],
        "duim-omlaag.csv": [["moment", "vraag", "onderwerp", "antwoord"]]
        + [
            [
                t.when,
                t.rated_question.text if t.rated_question else "",
                t.rated_question.topic if t.rated_question else "",
                t.rated_answer or "",
            ]
            for t in report.thumbs_down
        ],
        "lage-zekerheid.csv": [["moment", "vraag", "onderwerp", "zekerheid"]]
        + [[t.when, t.text, t.topic, f"{t.answer_confidence:.2f}"] for t in report.low_confidence],
        "modellen.csv": [["model", "spaCy-pipeline", "getraind", "model-id", "berichten"]]
        + [
            [m.file or "", m.pipeline or "", m.trained_at or "", m.model_id, m.messages]
            for m in report.models
        ],
    }


def write_files(report: Report, out_dir: Path) -> List[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in csv_tables(report).items():
        path = out_dir / name
        write_csv(path, rows)
        written.append(path)
    html = out_dir / "rapport.html"
    html.write_text(render_html(report), encoding="utf-8")
    text = out_dir / "rapport.txt"
    text.write_text(render_text(report), encoding="utf-8")
    return [html, text, *written]
