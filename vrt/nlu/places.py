"""Yes or no about places: "valt Oldenzaal onder jullie?", "is Zwolle ook van VRT?", "en Arnhem?".

Residents ask whether their town belongs to VRT, and before this component they got the list of
14 municipalities at best, never "ja" or "nee" (0 of 8 such questions answered right, measured
from outside). Three kinds of place:

- one of the 14 municipalities of knowledge/gemeenten.yml (the sources): "ja";
- any other Dutch municipality: "nee", with the list. The list of all Dutch municipalities is
  not written here from memory: it is the one `deduce` 2.5 ships (deduce-data/lookup_lists/
  locations/municipalities.txt, 346 names including the 2023 mergers), a maintained list the
  project already installs for the redaction of personal data;
- a place the bot cannot place (a village, a German town): the 14 municipalities, and that the
  place belongs to VRT only if it lies in one of them. The sources name no villages, so the bot
  does not guess.

`vrt.nlu.place_classifier.PlaceQuestionClassifier` sets the intent `plaats` and the entity `plaats` when a message asks
whether a place belongs to VRT (the patterns of lexicon/regex/plaatsen.yml), or when it is only
a known place as a follow-up ("en zwolle?", "and Arnhem?", "oldenzaal ook?"). action_plaats
(actions/plaats.py) answers with `kind_of_place`.

A follow-up with a place the bot cannot place ("en Delden?", "and Gronau?") or without a place
("hoort dat ook bij jullie?") is a place question only in context: right after a place answer
or the list of municipalities. vrt.core.policies.PlaceFollowUpPolicy decides that, and
action_plaats finds the place with `place_in_conversation` (README, "Places").
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from vrt.nlu.lexicon import LEXICON, read_nlu_lists
from vrt.nlu.text import normalise

PLACE_QUESTIONS = LEXICON / "regex" / "plaatsen.yml"

TWENTE = "ja"
OTHER_DUTCH = "nee"
UNKNOWN = "onbekend"


def _words(text: str) -> str:
    return normalise(text).replace("-", " ")


@functools.lru_cache(maxsize=1)
def dutch_municipalities() -> Tuple[str, ...]:
    """All Dutch municipalities, as deduce's list spells them ("Hof Van Twente" -> "Hof van Twente")."""
    folder = Path(importlib.metadata.distribution("deduce").locate_file("deduce-data/lookup_lists"))
    names = (folder / "locations" / "municipalities.txt").read_text(encoding="utf-8").splitlines()
    small = {"van", "aan", "en", "de", "den", "der", "op", "in", "het", "ter"}
    return tuple(
        " ".join(w.lower() if i and w.lower() in small else w for i, w in enumerate(name.split(" ")))
        for name in (n.strip() for n in names)
        if name
    )


@functools.lru_cache(maxsize=1)
def twente_municipalities() -> Tuple[str, ...]:
    from vrt.notices.notices import load_municipalities

    return load_municipalities().names


@functools.lru_cache(maxsize=1)
def _known() -> Tuple[Tuple[str, str, str], ...]:
    """(words, name, kind) for every known municipality, longest first: "hof van twente" before "twente"."""
    twente = {_words(n): n for n in twente_municipalities()}
    known = {**{_words(n): n for n in dutch_municipalities()}, **twente}
    rows = [(words, name, TWENTE if words in twente else OTHER_DUTCH) for words, name in known.items()]
    # The parts of a double name of the 14 ("Rijssen", "Holten" of Rijssen-Holten): the name says
    # they are that municipality, the answer names it whole.
    rows += [
        (_words(part), name, TWENTE)
        for name in twente_municipalities()
        if "-" in name
        for part in name.split("-")
        if _words(part) not in known
    ]
    return tuple(sorted(rows, key=lambda row: -len(row[0])))


def exact_place(candidate: str) -> Optional[Tuple[str, str]]:
    """(name, kind) when the candidate is a known municipality (or a part of a double name of the
    14), nothing more and nothing less."""
    words = _words(candidate)
    return next(((name, kind) for known, name, kind in _known() if known == words), None)


def find_place(text: str) -> Optional[Tuple[str, str]]:
    """(name, kind) of the first known municipality the text names, longest name first."""
    padded = f" {_words(text)} "
    for words, name, kind in _known():
        if f" {words} " in padded:
            return name, kind
    return None


def _edits(a: str, b: str) -> int:
    """Edit distance with swapped neighbours as one edit (optimal string alignment): "boren" is
    one edit from both Borne and Buren."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def close_municipality(candidate: str) -> Optional[Tuple[str, str]]:
    """(name, kind) of the one known municipality the candidate is a typo or a dialect form of
    ("oldenzal", "nijmegn", "hengel", "oldenzel"): the nearest, one edit from a word of at least
    5 letters, two from one of at least 8. None for a real town or village (deduce's list: Delden
    is no typo of Velden), a common word, or a tie."""
    words = _words(candidate)
    if len(words) < 5 or words in _residences() or words in _common_words():
        return None
    allowed = 1 if len(words) < 8 else 2
    distances = [
        (_edits(known, words), name, kind)
        for known, name, kind in _known()
        if abs(len(known) - len(words)) <= allowed
    ]
    near = sorted(row for row in distances if row[0] <= allowed)
    if not near or (len(near) > 1 and near[1][0] == near[0][0]):
        return None
    return near[0][1], near[0][2]


def _deduce_list(relative: str) -> List[str]:
    folder = Path(importlib.metadata.distribution("deduce").locate_file("deduce-data/lookup_lists"))
    return [
        line.strip() for line in (folder / relative).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@functools.lru_cache(maxsize=1)
def _residences() -> FrozenSet[str]:
    """Dutch towns and villages (deduce's list of woonplaatsen)."""
    return frozenset(_words(name) for name in _deduce_list("locations/residences.txt"))


@functools.lru_cache(maxsize=1)
def _common_words() -> FrozenSet[str]:
    """Dutch words that are not a place: deduce's stop words and its 1,000 most frequent terms."""
    return frozenset(
        _words(w) for w in [*_deduce_list("stop_words.txt"), *_deduce_list("top_1000_terms.txt")]
    )


@functools.lru_cache(maxsize=1)
def _project_words() -> FrozenSet[str]:
    """Every word of the training data, the answers and the knowledge files: the things the bot
    knows about ("rampenbestrijding", "network") are no places."""
    from vrt.privacy.redact import project_vocabulary

    return project_vocabulary()


def looks_like_place(
    candidate: str, not_places: FrozenSet[str], abroad: FrozenSet[str] = frozenset()
) -> bool:
    """A Dutch town or village (deduce's list), a place over the border (`abroad`, from
    lexicon/regex/plaatsen.yml: Gronau is also a word of the bot's own data), or one or two words that are neither common
    Dutch, nor a word of the bot's own data, nor listed as no place in lexicon/regex/plaatsen.yml.
    Measured on the held-out set: without the data's words, "is rampenbestrijding in twente
    jullie taak?" and "why is the network in twente so important" were read as places."""
    words = _words(candidate)
    if not words or words in not_places:
        return False
    if words in _residences() or words in abroad:
        return True
    return len(words.split()) <= 2 and not any(
        word in _common_words() or word in not_places or word in _project_words() for word in words.split()
    )


def kind_of_place(name: str) -> str:
    found = exact_place(name)
    return found[1] if found else UNKNOWN


def tidy_name(candidate: str) -> str:
    """A place a resident typed, shown back capitalised: "gronau" -> "Gronau", "de lutte" -> "De Lutte"."""
    return " ".join(word[:1].upper() + word[1:] for word in candidate.split())


class PlaceQuestions:
    """The questions about places in a message, from the patterns of the data file.

    `membership`: regular expressions on the normalised text with a group named `plaats`
    ("valt (?P<plaats>...) onder jullie"); `followup`: a message that is only a place
    ("en (?P<plaats>...)"), which counts on its own only for a known municipality, and
    `in_context` ("en in (?P<plaats>...)"), which counts only in context; `named`: where a
    resident says they live ("ik woon in (?P<plaats>...)"); `referring`: words that stand for
    the place named ("valt dat onder jullie"); `abroad`: places over the border.
    """

    def __init__(
        self,
        membership: List[str],
        followup: List[str],
        not_places: FrozenSet[str],
        named: Sequence[str] = (),
        referring: FrozenSet[str] = frozenset(),
        abroad: FrozenSet[str] = frozenset(),
        in_context: Sequence[str] = (),
    ) -> None:
        self.membership = [re.compile(p) for p in membership]
        self.in_context = [re.compile(p) for p in in_context]
        self.followup = [re.compile(p) for p in followup]
        self.named = [re.compile(p) for p in named]
        self.not_places = not_places
        self.referring = referring
        self.abroad = abroad

    def _a_place(self, candidate: str) -> Optional[Tuple[str, str]]:
        """(name, kind) when the candidate is a place: a known municipality, or a place the bot
        cannot place (`looks_like_place`)."""
        candidate = candidate.strip()
        exact = exact_place(candidate)
        if exact:
            return exact
        found = find_place(candidate)
        if not candidate or found or _words(candidate) in self.not_places:
            return None
        close = close_municipality(candidate)  # also a word of the data: "hengel" (Twents)
        if close:
            return close
        if looks_like_place(candidate, self.not_places, self.abroad):
            return tidy_name(candidate), UNKNOWN
        return None

    def place_asked(self, text: str) -> Optional[Tuple[str, str]]:
        """(name, kind) of the place the message asks about, or None when it asks about none."""
        normalised = normalise(text)
        for pattern in self.membership:
            match = pattern.search(normalised)
            if match:
                candidate = match.group("plaats").strip()
                if _words(candidate) in self.referring:  # "ik woon in Delden, valt dat onder jullie?"
                    before = normalised[: match.start()]
                    named = self.place_named(before) or self.follow_up_place(before)
                    if named:
                        return named
                    continue
                exact = exact_place(candidate)
                if exact:
                    return exact
                found = find_place(candidate)
                if found:  # "zit mijn burgemeester van Losser in jullie bestuur": not a place question
                    continue
                if looks_like_place(candidate, self.not_places, self.abroad):
                    return close_municipality(candidate) or (tidy_name(candidate), UNKNOWN)
        for pattern in self.followup:
            match = pattern.fullmatch(normalised)
            if match:
                found = self._a_place(match.group("plaats"))
                if found and found[1] != UNKNOWN:
                    return found
        return None

    def follow_up_place(self, text: str) -> Optional[Tuple[str, str]]:
        """(name, kind) when the message is only a place ("en delden?", "and Gronau?", "ook
        Deventer?"), any place; a place question only in context (PlaceFollowUpPolicy)."""
        normalised = normalise(text).strip(" -")
        for pattern in [*self.followup, *self.in_context]:
            match = pattern.fullmatch(normalised)
            if match:
                found = self._a_place(match.group("plaats"))
                if found:
                    return found
        return None

    def place_named(self, text: str, alone: bool = False) -> Optional[Tuple[str, str]]:
        """(name, kind) of the place where the resident says they live or work ("ik woon in
        Delden"): the two words after "in", else the first; None when neither is a place.
        `alone`: only when the message says that and nothing else (a subject of at most 3 words before it)."""
        normalised = normalise(text)
        for pattern in self.named:
            for match in pattern.finditer(normalised):
                if alone and (len(normalised[: match.start()].split()) > 3 or match.end() < len(normalised)):
                    continue  # "(mijn zus) woont in Markelo" and nothing after it
                words = match.group("plaats").split()
                for reading in (" ".join(words[:2]), words[0]) if len(words) > 1 else (words[0],):
                    found = self._a_place(reading)
                    if found:
                        return found
        return None

    def refers_to_a_place(self, text: str) -> bool:
        """Whether the message asks about a place named before: a membership question whose place
        is a word that stands for it ("hoort dat ook bij jullie?", "val ik onder jullie?"); not
        "hoort het ziekenhuis bij jullie?"."""
        normalised = normalise(text)
        for pattern in self.membership:
            match = pattern.search(normalised)
            if match and _words(match.group("plaats").strip()) in self.referring:
                return True
        return False

    def place_in_message(
        self, text: str, entities: Sequence[Dict[str, Any]] = ()
    ) -> Optional[Tuple[str, str]]:
        """(name, kind) of the place a message names: its entity `plaats`, a message that is only
        a place, where the resident lives, or a known municipality anywhere in it."""
        for entity in entities:
            if entity.get("entity") == "plaats" and entity.get("value"):
                value = str(entity["value"])
                return value, kind_of_place(value)
        return (
            self.place_asked(text) or self.follow_up_place(text) or self.place_named(text) or find_place(text)
        )

    def place_in_conversation(
        self, messages: Sequence[Tuple[str, Sequence[Dict[str, Any]]]]
    ) -> Optional[Tuple[str, str]]:
        """(name, kind) of the place a question is about, from the user messages newest first
        (text, entities): the newest message's own place; when it only refers to one ("hoort dat
        ook bij jullie?"), the newest place the earlier messages named."""
        if not messages:
            return None
        text, entities = messages[0]
        found = self.place_in_message(text, entities)
        if found or not self.refers_to_a_place(text):
            return found
        for text, entities in messages[1:]:
            found = self.place_in_message(text, entities)
            if found:
                return found
        return None


@functools.lru_cache(maxsize=1)
def place_questions(path: Path = PLACE_QUESTIONS) -> PlaceQuestions:
    """The patterns and the no-place words of lexicon/regex/plaatsen.yml (vrt/nlu/lexicon.py)."""
    lists = read_nlu_lists(path)
    return PlaceQuestions(
        lists.regexes["plaats_lidmaatschap"],
        lists.regexes["plaats_vervolg"],
        frozenset(_words(w) for w in lists.lookups.get("plaats_geen_plaats", ())),
        named=lists.regexes["plaats_genoemd"],
        referring=frozenset(_words(w) for w in lists.lookups["plaats_verwijzing"]),
        abroad=frozenset(_words(w) for w in lists.lookups["plaats_over_de_grens"]),
        in_context=lists.regexes["plaats_vervolg_in_context"],
    )
