"""Residents' text made harmless in every file `make report` writes.

A resident can type anything, and staff open what the report makes of it: rapport.html in a
browser, the CSV files in Excel, rapport.txt and the printed report in a terminal,
nlu-suggestions.yml in an editor and then in Rasa. Each format has its guard here, in one place:

- HTML: Jinja autoescaping is on for every template except the plain-text ones named in
  PLAIN_TEXT_TEMPLATES. Deny by default: `select_autoescape(["html"])` left report.html.j2
  unescaped, because it matches on the name's last extension (".j2").
- Every value a template prints (`visible`): control characters, bidi overrides, line and
  paragraph separators and lone surrogates become a space, so no ANSI escape sequence reaches
  a staff member's terminal, no newline fakes a report line and no file write fails on text
  that cannot be encoded. The input channel removes these already (vrt.privacy.guard); this is
  the second net for stores written before that, or through another channel.
- CSV (`write_csv`): OWASP's neutralisation of cells that would start a formula.
- NLU YAML (`nlu_example`): one line in a block scalar, without Rasa entity markup.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from markupsafe import Markup

# Templates that are not HTML; every other template is autoescaped, whatever its name.
PLAIN_TEXT_TEMPLATES = frozenset({"report.txt.j2", "nlu-suggestions.yml.j2"})

# C0 and C1 controls (ESC starts terminal escape sequences; CR, LF, tab and the rest of the
# line breaks str.splitlines() knows included), line and paragraph separators, bidi
# embeddings, overrides and isolates, lone surrogates, and the noncharacters YAML forbids.
_UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)

# OWASP "CSV Injection": the first characters that make Excel or LibreOffice read a cell as
# a formula (or, tab and carriage return, that can hide one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# "[text](entity)", "[text]{...}" and "[text][...]" are entity annotations to Rasa; in an
# NLU example only "]" directly followed by "(", "{" or "[" starts one.
_ENTITY_MARKUP = re.compile(r"\]([(\[{])")


def escaped_template(name: Optional[str]) -> bool:
    """Jinja's autoescape switch: on unless the template is a known plain-text one."""
    return name not in PLAIN_TEXT_TEMPLATES


def visible(value: Any) -> Any:
    """Jinja's finalize: a printed string without the characters listed above."""
    if isinstance(value, Markup):  # already escaped; removing characters cannot add markup
        return Markup(_UNSAFE_CHARACTERS.sub(" ", str(value)))
    if isinstance(value, str):
        return _UNSAFE_CHARACTERS.sub(" ", value)
    return value


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text instead of running it as a formula.

    Text starting with = + - @, a tab or a carriage return gets a leading "'" (OWASP); the rest
    of the cell is unchanged. Numbers the report computes (counts) are passed as Python ints and
    floats and stay numbers: they are not residents' text, and a "'" would turn them into text
    in Excel. The report writes no negative numbers; if it did, they would stay numbers too.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_csv(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """The one CSV writer of the report: ";" and a byte-order mark, so Excel with Dutch
    settings opens the columns; every cell through spreadsheet_cell."""
    with path.open("w", newline="", encoding="utf-8-sig", errors="replace") as handle:
        csv.writer(handle, delimiter=";").writerows([spreadsheet_cell(cell) for cell in row] for row in rows)


def nlu_example(text: str) -> str:
    """A resident's question as one example line of Rasa NLU YAML ("    - <example>").

    Inside the literal block scalar (`examples: |`) quotes, ": ", "#" and a leading "-" are
    plain text; what could break it is a line break (Rasa splits examples with
    str.splitlines()) or a character YAML forbids, so the text becomes one line of visible
    characters. Rasa would read "[x](y)" as entity y, and rejects a file with "[x]{...}" that is
    no JSON, so a space goes between "]" and "(", "{" or "[". Empty when nothing is left.
    """
    one_line = " ".join(visible(text or "").split())
    return _ENTITY_MARKUP.sub(r"] \1", one_line)
