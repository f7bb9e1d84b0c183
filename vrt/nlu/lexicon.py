"""The word lists and regular expressions of the NLU components: data files staff read and edit.

- lexicon/regex/noodgeval.yml: the emergency nets of vrt.nlu.emergency.EmergencyKeywordClassifier
  (`regex:` groups `patterns`, `unsure_patterns`, `ordinary_question`, `english_patterns`,
  `english_short_patterns`, `english_unsure_patterns`, `english_ordinary_question`);
- lexicon/regex/na_noodgeval.yml: the `what_now` patterns of vrt.core.policies.EmergencyFollowUpPolicy
  (what residents ask right after an emergency answer, Dutch and English);
- lexicon/regex/vervolgvraag.yml and lexicon/lookups/vervolgvraag.yml: the kinds of follow-up
  question without a topic ("wie betaalt dat?", "waarom?") and the words around them, of
  vrt.core.policies.TopicFollowUpPolicy;
- lexicon/lookups/taal.yml: the word lists of vrt.nlu.language_detector.LanguageDetector
  (`lookup:` tables);
- lexicon/lookups/vraagwoorden.yml: the question words of vrt.nlu.question_part.QuestionPartFinder
  (`lookup:` tables per language, merged here);
- lexicon/lookups/namen.yml: the names and everyday words of what the sources name, one `lookup:`
  table per FAQ topic, and lexicon/lookups/naamvragen.yml: the question words around them, for
  vrt.nlu.names.NameQuestionClassifier;
- knowledge/gemeenten.yml: the municipalities and places, language-neutral names for the detector
  (the same file the crisis notices name municipalities from).

Both files are in Rasa's own training-data format (as RasaHQ/rasa-demo keeps data/nlu/lookups/)
and are read with Rasa's own reader (README, "Change the emergency net or a word list").
They are not under data/: no Rasa component uses them (`rasa train` would warn three times that
regexes and lookup tables need a RegexFeaturizer), and the privacy redactor reads every word of
data/**/*.yml as a word residents use, which never starts a name (vrt/privacy/redact.py,
`project_vocabulary`): the words of the patterns and their comments ("question mark") would have
left "Mark de Vries" unredacted.

One reader for every user: the components when they are created (when a model is loaded, so the
running bot and the channel's guard always use the same files), the channel's guard
(vrt/privacy/guard.py), bench/language.py and the tests.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Text

import yaml

from vrt.paths import KNOWLEDGE, ROOT

LEXICON = ROOT / "lexicon"
EMERGENCY_NETS = LEXICON / "regex" / "noodgeval.yml"
EMERGENCY_FOLLOW_UPS = LEXICON / "regex" / "na_noodgeval.yml"
LANGUAGE_LISTS = LEXICON / "lookups" / "taal.yml"
FOLLOW_UP_KINDS = LEXICON / "regex" / "vervolgvraag.yml"
FOLLOW_UP_WORDS = LEXICON / "lookups" / "vervolgvraag.yml"
FOLLOW_UP_WORD_LISTS = ("referring_words", "filler_words")
QUESTION_LISTS = LEXICON / "lookups" / "vraagwoorden.yml"
MUNICIPALITIES = KNOWLEDGE / "gemeenten.yml"
NAMES = LEXICON / "lookups" / "namen.yml"
NAME_QUESTION_WORDS = LEXICON / "lookups" / "naamvragen.yml"

# The settings of EmergencyKeywordClassifier that are regex groups of EMERGENCY_NETS.
EMERGENCY_LISTS = (
    "patterns",
    "unsure_patterns",
    "ordinary_question",
    "english_patterns",
    "english_short_patterns",
    "english_unsure_patterns",
    "english_ordinary_question",
)
# Lookup tables of LANGUAGE_LISTS: whole lists, and lists per language (`<name>_<language>`).
NEUTRAL_BEFORE, NEUTRAL_AFTER = "neutral_terms_vrt", "neutral_terms_partners"
LANGUAGE_LOOKUPS = ("not_german_words", "shared_words")
PER_LANGUAGE_LOOKUPS = ("switch_phrases", "language_words")
# Lookup tables of QUESTION_LISTS, each as `<name>_<language>`; QuestionPartFinder's settings.
QUESTION_LOOKUPS = (
    "question_words",
    "question_starters",
    "question_lead_ins",
    "question_openers",
    "dictated_question_marks",
)
QUESTION_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class NluLists:
    """The `regex:` groups and `lookup:` tables of one file, by name, in file order."""

    regexes: Dict[Text, List[Text]]
    lookups: Dict[Text, List[Text]]


def read_nlu_lists(path: Path) -> NluLists:
    """Rasa's RasaYAMLReader on `path` (schema check included).

    The reader's own lists, not its TrainingData: TrainingData sorts regex features by name and
    pattern, and the net's order counts. Rasa skips a malformed entry (a line without "- ")
    with a warning; for a safety net that is an error.
    """
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    reader = RasaYAMLReader()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        reader.read(path)
    regexes: Dict[Text, List[Text]] = {}
    for feature in reader.regex_features:
        regexes.setdefault(feature["name"], []).append(feature["pattern"])
    lookups = {table["name"]: list(table["elements"]) for table in reader.lookup_tables}
    return NluLists(regexes, lookups)


def _check_names(path: Path, unknown: List[Text], missing: List[Text]) -> None:
    """A misspelt or missing list name must not silently leave a list empty."""
    if unknown or missing:
        raise ValueError(f"{path}: unknown lists {sorted(unknown)}, missing lists {sorted(missing)}")


def emergency_nets(path: Path = EMERGENCY_NETS) -> Dict[Text, List[Text]]:
    """EmergencyKeywordClassifier's pattern lists, by setting name."""
    regexes = read_nlu_lists(path).regexes
    _check_names(
        path,
        [n for n in regexes if n not in EMERGENCY_LISTS],
        [n for n in EMERGENCY_LISTS if n not in regexes],
    )
    return {name: regexes[name] for name in EMERGENCY_LISTS}


def emergency_follow_ups(path: Path = EMERGENCY_FOLLOW_UPS) -> List[Text]:
    """EmergencyFollowUpPolicy's `what_now` patterns ("wat moet ik doen", "what now")."""
    regexes = read_nlu_lists(path).regexes
    _check_names(path, [n for n in regexes if n != "what_now"], [] if "what_now" in regexes else ["what_now"])
    return regexes["what_now"]


def follow_up_kinds(path: Path = FOLLOW_UP_KINDS) -> Dict[Text, List[Text]]:
    """TopicFollowUpPolicy's patterns by kind of follow-up question, in file order (the first
    kind that matches wins)."""
    return read_nlu_lists(path).regexes


def follow_up_words(path: Path = FOLLOW_UP_WORDS) -> Dict[Text, List[Text]]:
    """TopicFollowUpPolicy's `referring_words` and `filler_words`."""
    lookups = read_nlu_lists(path).lookups
    _check_names(
        path,
        [n for n in lookups if n not in FOLLOW_UP_WORD_LISTS],
        [n for n in FOLLOW_UP_WORD_LISTS if n not in lookups],
    )
    return {name: lookups[name] for name in FOLLOW_UP_WORD_LISTS}


def municipality_terms(path: Path = MUNICIPALITIES) -> List[Text]:
    """The municipalities, each followed by the parts of a double name (Rijssen-Holten: Rijssen,
    Holten), then the `plaatsen`: names residents write as they are, in any language."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms: List[Text] = []
    for name in raw["gemeenten"]:
        terms += [name, *(name.split("-") if "-" in name else [])]
    return terms + list(raw.get("plaatsen") or [])


def language_lists(path: Path = LANGUAGE_LISTS, municipalities: Path = MUNICIPALITIES) -> Dict[Text, Any]:
    """LanguageDetector's word lists, by setting name. `neutral_terms`: the VRT's own names, the
    municipalities and places (lower case, as the other lists), the partners' names."""
    lookups = read_nlu_lists(path).lookups
    per_language: Dict[Text, Dict[Text, List[Text]]] = {name: {} for name in PER_LANGUAGE_LOOKUPS}
    for name, elements in lookups.items():
        setting, _, language = name.rpartition("_")
        if setting in per_language:
            per_language[setting][language] = elements
    whole = (NEUTRAL_BEFORE, NEUTRAL_AFTER, *LANGUAGE_LOOKUPS)
    _check_names(
        path,
        [n for n in lookups if n not in whole and n.rpartition("_")[0] not in per_language],
        [n for n in whole if n not in lookups] + [n for n, lists in per_language.items() if not lists],
    )
    neutral = [
        *lookups[NEUTRAL_BEFORE],
        *(term.lower() for term in municipality_terms(municipalities)),
        *lookups[NEUTRAL_AFTER],
    ]
    return {
        "neutral_terms": neutral,
        **{name: lookups[name] for name in LANGUAGE_LOOKUPS},
        **per_language,
    }


def question_lists(path: Path = QUESTION_LISTS) -> Dict[Text, List[Text]]:
    """QuestionPartFinder's word lists, by setting name: each list's Dutch and English entries,
    in file order (the finder does not know the message's language yet)."""
    lookups = read_nlu_lists(path).lookups
    expected = [f"{name}_{language}" for name in QUESTION_LOOKUPS for language in QUESTION_LANGUAGES]
    _check_names(path, [n for n in lookups if n not in expected], [n for n in expected if n not in lookups])
    return {
        name: [entry for language in QUESTION_LANGUAGES for entry in lookups[f"{name}_{language}"]]
        for name in QUESTION_LOOKUPS
    }


def faq_names(path: Path = NAMES) -> Dict[Text, List[Text]]:
    """NameQuestionClassifier's names and everyday words, by FAQ topic (the table's name), in
    file order. A topic twice would silently merge two tables: an error."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    reader = RasaYAMLReader()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        reader.read(path)
    topics = [table["name"] for table in reader.lookup_tables]
    twice = sorted({t for t in topics if topics.count(t) > 1})
    if twice or reader.regex_features:
        raise ValueError(f"{path}: tables twice {twice}, regexes {len(reader.regex_features)}")
    return {table["name"]: list(table["elements"]) for table in reader.lookup_tables}


def name_question_words(path: Path = NAME_QUESTION_WORDS) -> List[Text]:
    """NameQuestionClassifier's question words and fillers ("wat", "is", "de", "what")."""
    lookups = read_nlu_lists(path).lookups
    _check_names(
        path,
        [n for n in lookups if n != "question_words"],
        [] if "question_words" in lookups else ["question_words"],
    )
    return lookups["question_words"]
