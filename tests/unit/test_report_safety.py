"""Residents' text in the report's files cannot attack staff (vrt/report/safe.py).

HTML escaped in every template but the plain-text ones, CSV cells that would start a formula
neutralised by the one CSV writer, no control characters in the text report, and NLU
suggestions that stay valid YAML Rasa reads back as the resident's words.
"""

from __future__ import annotations

import csv
import warnings
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import List

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tests.hostile_text import ANSWER, FORMULA_START, RAW, TYPED, shown
from vrt.report.analysis import Report, build_report
from vrt.report.conversations import Turn
from vrt.report.render import TEMPLATES, environment, render_html, render_text, write_files
from vrt.report.safe import PLAIN_TEXT_TEMPLATES, nlu_example, spreadsheet_cell, write_csv
from vrt.report.suggest import Suggestion, write_suggestions

SINCE, UNTIL = datetime(2026, 11, 1), datetime(2026, 11, 8)
HOSTILE = TYPED + RAW


def hostile_report() -> Report:
    """Every hostile text unanswered, asked with low confidence and rated down with a hostile answer."""
    start = datetime(2026, 11, 3, 10).timestamp()

    def turn(i: int, text: str, **kwargs) -> Turn:
        return Turn(
            sender_id=f"s{i}",
            conversation=f"s{i}#1",
            text=text,
            timestamp=start + i,
            channel="rest",
            **kwargs,
        )

    turns = []
    for i, text in enumerate(HOSTILE):
        turns.append(turn(i, text, intent="nlu_fallback", confidence=0.3, actions=["utter_default"]))
        turns.append(turn(100 + i, text, intent="faq", confidence=0.4, faq_topic="faq/capaciteit"))
        question = turns[-1]
        turns.append(
            turn(
                200 + i,
                '/feedback{"feedback":"negatief"}',
                intent="feedback",
                confidence=1.0,
                feedback="negatief",
                rated_answer=ANSWER,
                rated_question=question,
            )
        )
    return build_report(turns, SINCE, UNTIL, models=[], low_confidence=0.7)


def read_cells(path: Path) -> List[List[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


@pytest.mark.parametrize("start", FORMULA_START)
def test_a_cell_that_would_start_a_formula_gets_a_quote_and_keeps_the_rest(start):
    text = start + 'HYPERLINK("http://evil.example/","klik")'
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    ["", "wat is het weer?", "0.35", "2026-11-03 10:00", "a=b", "'=al geneutraliseerd", 0, 7, -3, 0.5],
)
def test_other_text_and_the_reports_own_numbers_stay_as_they_are(value):
    assert spreadsheet_cell(value) == value


def test_write_csv_neutralises_cells_and_keeps_numbers(tmp_path):
    path = tmp_path / "t.csv"
    write_csv(path, [["vraag", "aantal"], ["=1+1", 3], ["-5", -5], ["half \ud800 teken", 1]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel: UTF-8
    assert read_cells(path) == [["vraag", "aantal"], ["'=1+1", "3"], ["'-5", "-5"], ["half ? teken", "1"]]


def test_no_csv_file_of_the_report_has_a_cell_that_starts_a_formula(tmp_path):
    written = write_files(hostile_report(), tmp_path)
    csv_files = [p for p in written if p.suffix == ".csv"]
    assert len(csv_files) == 6
    texts = set()
    for path in csv_files:
        for row in read_cells(path):
            for cell in row:
                assert not cell.startswith(FORMULA_START), (path.name, cell)
                texts.add(cell[1:] if cell.startswith("'") else cell)
    # Neutralised, not mangled: each hostile text is there with only the quote added.
    assert ANSWER in texts
    for text in HOSTILE:
        if "\ud800" not in text:  # cannot be written as UTF-8; replaced by "?"
            assert text in texts, text


def test_every_template_but_the_plain_text_ones_is_autoescaped():
    env = environment()
    templates = sorted(p.name for p in TEMPLATES.iterdir() if p.is_file())
    assert PLAIN_TEXT_TEMPLATES <= set(templates)
    for name in templates:
        assert env.autoescape(name) is (name not in PLAIN_TEXT_TEMPLATES), name
    # Whatever a new template is called, and a template made from a string.
    for name in ("report.html.j2", "mail.j2", "page.htm", "x.html", "overzicht.svg.jinja", None):
        assert env.autoescape(name), name
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: List[str] = []
        self.attributes: List[str] = []
        self.text: List[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_report_shows_hostile_text_as_text_and_runs_nothing():
    page = Elements()
    page.feed(render_html(hostile_report()))
    assert not {"script", "img", "a", "iframe", "object", "embed"} & set(page.tags), set(page.tags)
    assert page.tags.count("svg") == 2 and page.tags.count("table") == 5  # the template's own
    assert not [a for a in page.attributes if a.startswith("on") or a == "href"]
    text = " ".join(" ".join(page.text).split())
    for hostile in HOSTILE + [ANSWER]:
        assert shown(hostile) in text, hostile


def test_the_text_report_has_no_control_characters_and_no_fake_lines():
    text = render_text(hostile_report())
    assert not [ch for ch in text if ch != "\n" and (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0)]
    assert not set(text) & {"\u2028", "\u2029", "\u202e", "\ud800"}
    # The resident's "\nNoodgevallen herkend: 0" stays inside its quoted line.
    assert [line for line in text.splitlines() if line.startswith("Noodgevallen herkend")] == [
        "Noodgevallen herkend: 0"
    ]
    for hostile in TYPED:
        assert shown(hostile)[:60] in text, hostile


@pytest.mark.parametrize(
    "text, example",
    [
        ("twee\nregels", "twee regels"),
        ("  - al een streepje", "- al een streepje"),
        ("[Enschede](locatie)", "[Enschede] (locatie)"),
        ('[a]{"entity": "b"} [c][d]', '[a] {"entity": "b"} [c] [d]'),
        ("[telefoonnummer] (thuis)", "[telefoonnummer] (thuis)"),
        ("\x1b[31mrood", "[31mrood"),
        (" \t\r\n", ""),
    ],
)
def test_nlu_example_is_one_line_without_entity_markup(text, example):
    assert nlu_example(text) == example


def test_the_suggestions_stay_valid_nlu_data_rasa_reads_as_typed(tmp_path):
    report = hostile_report()
    examples = [nlu_example(text) for text in HOSTILE]
    items = [
        Suggestion(intent=intent, confidence=0.3, examples=part, reason="x", count=1, last_asked="x")
        for intent, part in (("buiten_bereik", examples[:7]), ("faq/capaciteit", examples[7:]))
    ]
    path = write_suggestions(report, items, Path("model.tar.gz"), tmp_path / "nlu-suggestions.yml")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # Rasa warns when it skips an example
        data = RasaYAMLReader().read(path)
    read = [(m.get("intent"), m.get("text")) for m in data.intent_examples]
    assert [text for _, text in read] == examples
    assert {m.get("entities") or None for m in data.intent_examples} == {None}
    for hostile, text in zip(HOSTILE, examples, strict=True):
        assert text.replace("] ", "]") == shown(hostile).replace("] ", "]"), hostile
