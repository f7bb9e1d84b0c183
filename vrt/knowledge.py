"""The knowledge files' shared reader: the FAQ topics domain.yml answers, and the checks that
make a broken file stop the process that reads it (actions/knowledge.py for the action server,
vrt.core.policies.TopicFollowUpPolicy for the Rasa server).

Knowledge files refer to FAQ answers (`utter_faq/<topic>` in domain.yml) instead of holding
text, so each fact is written once. A broken file, or a topic domain.yml does not answer, raises
KnowledgeFileError naming the file and the field: serving wrong content is worse than not starting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional, Set

import yaml

from vrt.paths import DOMAIN, KNOWLEDGE

FAQ_RESPONSE_PREFIX = "utter_faq/"
FOLLOW_UP_QUESTIONS_PATH = KNOWLEDGE / "vervolgvragen.yml"


def _domain(domain_path: Path) -> Dict[str, Any]:
    return yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}


def faq_topics(domain_path: Path = DOMAIN) -> Set[str]:
    """The FAQ topics domain.yml has an answer for (`utter_faq/<topic>`)."""
    responses = _domain(domain_path).get("responses") or {}
    return {name[len(FAQ_RESPONSE_PREFIX) :] for name in responses if name.startswith(FAQ_RESPONSE_PREFIX)}


def domain_actions(domain_path: Path = DOMAIN) -> Set[str]:
    """The custom actions (`actions:`) and responses of domain.yml."""
    domain = _domain(domain_path)
    return set(domain.get("actions") or []) | set(domain.get("responses") or {})


class KnowledgeFileError(ValueError):
    """The knowledge file is missing, unreadable or does not match the schema."""

    def __init__(self, path: Path, field_path: str, problem: str) -> None:
        self.path = path
        self.field_path = field_path
        super().__init__(f"{path}: field '{field_path}': {problem}")


def read_mapping(path: Path) -> Dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnowledgeFileError(path, "(file)", f"cannot be read: {error}") from error
    except yaml.YAMLError as error:
        raise KnowledgeFileError(path, "(file)", f"is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise KnowledgeFileError(path, "(top level)", "must be a mapping")
    return raw


def require_topic(value: Any, where: str, path: Path, topics: Set[str]) -> str:
    if not isinstance(value, str) or value not in topics:
        problem = f"must be an FAQ topic of domain.yml (utter_faq/<topic>), not {value!r}"
        raise KnowledgeFileError(path, where, problem)
    return value


def load_follow_up_questions(
    path: Path = FOLLOW_UP_QUESTIONS_PATH,
    kinds: Optional[Set[str]] = None,
    domain_path: Path = DOMAIN,
) -> Dict[str, Dict[str, str]]:
    """knowledge/vervolgvragen.yml: FAQ topic -> kind of follow-up question -> the action that
    answers it (`utter_faq/<topic>` for an FAQ topic, else an action or response of domain.yml).
    Every FAQ topic has an entry: `altijd` (for every topic), then the topic's own.

    `kinds`: the kinds the patterns know (lexicon/regex/vervolgvraag.yml); a kind the patterns
    do not know would never be asked, so it is an error.
    """
    topics = faq_topics(domain_path)
    actions = domain_actions(domain_path)
    raw = read_mapping(path)

    def answers_by_kind(by_kind: Any, where: str) -> Dict[str, str]:
        if not isinstance(by_kind, dict):
            raise KnowledgeFileError(path, where, "must map kinds of question to answers")
        answers: Dict[str, str] = {}
        for kind, target in by_kind.items():
            if kinds is not None and kind not in kinds:
                problem = f"is not a kind of lexicon/regex/vervolgvraag.yml {sorted(kinds)}"
                raise KnowledgeFileError(path, f"{where}.{kind}", problem)
            if isinstance(target, str) and target in topics:
                answers[kind] = f"{FAQ_RESPONSE_PREFIX}{target}"
            elif isinstance(target, str) and target in actions:
                answers[kind] = target
            else:
                problem = f"must be an FAQ topic, action or response of domain.yml, not {target!r}"
                raise KnowledgeFileError(path, f"{where}.{kind}", problem)
        return answers

    always = answers_by_kind(raw.get("altijd") or {}, "altijd")
    by_topic = raw.get("vervolgvragen")
    if not isinstance(by_topic, dict):
        raise KnowledgeFileError(path, "vervolgvragen", "must be a mapping of FAQ topics")
    answers = {topic: dict(always) for topic in topics}
    for topic, by_kind in by_topic.items():
        require_topic(topic, f"vervolgvragen.{topic}", path, topics)
        answers[topic].update(answers_by_kind(by_kind, f"vervolgvragen.{topic}"))
    return answers
