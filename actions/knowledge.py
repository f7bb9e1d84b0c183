"""Loads and validates the knowledge files: knowledge/beleidsplan.yml (policy-plan
themes) and knowledge/vervolg.yml (what "vertel meer" adds after an FAQ answer).

Both refer to FAQ answers (`utter_faq/<topic>` in domain.yml) instead of holding text,
so each fact is written once. A broken file, or a topic domain.yml does not answer,
raises KnowledgeFileError, naming the file and the field, when the action server
imports this package: serving wrong content is worse than not starting.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from vrt.knowledge import (  # noqa: F401 (the actions import them from here)
    FAQ_RESPONSE_PREFIX,
    KnowledgeFileError,
    faq_topics,
    read_mapping,
    require_topic,
)
from vrt.nlu.text import normalise
from vrt.paths import ROOT  # noqa: E402

DEFAULT_PATH = ROOT / "knowledge" / "beleidsplan.yml"
FOLLOW_UPS_PATH = ROOT / "knowledge" / "vervolg.yml"
DOMAIN_PATH = ROOT / "domain.yml"
# Lets operators point the action server at another copy of the file.
PATH_ENV = "VRT_BELEIDSPLAN_FILE"


@dataclass(frozen=True)
class Theme:
    key: str
    titel: str
    # Button text in English conversations (vrt/nlu/language.py).
    titel_en: str
    synoniemen: Tuple[str, ...]
    # FAQ topic: the theme's answer is `utter_faq/<antwoord>`.
    antwoord: str

    @property
    def response(self) -> str:
        return f"{FAQ_RESPONSE_PREFIX}{self.antwoord}"


@dataclass(frozen=True)
class PolicyPlan:
    document: str
    themes: Dict[str, Theme]
    _terms: List[Tuple[str, str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        terms = []
        for theme in self.themes.values():
            for term in {theme.key, theme.titel, theme.titel_en, *theme.synoniemen}:
                terms.append((normalise(term), theme.key))
        # Longest first, so "sociale veiligheid" beats "veiligheid".
        terms.sort(key=lambda t: len(t[0]), reverse=True)
        self._terms.extend(terms)

    def theme_for_value(self, value: Optional[str]) -> Optional[Theme]:
        """The theme an entity or slot value names (key, title or synonym)."""
        if not value:
            return None
        wanted = normalise(value)
        for term, key in self._terms:
            if term == wanted:
                return self.themes[key]
        return self.find_in_text(value)

    def find_in_text(self, text: Optional[str]) -> Optional[Theme]:
        """The theme whose longest term occurs as whole words in the text."""
        if not text:
            return None
        padded = f" {normalise(text)} "
        for term, key in self._terms:
            if f" {term} " in padded:
                return self.themes[key]
        return None


def _require_text(data: Dict[str, Any], key: str, where: str, path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeFileError(path, f"{where}.{key}", "must be a non-empty text")
    return " ".join(value.split())


def _require_text_list(data: Dict[str, Any], key: str, where: str, path: Path) -> Tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise KnowledgeFileError(path, f"{where}.{key}", "must be a non-empty list of texts")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise KnowledgeFileError(path, f"{where}.{key}[{index}]", "must be a non-empty text")
    return tuple(" ".join(item.split()) for item in value)


def load_policy_plan(path: Optional[Path] = None, topics: Optional[Set[str]] = None) -> PolicyPlan:
    path = Path(path or os.environ.get(PATH_ENV) or DEFAULT_PATH)
    topics = faq_topics() if topics is None else topics
    raw = read_mapping(path)
    document = _require_text(raw, "document", "(top level)", path)
    themes_raw = raw.get("themas")
    if not isinstance(themes_raw, dict) or not themes_raw:
        raise KnowledgeFileError(path, "themas", "must be a non-empty mapping of themes")

    allowed = {"titel", "titel_en", "synoniemen", "antwoord"}
    themes: Dict[str, Theme] = {}
    for key, entry in themes_raw.items():
        where = f"themas.{key}"
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise KnowledgeFileError(path, where, "theme keys are lower-case identifiers")
        if not isinstance(entry, dict):
            raise KnowledgeFileError(path, where, "must be a mapping")
        unknown = set(entry) - allowed
        if unknown:
            raise KnowledgeFileError(path, f"{where}.{sorted(unknown)[0]}", "is not a known field")
        themes[key] = Theme(
            key=key,
            titel=_require_text(entry, "titel", where, path),
            titel_en=_require_text(entry, "titel_en", where, path),
            synoniemen=_require_text_list(entry, "synoniemen", where, path),
            antwoord=require_topic(entry.get("antwoord"), f"{where}.antwoord", path, topics),
        )
    return PolicyPlan(document=document, themes=themes)


def load_follow_ups(
    path: Path = FOLLOW_UPS_PATH, topics: Optional[Set[str]] = None
) -> Dict[str, Tuple[str, ...]]:
    """FAQ topic -> the FAQ topics "vertel meer" offers after it; every topic has an entry."""
    topics = faq_topics() if topics is None else topics
    raw = read_mapping(path).get("vervolg")
    if not isinstance(raw, dict):
        raise KnowledgeFileError(path, "vervolg", "must be a mapping of FAQ topics")
    follow_ups: Dict[str, Tuple[str, ...]] = {}
    for topic, related in raw.items():
        require_topic(topic, f"vervolg.{topic}", path, topics)
        if not isinstance(related, list):
            raise KnowledgeFileError(path, f"vervolg.{topic}", "must be a list of FAQ topics (may be empty)")
        follow_ups[topic] = tuple(
            require_topic(item, f"vervolg.{topic}[{index}]", path, topics)
            for index, item in enumerate(related)
        )
    missing = sorted(topics - set(follow_ups))
    if missing:
        raise KnowledgeFileError(path, f"vervolg.{missing[0]}", "is missing: every FAQ topic needs an entry")
    return follow_ups
