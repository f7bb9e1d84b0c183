"""Loads and validates knowledge/beleidsplan.yml, the policy-plan knowledge file.

A broken file raises KnowledgeFileError, naming the file and the field, when the
action server imports this package: serving wrong content is worse than not starting.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from vrt_nlu.text import normalise

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "beleidsplan.yml"
# Lets operators point the action server at another copy of the file.
PATH_ENV = "VRT_BELEIDSPLAN_FILE"


class KnowledgeFileError(ValueError):
    """The knowledge file is missing, unreadable or does not match the schema."""

    def __init__(self, path: Path, field_path: str, problem: str) -> None:
        self.path = path
        self.field_path = field_path
        super().__init__(f"{path}: field '{field_path}': {problem}")


@dataclass(frozen=True)
class Theme:
    key: str
    titel: str
    synoniemen: Tuple[str, ...]
    samenvatting: str
    details: Tuple[str, ...]
    bron: str


@dataclass(frozen=True)
class PolicyPlan:
    document: str
    themes: Dict[str, Theme]
    _terms: List[Tuple[str, str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        terms = []
        for theme in self.themes.values():
            for term in {theme.key, theme.titel, *theme.synoniemen}:
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


def load_policy_plan(path: Optional[Path] = None) -> PolicyPlan:
    path = Path(path or os.environ.get(PATH_ENV) or DEFAULT_PATH)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnowledgeFileError(path, "(file)", f"cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise KnowledgeFileError(path, "(file)", f"is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise KnowledgeFileError(path, "(top level)", "must be a mapping")
    document = _require_text(raw, "document", "(top level)", path)
    themes_raw = raw.get("themas")
    if not isinstance(themes_raw, dict) or not themes_raw:
        raise KnowledgeFileError(path, "themas", "must be a non-empty mapping of themes")

    allowed = {"titel", "synoniemen", "samenvatting", "details", "bron"}
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
            synoniemen=_require_text_list(entry, "synoniemen", where, path),
            samenvatting=_require_text(entry, "samenvatting", where, path),
            details=_require_text_list(entry, "details", where, path),
            bron=_require_text(entry, "bron", where, path),
        )
    return PolicyPlan(document=document, themes=themes)
