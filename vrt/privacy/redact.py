"""Replace personal data in a resident's message by placeholders such as "[telefoonnummer]".

Libraries do the validation: `phonenumbers` finds Dutch (and foreign) phone numbers,
`python-stdnum` checks BSN (elfproef) and IBAN checksums, also when written with dots or
spaces. Names, streets and place names come from the lookup lists that `deduce` 2.5 ships;
deduce's own de-identifier is not used (it needs about 70 s to start and tags "Twente" as a
location). English words that are no names ("i am worried") come from the English lemma
tables of `spacy-lookups-data`, loaded only when a message says "i am" or "my name is".

Dates of birth: a date is personal when something says it is one: a birth word before or
after it ("geboren op", "geb.", "date of birth", "... geboren"), a person it belongs to ("ik
ben van 3 april 1961", "mijn moeder (14-03-1957)"), other personal data right beside it
("Jan de Vries, 14-03-1957") or nothing else in the message. Other dates stay: "de brand
van 13 mei 2000" is a question about an event. Licence plates: the Dutch sidecodes, 6
letters and digits in 3 groups, with or without dashes.

What is kept, so the bot still understands the question: every word of the project's own
training data, answers and knowledge (vrt.nlu and the emergency patterns depend on them),
every Dutch place name, service numbers (112, 0800-, 0900-, 088-numbers), years and counts.
"""

from __future__ import annotations

import datetime
import gzip
import importlib.metadata
import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional

import phonenumbers
import spacy_lookups_data
from phonenumbers import PhoneNumberType
from stdnum import iban
from stdnum.nl import bsn

from vrt.nlu.text import normalise
from vrt.paths import ROOT  # noqa: E402

# Kinds, in order of precedence when two findings overlap. The placeholder is "[kind]".
KINDS = (
    "e-mailadres",
    "iban",
    "bsn",
    "geboortedatum",
    "telefoonnummer",
    "postcode",
    "kenteken",
    "adres",
    "naam",
)

# Numbers of organisations, not of people: 0800, 0900, 0906/0909 and 088 (UAN) numbers.
SERVICE_NUMBER_TYPES = {
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
}

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Where an IBAN may start: country code and check digits, "NL91", "NL 91", "nl-91".
IBAN_START = re.compile(r"(?<![\w.-])[a-z]{2}[ .-]?\d{2}", re.I)
# The parts of an IBAN as written: "NL91ABNA2876394242", "NL91 ABNA 2876 ...", "NL91.ABNA. ..."
IBAN_PART = re.compile(r"[a-z0-9]+", re.I)
IBAN_SEPARATORS = " .-"
# 9 digits, also as 1234.56.789 (as on an ID card), 123.456.789, 123 456 789 or 123-456-789.
BSN = re.compile(
    r"(?<![\w.,-])(?:\d{9}|\d{4}([. ])\d{2}\1\d{3}|\d{3}([. -])\d{3}\2\d{3}|\d{2}([. ])\d{2}\3\d{2}\3\d{3})"
    r"(?![\w-]|[.,]\d)"
)
# An amount is no BSN: "€ 123.456.782", "123.456.782 euro".
AMOUNT_BEFORE = re.compile(r"(€|eur|euro)\s*$", re.I)
AMOUNT_AFTER = re.compile(r"\s*(€|eur\b|euro)", re.I)
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

# --- dates ---------------------------------------------------------------------------
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:1[89]|20)\d\d"
# Dutch and English month names and their usual short forms (longest first).
MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "february", "feb", "febr"), 2),
    **dict.fromkeys(("maart", "march", "mrt", "maa", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("augustus", "august", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec"), 12),
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_ORDINAL = r"(?:e|ste|de|st|nd|rd|th)?"
DATES = [
    # 14-03-1957, 14/3/57, 14.03.1957
    re.compile(
        rf"(?<![\w.,/-])(?P<day>{_DAY})(?P<sep>[-/.])(?P<month_number>{_MONTH_NUMBER})(?P=sep)"
        rf"(?P<year>{_YEAR}|\d\d)(?![\w-]|[./-]\d)"
    ),
    # 1957-03-14
    re.compile(
        rf"(?<![\w.,/-])(?P<year>{_YEAR})-(?P<month_number>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])(?![\w-])"
    ),
    # 3 april 1961, 3 apr. 1961, 3rd of April 1961, 3 april (the year is optional)
    re.compile(
        rf"(?<![\w.,/-])(?P<day>{_DAY}){_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<year>{_YEAR}|'\d\d)(?!\w))?",
        re.I,
    ),
    # 14-mrt-1957, 3/apr/61
    re.compile(
        rf"(?<![\w.,/-])(?P<day>{_DAY})(?P<sep>[-/]){_MONTH}(?P=sep)(?P<year>{_YEAR}|\d\d)(?![\w-]|[./-]\d)",
        re.I,
    ),
    # April 3, 1961; April 3rd
    re.compile(rf"\b{_MONTH}\s+(?P<day>{_DAY}){_ORDINAL}\b(?:,?\s+(?P<year>{_YEAR})(?!\w))?", re.I),
    # maart 1957 (no day: only after a birth word)
    re.compile(rf"(?<![\w.,/-]){_MONTH}\s+(?P<year>{_YEAR})(?!\w)", re.I),
    # 14-3 or 14/3 (no year: only after a birth word)
    re.compile(
        rf"(?<![\w.,/-])(?P<day>{_DAY})(?P<sep>[-/])(?P<month_number>{_MONTH_NUMBER})(?![\w-]|[./-]\d)"
    ),
]
# Words that say a date is a birth date: before it ("geboren op", "geb.", "date of birth")...
BIRTH_BEFORE = re.compile(
    r"\b(geboren|geb|geboorte\w*|gebdatum|verjaardag|jarig|born|birth\w*|dob|d\.o\.b)\b\.?[^.!?;\n]{0,25}$",
    re.I,
)
# ... or after it: "ik ben op 3 april 1961 geboren".
BIRTH_AFTER = re.compile(
    r"^[\s,]*(?:\w+\s+){0,2}(geboren|born|verjaardag|geboortedatum|jarig|birthday|date of birth)\b", re.I
)
# Dates that are no one's birth date: the future and a long time ago.
OLDEST_BIRTH_YEAR = 1900

# --- licence plates --------------------------------------------------------------------
# The RDW's rules: 6 letters and digits in 3 groups, a dash where letters and digits change
# (and in the middle of 4 of a kind), at least 2 digits. These are sidecodes 1 to 14 and the
# two groupings the rules still leave (99-X-999, 999-X-99). X: a letter, 9: a digit.
SIDECODES = (
    "XX-99-99",  # 1
    "99-99-XX",  # 2
    "99-XX-99",  # 3
    "XX-99-XX",  # 4
    "XX-XX-99",  # 5
    "99-XX-XX",  # 6
    "99-XXX-9",  # 7
    "9-XXX-99",  # 8
    "XX-999-X",  # 9
    "X-999-XX",  # 10
    "XXX-99-X",  # 11
    "X-99-XXX",  # 12
    "9-XX-999",  # 13
    "999-XX-9",  # 14
    "99-X-999",
    "999-X-99",
)
# No word of the Dutch and English lemma tables nor of deduce's lists has one of these
# shapes, so letters are not checked (RDW leaves out vowels, C and Q; residents type "12-ABC-3").
PLATE_CUE = re.compile(r"\b(kenteken\w*|nummerbord\w*|licen[cs]e|plate|registration)\b[^.!?;\n]{0,25}$", re.I)


def _plate_pattern(code: str) -> re.Pattern:
    groups = [("\\d" if group[0] == "9" else "[a-z]") + f"{{{len(group)}}}" for group in code.split("-")]
    # "NL-" in front belongs to it; dashes, dots or spaces between the groups, or nothing
    return re.compile(
        rf"(?<![\w-])(?:nl-)?{groups[0]}(?P<sep>[-. ]?){groups[1]}(?P=sep){groups[2]}(?![\w-]|\.\w)", re.I
    )


PLATES = [_plate_pattern(code) for code in SIDECODES]

# Words after which a name follows: "mijn naam is ...", "ik ben ...", "buurman ...".
NAME_TRIGGERS = (
    "naam is",
    "naam",
    "name is",
    "name",
    "my names",  # "my name's"
    "call me",
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
# After these, any word that is no known word is a name: "ik heet aylin".
STRONG_NAME_TRIGGERS = frozenset({"naam is", "ik heet", "name is", "my names"})
# Triggers by which residents say who they are.
INTRODUCTIONS = frozenset({"ik ben", "ik heet", "naam is", "name is", "my names", "i am", "im"})
# "i am" is followed by a name only now and then: "i am worried", "i am 80", "i am in enschede".
ENGLISH_NAME_TRIGGERS = frozenset({"i am", "im"})  # "i'm" -> "im"
# The people a date of birth may belong to: "mijn moeder (14-03-1957)", "hij is van 3 april 1961".
PERSON_WORDS = (
    "ik",
    "hij",
    "zij",
    "ze",
    *NAME_TRIGGERS[NAME_TRIGGERS.index("buurman") :],
    "kind",
    "baby",
)
PERSON_DATE = re.compile(
    r"\b(?:ik\s+ben|(?:" + "|".join(PERSON_WORDS) + r")\s+is)\s+(?:van\s+)?$"
    r"|\b(?:" + "|".join(PERSON_WORDS[4:]) + r")\s*(?:[(,:]|\bvan\b|\bgeb\.?)\s*$",
    re.I,
)
# What may stand between a date of birth and other personal data of the same person.
BESIDE = re.compile(r"[\s,;:()/|&-]*(?:\b(?:en|and)\b[\s,;:()/|&-]*)?", re.I)


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


@dataclass(frozen=True)
class DateCandidate:
    finding: Finding
    birth: bool  # something in the message says it is a date of birth
    full: bool  # day, month and year
    named_month: bool  # "3 april": "April" is no name


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


def _english_table(name: str):
    with gzip.open(spacy_lookups_data.get_file(f"en_{name}.json.gz"), "rt", encoding="utf-8") as table:
        return json.load(table)


def _date_of(match: re.Match, today: datetime.date) -> Optional[datetime.date]:
    """The date a match stands for (year 2000 when none is written), None when there is none."""
    groups = match.groupdict()
    month = int(groups["month_number"]) if groups.get("month_number") else MONTHS[match["month"].lower()]
    written = (groups.get("year") or "").lstrip("'")
    year = int(written) if written else 2000
    if len(written) == 2:  # '61, 14/3/57: the latest year that is not in the future
        year += 2000 if year <= today.year % 100 else 1900
    try:
        return datetime.date(year, month, int(groups.get("day") or 1))
    except ValueError:
        return None


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
        self.triggers = frozenset(NAME_TRIGGERS) | ENGLISH_NAME_TRIGGERS | self.honorifics

    @cached_property
    def english_after_i_am(self) -> FrozenSet[str]:
        """English words that follow "i am": adjectives, adverbs and inflected forms
        ("worried", "afraid", "looking"); no bare verbs or nouns, so "i am mark" is a name."""
        index = _english_table("lemma_index")
        return frozenset([*index["adj"], *index["adv"], *_english_table("lemma_lookup")])

    @cached_property
    def english_words(self) -> FrozenSet[str]:
        """Every English word of spacy-lookups-data's tables (about 0.3 s, on first use)."""
        index = _english_table("lemma_index")
        return self.english_after_i_am | frozenset([*index["noun"], *index["verb"]])

    # --- public -----------------------------------------------------------------------

    def find(self, text: str) -> List[Finding]:
        """Non-overlapping findings, in text order."""
        dates = self._dates(text)
        numbers = _first_wins(
            [
                *self._emails(text),
                *self._ibans(text),
                *self._bsns(text),
                *(d.finding for d in dates if d.birth),
                *self._phones(text),
                *self._postcodes(text),
                *(p for p in self._plates(text) if not any(_overlap(p, d.finding) for d in dates)),
            ]
        )
        # Words are looked at with the numbers masked: "7471 BC Goor" is no "bc. Goor", and
        # with the dates masked: "April 3, 1961" is no name.
        masked = _masked(text, [*numbers, *(d.finding for d in dates if d.full or d.named_month)])
        found = _first_wins([*numbers, *self._addresses(masked), *self._names(masked)])
        # A date right beside other personal data is that person's date of birth.
        beside = [d.finding for d in dates if d.full and not d.birth and _beside(text, d.finding, found)]
        return sorted(_first_wins([*found, *beside]), key=lambda f: f.start)

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
        """IBANs as written: in one piece, in groups of 4, with spaces, dots or dashes.

        From each possible start, the parts that follow are taken while they could still be
        one IBAN; the longest run of parts that passes the IBAN checksum is the IBAN.
        """
        for start in IBAN_START.finditer(text):
            parts: List[re.Match] = []
            position, length = start.start(), 0
            while length < 34 and (part := IBAN_PART.match(text, position)):
                parts.append(part)
                length += len(part.group())
                after = part.end()
                if after + 1 < len(text) and text[after] in IBAN_SEPARATORS and text[after + 1].isalnum():
                    position = after + 1
                else:
                    break
            for count in range(len(parts), 0, -1):
                compact = "".join(part.group() for part in parts[:count])
                if 15 <= len(compact) <= 34 and _mod97(compact) and iban.is_valid(compact):
                    yield Finding(parts[0].start(), parts[count - 1].end(), "iban")
                    break

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
        for m in BSN.finditer(text):
            if AMOUNT_BEFORE.search(_before(text, m.start())) or AMOUNT_AFTER.match(text, m.end()):
                continue
            if bsn.is_valid(re.sub(r"\D", "", m.group())):
                yield Finding(m.start(), m.end(), "bsn")

    @staticmethod
    def _dates(text: str) -> List[DateCandidate]:
        """Every date in the text; `birth` when the message says whose birth date it is."""
        today = datetime.date.today()
        candidates: List[DateCandidate] = []
        for pattern in DATES:
            for m in pattern.finditer(text):
                date = _date_of(m, today)
                year, day = m.groupdict().get("year"), m.groupdict().get("day")
                full = year is not None and day is not None
                if date is None or (year and not OLDEST_BIRTH_YEAR <= date.year <= today.year):
                    continue  # no date, or nobody's birth date (the future, or long ago)
                before = _before(text, m.start())
                birth = bool(BIRTH_BEFORE.search(before) or BIRTH_AFTER.match(text[m.end() :])) or (
                    full
                    and bool(PERSON_DATE.search(before) or not _WORDS_OR_DIGITS.search(_without(text, m)))
                )
                finding = Finding(m.start(), m.end(), "geboortedatum")
                candidates.append(DateCandidate(finding, birth, full, m.groupdict().get("month") is not None))
        # The longest reading of each date: "3 april 1961", not "3 april".
        kept: List[DateCandidate] = []
        for candidate in sorted(candidates, key=lambda c: c.finding.start - c.finding.end):
            f = candidate.finding
            if all(f.end <= k.finding.start or f.start >= k.finding.end for k in kept):
                kept.append(candidate)
        return kept

    @staticmethod
    def _plates(text: str) -> Iterable[Finding]:
        for pattern in PLATES:
            for m in pattern.finditer(text):
                # "12 ABC 3": with spaces only in capitals or after "kenteken"
                if m["sep"] == " " and not (
                    m.group().isupper() or PLATE_CUE.search(_before(text, m.start()))
                ):
                    continue
                yield Finding(m.start(), m.end(), "kenteken")

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
        first = token.key in self.first_names
        if token.key in self.places:
            return None
        if token.key in self.common:
            # "ik ben Joke", "I am Will": after "ik ben", a capital says it is the name.
            introduced = trigger in INTRODUCTIONS and token.capitalised and first and len(token.key) > 2
            if not introduced:
                return None
        end = self._extend(text, tokens, i)
        if trigger in ENGLISH_NAME_TRIGGERS:  # "i am john", not "i am worried"
            if token.key in self.english_after_i_am:
                return end if token.capitalised and first else None
            return end if first or token.capitalised else None
        if trigger in STRONG_NAME_TRIGGERS and not (first or token.capitalised):
            # "ik heet aylin": no known word, so a name
            unknown = token.key.isalpha() and len(token.key) > 1 and token.key not in self.english_words
            return end if unknown else None
        if trigger:  # "ik ben ...", "mijn buurman ...", "met ..."
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

    def _listed_surname(self, text: str, tokens: List[Token], j: int) -> bool:
        """Tokens j and j+1 are a surname of two words from the list."""
        return (
            j + 1 < len(tokens)
            and _adjacent(text, tokens[j], tokens[j + 1])
            and f"{tokens[j].key} {tokens[j + 1].key}" in self.surnames
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
            if not interfix and self._listed_surname(text, tokens, j):  # "oude nijhuis", "el amrani"
                end = j + 1
            elif (interfix and candidate.key in self.interfix_surnames) or self._surname_word(
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


_WORDS_OR_DIGITS = re.compile(r"\w")
# The cues before a date or plate are a few words: only this much text is searched, so a
# long message full of dates costs no more than a short one each.
CUE_WINDOW = 80


def _before(text: str, position: int) -> str:
    return text[max(0, position - CUE_WINDOW) : position]


def _mod97(compact: str) -> bool:
    """The IBAN checksum alone, before stdnum's full check (which costs 30 times more)."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _without(text: str, match: re.Match) -> str:
    return text[: match.start()] + text[match.end() :]


def _masked(text: str, findings: Iterable[Finding]) -> str:
    for f in findings:
        text = text[: f.start] + "#" * (f.end - f.start) + text[f.end :]
    return text


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


def _beside(text: str, date: Finding, found: List[Finding]) -> bool:
    """Only spaces and punctuation between the date and one of `found`."""
    return any(
        (f.end <= date.start and BESIDE.fullmatch(text, f.end, date.start))
        or (f.start >= date.end and BESIDE.fullmatch(text, date.end, f.start))
        for f in found
    )


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
