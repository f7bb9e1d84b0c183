"""Replace personal data in a resident's message by placeholders such as "[telefoonnummer]".

Libraries do the validation: `phonenumbers` finds Dutch (and foreign) phone numbers,
`python-stdnum` checks BSN (elfproef) and IBAN checksums. Names, streets and place names
come from the lookup lists that `deduce` 2.5 ships; deduce's own de-identifier is not used
(it needs about 70 s to start and tags "Twente" as a location).

What is kept, so the bot still understands the question: every word of the project's own
training data, answers and knowledge (vrt.nlu and the emergency patterns depend on them),
every Dutch place name, service numbers (112, 0800-, 0900-, 088-numbers), years and counts.
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional

import phonenumbers
from phonenumbers import PhoneNumberType
from stdnum import iban
from stdnum.nl import bsn

from vrt.nlu.text import normalise
from vrt.paths import ROOT  # noqa: E402

# Kinds, in order of precedence when two findings overlap. The placeholder is "[kind]".
KINDS = ("e-mailadres", "iban", "bsn", "telefoonnummer", "postcode", "adres", "naam")

# Numbers of organisations, not of people: 0800, 0900, 0906/0909 and 088 (UAN) numbers.
SERVICE_NUMBER_TYPES = {
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
}

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:[a-z0-9]{11,30}|(?: [a-z0-9]{4}){2,7}(?: [a-z0-9]{1,4})?)\b", re.I)
# 9 digits, also as 1234.56.789 (as on an ID card) or 123 456 789.
BSN = re.compile(r"(?<![\w.,-])(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3})(?![\w-]|[.,]\d)")
# 1234 AB (SA, SD and SS are not used); a house number right after it belongs to it.
POSTCODE = re.compile(r"\b[1-9]\d{3}( ?)(?!sa|sd|ss)([a-z]{2})\b(?: \d{1,5}[a-z]?\b)?", re.I)
HOUSE_NUMBER = re.compile(r"\s+(\d{1,5})(?:\s?[a-z]\b|-\d{1,4}\b|\b)", re.I)
STREET_SUFFIX = re.compile(
    r"(straat|weg|laan|plein|singel|dijk|gracht|kade|steeg|pad|dreef|hof|park|ring|markt|"
    r"erf|es|veld|boulevard|allee|oord|baan|brink|wal|kamp|horst|berg|stede|hoek)$"
)
# Clearly a street, never part of a name: "bij Henk Visser op de Kerkstraat".
STREET_WORD = re.compile(r"..(straat|weg|laan|plein|singel|dijk|gracht|kade|steeg)$")
WORD = re.compile(r"\w+(?:['’-]\w+)*")
SENTENCE_END = re.compile(r"(^|[.!?:;\n]\s*)$")

# Words after which a name follows: "mijn naam is ...", "ik ben ...", "buurman ...".
NAME_TRIGGERS = (
    "naam is",
    "naam",
    "ik heet",
    "heet",
    "ik ben",
    "met",
    "namens",
    "groet",
    "groeten",
    "gr",
    "buurman",
    "buurvrouw",
    "vader",
    "moeder",
    "zoon",
    "dochter",
    "man",
    "vrouw",
    "broer",
    "zus",
    "opa",
    "oma",
    "vriend",
    "vriendin",
    "collega",
)


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        return normalise(self.text)

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper() and not self.text.isupper()


def _lookup_dir() -> Path:
    return Path(importlib.metadata.distribution("deduce").locate_file("deduce-data/lookup_lists"))


def _read(path: Path) -> List[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _folded(lines: Iterable[str]) -> FrozenSet[str]:
    # normalise() on 170,000 list lines costs a second; plain words only need lower case.
    return frozenset(line.lower() if line.isascii() and line.isalpha() else normalise(line) for line in lines)


def project_vocabulary(root: Path = ROOT) -> FrozenSet[str]:
    """Every word of the training data, the answers and the knowledge files."""
    files = [
        *root.glob("data/**/*.yml"),
        *root.glob("domain*.yml"),
        *root.glob("domain/**/*.yml"),
        *root.glob("knowledge/**/*.yml"),
    ]
    return frozenset(normalise(w) for path in files for w in WORD.findall(path.read_text(encoding="utf-8")))


class Redactor:
    def __init__(
        self, lookup_dir: Optional[Path] = None, vocabulary: Optional[FrozenSet[str]] = None
    ) -> None:
        lists = lookup_dir or _lookup_dir()
        names = lists / "names"
        places = lists / "locations"
        self.places = _folded(
            line
            for name in ("residences.txt", "municipalities.txt", "regions.txt", "provinces.txt")
            for line in _read(places / name)
        )
        # Words that never start a name: the question's words and common Dutch words.
        self.common = (vocabulary if vocabulary is not None else project_vocabulary()) | _folded(
            _read(lists / "stop_words.txt") + _read(lists / "top_1000_terms.txt")
        )
        self.first_names = _folded(_read(names / "first_names.txt")) - _folded(
            _read(names / "first_name_exceptions.txt")
        )
        self.surnames = _folded(_read(names / "surnames.txt")) - _folded(
            _read(names / "surname_exceptions.txt")
        )
        # surnames that take an interfix: "Jong" in "de Jong"
        self.interfix_surnames = _folded(_read(names / "interfix_surnames.txt"))
        self.interfixes = _folded(_read(names / "interfixes.txt"))
        self.streets = _folded(_read(places / "streets" / "streets_bag.txt")) - _folded(
            _read(places / "streets" / "street_exceptions.txt")
        )
        # "meneer", "mevrouw", "dhr", "de heer", ...: a surname follows, even one that is a place.
        self.honorifics = _folded(p.rstrip(".") for p in _read(names / "prefixes.txt")) | {"familie", "fam"}
        self.triggers = frozenset(NAME_TRIGGERS) | self.honorifics

    # --- public -----------------------------------------------------------------------

    def find(self, text: str) -> List[Finding]:
        """Non-overlapping findings, in text order."""
        numbers = _first_wins(
            [
                *self._emails(text),
                *self._ibans(text),
                *self._bsns(text),
                *self._phones(text),
                *self._postcodes(text),
            ]
        )
        # Words are looked at with the numbers masked: "7471 BC Goor" is no "bc. Goor".
        masked = text
        for f in numbers:
            masked = masked[: f.start] + "#" * (f.end - f.start) + masked[f.end :]
        return sorted(
            _first_wins([*numbers, *self._addresses(masked), *self._names(masked)]), key=lambda f: f.start
        )

    def redact(self, text: str) -> str:
        for finding in reversed(self.find(text)):
            text = f"{text[: finding.start]}[{finding.kind}]{text[finding.end :]}"
        return text

    # --- detectors --------------------------------------------------------------------

    @staticmethod
    def _emails(text: str) -> Iterable[Finding]:
        return (Finding(m.start(), m.end(), "e-mailadres") for m in EMAIL.finditer(text))

    @staticmethod
    def _ibans(text: str) -> Iterable[Finding]:
        return (Finding(m.start(), m.end(), "iban") for m in IBAN.finditer(text) if iban.is_valid(m.group()))

    @staticmethod
    def _phones(text: str) -> Iterable[Finding]:
        for match in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.POSSIBLE):
            # Numbers from ranges not (yet) handed out are still someone's number, but a
            # merely "possible" number must at least be written as one: 0... or +...
            if not phonenumbers.is_valid_number(match.number) and not (
                match.raw_string[:1] in "0+(" and sum(c.isdigit() for c in match.raw_string) >= 10
            ):
                continue
            if phonenumbers.number_type(match.number) not in SERVICE_NUMBER_TYPES:
                yield Finding(match.start, match.end, "telefoonnummer")

    @staticmethod
    def _bsns(text: str) -> Iterable[Finding]:
        return (
            Finding(m.start(), m.end(), "bsn")
            for m in BSN.finditer(text)
            if bsn.is_valid(re.sub(r"\D", "", m.group()))
        )

    def _postcodes(self, text: str) -> Iterable[Finding]:
        for m in POSTCODE.finditer(text):
            space, letters = m.group(1), m.group(2)
            # "in 2024 is", "2021 en 2022": a year followed by a word.
            if space and letters.islower() and normalise(letters) in self.common:
                continue
            yield Finding(m.start(), m.end(), "postcode")

    def _addresses(self, text: str) -> Iterable[Finding]:
        tokens = _tokens(text)
        for i, token in enumerate(tokens):
            number = HOUSE_NUMBER.match(text, token.end)
            if not number or not token.text[:1].isalpha():
                continue
            for size in range(min(4, i + 1), 0, -1):
                words = tokens[i - size + 1 : i + 1]
                street = normalise(" ".join(w.text for w in words))
                if all(w.key in self.common for w in words):
                    continue
                by_suffix = size == 1 and len(token.key) > 6 and STREET_SUFFIX.search(token.key)
                known = street in self.streets and not re.fullmatch(r"(19|20)\d\d", number.group(1))
                if by_suffix or known:
                    yield Finding(words[0].start, number.end(), "adres")
                    break

    def _names(self, text: str) -> Iterable[Finding]:
        tokens = _tokens(text)
        i = 0
        while i < len(tokens):
            end = self._name_at(text, tokens, i)
            if end is None:
                i += 1
                continue
            yield Finding(tokens[i].start, tokens[end].end, "naam")
            i = end + 1

    # --- names ------------------------------------------------------------------------

    def _trigger_before(self, tokens: List[Token], i: int) -> Optional[str]:
        before = [t.key for t in tokens[max(0, i - 2) : i]]
        for n in (2, 1):
            words = " ".join(before[-n:])
            if len(before) >= n and words in self.triggers:
                return words
        return None

    def _name_at(self, text: str, tokens: List[Token], i: int) -> Optional[int]:
        """Index of the last token of a name starting at token i, or None."""
        token = tokens[i]
        if token.text.isupper() or not token.text.isalpha():
            return None
        trigger = self._trigger_before(tokens, i)
        if trigger in self.honorifics:  # "meneer Bosch", "de heer Kamphuis"
            if token.capitalised or token.key in self.surnames:
                return self._extend(text, tokens, i)
            return None
        if token.key in self.common or token.key in self.places:
            return None
        first = token.key in self.first_names
        end = self._extend(text, tokens, i)
        if trigger:  # "ik heet ...", "mijn buurman ...", "met ..."
            return end if first or token.capitalised else None
        if not first:
            return None
        if token.capitalised:  # "Henk" in the middle of a sentence, "Jan de Vries" anywhere
            initial = SENTENCE_END.search(text[: token.start]) is not None
            return end if end > i or not initial else None
        # lower case without a trigger: only a first name plus a known surname
        return end if end > i and tokens[end].key in self.surnames else None

    def _surname_word(self, token: Token, after_interfix: bool) -> bool:
        if token.text.isupper() or STREET_WORD.search(token.key):
            return False
        if token.key in self.places and token.key not in self.surnames and not after_interfix:
            return False
        if after_interfix:
            return token.capitalised or token.key in self.surnames
        return token.key not in self.common and (
            token.capitalised or token.key in self.first_names or token.key in self.surnames
        )

    def _extend(self, text: str, tokens: List[Token], i: int) -> int:
        """Last token of the name that starts at token i: more first names, interfixes, surnames."""
        end = i
        while end + 1 < len(tokens) and _adjacent(text, tokens[end], tokens[end + 1]):
            j = end + 1
            interfix = next(
                (
                    n
                    for n in (3, 2, 1)
                    if j + n < len(tokens)
                    and " ".join(t.key for t in tokens[j : j + n]) in self.interfixes
                    and all(
                        _adjacent(text, a, b)
                        for a, b in zip(tokens[j : j + n], tokens[j + 1 : j + n + 1], strict=True)
                    )
                ),
                0,
            )
            candidate = tokens[j + interfix]
            k = j + interfix
            if (interfix and candidate.key in self.interfix_surnames) or self._surname_word(
                candidate, interfix > 0
            ):
                end = k
            elif (
                candidate.capitalised
                and k + 1 < len(tokens)
                and _adjacent(text, candidate, tokens[k + 1])
                and tokens[k + 1].capitalised
                and self._surname_word(tokens[k + 1], False)
            ):
                end = k + 1  # a double surname whose first part is a word: "Oude Nijhuis"
            else:
                break
        return end


def _first_wins(found: List[Finding]) -> List[Finding]:
    """Drops findings that overlap one of an earlier kind (KINDS order)."""
    kept: List[Finding] = []
    for finding in sorted(found, key=lambda f: (KINDS.index(f.kind), f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return kept


def _tokens(text: str) -> List[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


def _adjacent(text: str, left: Token, right: Token) -> bool:
    """Only spaces between two tokens (no comma, full stop, ...)."""
    return left.end < right.start and text[left.end : right.start].isspace()


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    return Redactor()


def redact(text: str) -> str:
    return default_redactor().redact(text)
