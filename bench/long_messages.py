"""Long messages, a story and then the question: the NLU of a model on bench/long_messages.yml.

The set was written for the question-part rule (vrt/nlu/question_part.py) by its engineer, from
docs/sources/ and made-up residents, not from tests/ or data/ (see the file's header). NLU only
(no action server): the final intent after the whole pipeline, as `make shell DEBUG=1` shows it.

    python -m bench.long_messages --model models/x.tar.gz [--out results/long_messages.json]

Figures:
- `answer_accuracy`: questions the sources answer that end in the right intent (for `faq/<topic>`
  labels: intent `faq` and that topic);
- `within_one_clarifying`: right at once, or asked back (`verduidelijk`) with the right topic
  among the buttons;
- `out_of_scope_wrong_rate`: questions the sources do not answer (`honest`) that end in anything
  but `buiten_bereik` or the fallback;
- `question_part_found` / `question_part_used`: messages with a question part, and those where
  the classifier read the part instead of the whole message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from vrt.paths import ROOT

MESSAGES = ROOT / "bench" / "long_messages.yml"
HONEST = "honest"
HONEST_INTENTS = {"buiten_bereik", "nlu_fallback"}
CLARIFY_INTENT = "verduidelijk"


def load_messages(path: Path = MESSAGES) -> List[Dict[str, str]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]


def judge(label: str, parse: Dict[str, Any]) -> Dict[str, Any]:
    intent = (parse.get("intent") or {}).get("name")
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    topic = (selector.get("response") or {}).get("intent_response_key")
    got = f"{intent}/{topic.split('/', 1)[1]}" if intent == "faq" and topic else intent
    choice = parse.get("question_part_choice") or {}
    row = {
        "label": label,
        "got": got,
        "question_part": parse.get("question_part"),
        "question_part_used": bool(choice.get("used")),
        "sureness": {k: v for k, v in choice.items() if k != "used"},
    }
    if label == HONEST:
        row["right"] = intent in HONEST_INTENTS
        row["within_one"] = row["right"]
    else:
        row["right"] = got == label
        offered = parse.get("verduidelijk_onderwerpen") or []
        row["within_one"] = row["right"] or (intent == CLARIFY_INTENT and label in offered)
    return row


def share(part: List[Any], whole: List[Any]) -> Optional[float]:
    return round(len(part) / len(whole), 3) if whole else None


def figures(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    in_scope = [r for r in rows if r["label"] != HONEST]
    honest = [r for r in rows if r["label"] == HONEST]
    return {
        "in_scope_messages": len(in_scope),
        "answer_accuracy": share([r for r in in_scope if r["right"]], in_scope),
        "within_one_clarifying": share([r for r in in_scope if r["within_one"]], in_scope),
        "out_of_scope_messages": len(honest),
        "out_of_scope_wrong_rate": share([r for r in honest if not r["right"]], honest),
        "question_part_found": sum(bool(r["question_part"]) for r in rows),
        "question_part_used": sum(r["question_part_used"] for r in rows),
    }


async def _parse_all(model: Path, texts: List[str]) -> List[Dict[str, Any]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(model: Path, path: Path = MESSAGES) -> Dict[str, Any]:
    messages = load_messages(path)
    parses = asyncio.run(_parse_all(model, [m["text"] for m in messages]))
    rows = [
        {"text": m["text"], **judge(m["label"], parse)} for m, parse in zip(messages, parses, strict=True)
    ]
    return {"model": model.name, **figures(rows), "misses": [r for r in rows if not r["right"]]}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = evaluate(args.model)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "misses"}, indent=2))
    for miss in result["misses"]:
        print(f"- {miss['label']} -> {miss['got']} | part: {miss['question_part']} {miss['sureness']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
