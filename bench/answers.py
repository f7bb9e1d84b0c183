"""Answer accuracy over the whole pipeline, on the held-out and out-of-scope sets.

Loads the model once in this process (rasa.core.agent.Agent, in-memory tracker store)
with the real action server, sends every example of tests/nlu/ as the first message
of a fresh conversation, and reads from the tracker which answers the bot gave: the
`utter_action` of each BotUttered event (for FAQ answers the full `utter_faq/<topic>`)
and the actions that ran. An example is answered right when the expected answer is
among them (after the 112 line, if the emergency net put one first).

    python -m bench.answers --model models/x.tar.gz [--gate] [--out results/answers.json]

The English set (tests/nlu/en/) is evaluated the same way, into results/answers_en.json; an
answer counts only in the language of its set (vrt/core/nlg.py), an emergency only with 112 first.

`--gate` is the `make test` gate (scripts/test.sh): it fails below GATE_ANSWER_ACCURACY or
GATE_EMERGENCY_RECALL, or above GATE_OUT_OF_SCOPE_WRONG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from tests.nlu_examples import nlu_examples
from vrt.ops.servers import ROOT, BotServers

HELDOUT_DIR = ROOT / "tests" / "nlu"
# The English held-out and out-of-scope set: its own figures (answers_en) and gate.
ENGLISH_HELDOUT_DIR = HELDOUT_DIR / "en"
OUT_OF_SCOPE_INTENT = "buiten_bereik"
EMERGENCY_INTENT = "noodgeval"
EMERGENCY_ANSWER = "utter_noodgeval"
# The short 112 line the bot puts before an answer when the emergency net is unsure.
EMERGENCY_FIRST_LINE = "utter_noodgeval_eerst"
# "That I don't know" answers: honest, with a pointer to www.vrtwente.nl.
HONEST_ANSWERS = {"utter_buiten_bereik", "utter_default", "utter_beleidsplan_onbekend_thema"}
# This set was written before the bot answered yes or no about a place: its questions whether a
# town belongs to VRT are labelled with the list of 14 municipalities. "Ja, Hengelo is een van de
# 14 gemeenten van VRT" (action_plaats, README "Places") answers them better.
BETTER_ANSWERS = {"utter_faq/gemeenten": {"utter_plaats_ja", "utter_plaats_nee", "utter_plaats_onbekend"}}
POLICY_PLAN_ACTION = "action_beleidsplan"
FOLLOW_UP_ACTION = "action_vertel_meer"
NOTICE_ACTION = "action_actuele_melding"

# make test fails below these (the "done when"); make bench shows the targets.
GATE_ANSWER_ACCURACY = 0.90
GATE_EMERGENCY_RECALL = 1.0
GATE_OUT_OF_SCOPE_WRONG = 0.10


def expected_answer(label: str) -> str:
    """The answer (response or action) a held-out label must get."""
    if label.startswith("faq/"):
        return f"utter_{label}"
    return {
        EMERGENCY_INTENT: EMERGENCY_ANSWER,
        "beleidsplan": POLICY_PLAN_ACTION,
        "vertel_meer": FOLLOW_UP_ACTION,
        "actuele_melding": NOTICE_ACTION,
        "feedback": "utter_feedback_bedankt",
    }.get(label, f"utter_{label}")


def load_examples(folder: Path = HELDOUT_DIR) -> List[Tuple[str, str]]:
    """(label, text) for every example in the NLU files of the folder (Rasa's own loader)."""
    return [(label, text) for label, texts in nlu_examples(folder).items() for text in texts]


def base_intent(label: str) -> str:
    return label.split("/", 1)[0]


async def _run_turns(model: Path, action_url: str, examples: List[Tuple[str, str]]) -> List[dict]:
    import logging

    # Rasa's processor logs every turn at debug level; the figures are what matters here.
    for name in ("rasa", "rasa_sdk", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.utils.endpoints import EndpointConfig

    from vrt.core.nlg import tracker_language

    agent = Agent.load(str(model), action_endpoint=EndpointConfig(url=action_url))
    rows = []
    for label, text in examples:
        sender = f"answers-{uuid.uuid4().hex}"
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
        tracker = await agent.tracker_store.retrieve(sender)
        events = list(tracker.events)
        last_user = max(i for i, e in enumerate(events) if isinstance(e, UserUttered))
        parse = events[last_user].parse_data
        answers, actions = [], []
        for event in events[last_user + 1 :]:
            if isinstance(event, BotUttered):
                answers.append((event.metadata or {}).get("utter_action") or "?")
            elif isinstance(event, ActionExecuted) and event.action_name != "action_listen":
                actions.append(event.action_name)
        selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
        net = parse.get("emergency_net") or {}
        # The model's own top intent: the fallback, when it fired, is put in front of it.
        model_top = next(
            (i for i in parse.get("intent_ranking") or [] if i.get("name") != "nlu_fallback"), {}
        )
        rows.append(
            {
                "label": label,
                "text": text,
                "intent": (parse.get("intent") or {}).get("name"),
                "faq_answer": selector.get("utter_action"),
                # For tuning FallbackClassifier and FaqConfidenceGate thresholds (docs/bench.md).
                "intent_confidence": model_top.get("confidence"),
                "faq_confidence": selector.get("confidence"),
                "model_intent": net.get("model_intent", (parse.get("intent") or {}).get("name")),
                "net": net.get("level"),
                "answers": answers,
                "actions": actions,
                # The language the bot answered in (vrt/core/nlg.py).
                "language": tracker_language(tracker),
            }
        )
    return rows


def run_examples(model: Path, examples: List[Tuple[str, str]], log_dir: Path) -> List[dict]:
    """Starts the real action server, loads the model once and answers every example."""
    bot = BotServers(workdir=log_dir / "answers-servers", model=model)
    try:
        bot.start_actions()
        return asyncio.run(_run_turns(model, f"http://127.0.0.1:{bot.action_port}/webhook", examples))
    finally:
        bot.stop()


def judge(row: dict, language: str = "nl") -> dict:
    """Adds what the bot's answers mean for this example: the right answer, in `language`
    (an emergency: 112 first, in any language; `emergency_in_language` counts the language)."""
    answers = row["answers"] + [
        a for a in row["actions"] if a in (POLICY_PLAN_ACTION, FOLLOW_UP_ACTION, NOTICE_ACTION)
    ]
    first = row["answers"][0] if row["answers"] else None
    expected = expected_answer(row["label"])
    row["expected"] = expected
    row["112_first"] = first in (EMERGENCY_ANSWER, EMERGENCY_FIRST_LINE)
    row["only_emergency"] = row["answers"] == [EMERGENCY_ANSWER]
    if row["label"] == OUT_OF_SCOPE_INTENT:
        rest = [a for a in answers if a != EMERGENCY_FIRST_LINE]
        row["correct"] = bool(rest) and all(a in HONEST_ANSWERS for a in rest)
    elif row["label"] == EMERGENCY_INTENT:
        row["correct"] = first == EMERGENCY_ANSWER
    else:
        row["correct"] = expected in answers or bool(BETTER_ANSWERS.get(expected, set()) & set(answers))
    row["in_language"] = row["language"] == language
    if row["label"] != EMERGENCY_INTENT:
        row["correct"] = row["correct"] and row["in_language"]
    return row


def _f1_macro(pairs: List[Tuple[str, str]]) -> float:
    from sklearn.metrics import f1_score

    labels = sorted({gold for gold, _ in pairs})
    return float(
        f1_score(
            [g for g, _ in pairs], [p for _, p in pairs], labels=labels, average="macro", zero_division=0
        )
    )


def figures(rows: List[dict]) -> Dict[str, Any]:
    """The figures of `make bench` and the gate of `make test`."""
    in_scope = [r for r in rows if r["label"] != OUT_OF_SCOPE_INTENT]
    out_of_scope = [r for r in rows if r["label"] == OUT_OF_SCOPE_INTENT]
    emergencies = [r for r in in_scope if r["label"] == EMERGENCY_INTENT]
    ordinary = [r for r in in_scope if r["label"] != EMERGENCY_INTENT]
    share = lambda part, whole: round(len(part) / len(whole), 3) if whole else None  # noqa: E731
    # Intent as the NLU pipeline ends (FAQ sub-intent ignored), like `rasa test nlu`.
    intent_pairs = [(base_intent(r["label"]), r["intent"]) for r in in_scope]
    wrong_oos = [r for r in out_of_scope if not r["correct"]]
    result = {
        "heldout_examples": len(in_scope),
        "answer_accuracy": share([r for r in in_scope if r["correct"]], in_scope),
        "faq_answer_accuracy": share(
            [r for r in in_scope if r["correct"] and r["label"].startswith("faq/")],
            [r for r in in_scope if r["label"].startswith("faq/")],
        ),
        "intent_accuracy": share([1 for g, p in intent_pairs if g == p], intent_pairs),
        "intent_macro_f1": round(_f1_macro(intent_pairs), 3) if intent_pairs else None,
        "emergency_examples": len(emergencies),
        "emergency_recall_model": share(
            [r for r in emergencies if r["model_intent"] == EMERGENCY_INTENT], emergencies
        ),
        "emergency_recall_net": share([r for r in emergencies if r["correct"]], emergencies),
        "emergency_112_first": share([r for r in emergencies if r["112_first"]], emergencies),
        "only_emergency_rate": share([r for r in ordinary if r["only_emergency"]], ordinary),
        "112_line_before_answer": len([r for r in ordinary if r["answers"][:1] == [EMERGENCY_FIRST_LINE]]),
        "out_of_scope_examples": len(out_of_scope),
        "out_of_scope_wrong_rate": share(wrong_oos, out_of_scope),
        "answer_language_accuracy": share([r for r in rows if r["in_language"]], rows),
        "emergency_in_language": share([r for r in emergencies if r["in_language"]], emergencies),
        "out_of_scope_wrong_kinds": dict(
            Counter((r["answers"] or ["(nothing)"])[-1] for r in wrong_oos).most_common()
        ),
    }
    result["errors"] = [
        {
            k: r[k]
            for k in (
                "label",
                "text",
                "answers",
                "intent",
                "model_intent",
                "net",
                "intent_confidence",
                "faq_confidence",
                "language",
            )
        }
        for r in rows
        if not r["correct"] or (r["label"] != EMERGENCY_INTENT and r["only_emergency"])
    ]
    return result


def evaluate(model: Path, log_dir: Path, folder: Path = HELDOUT_DIR, language: str = "nl") -> Dict[str, Any]:
    """Loads the model once, answers every held-out and out-of-scope example, returns the figures."""
    log_dir.mkdir(parents=True, exist_ok=True)
    examples = load_examples(folder)
    start = time.monotonic()
    rows = [judge(row, language) for row in run_examples(model, examples, log_dir)]
    result = figures(rows)
    result["seconds"] = round(time.monotonic() - start, 1)
    result["rows"] = rows
    return result


def bench_step(bench: Any) -> Dict[str, Any]:
    """The `answers` step of `make bench` (bench/run.py): figures under `answers`."""
    result = evaluate(bench.model, bench.logs)
    result.pop("rows")  # per-question detail stays in results/answers.json
    english = evaluate(bench.model, bench.logs, ENGLISH_HELDOUT_DIR, "en")
    english.pop("rows")
    return {"answers": result, "answers_en": english}


def gate_failures(result: Dict[str, Any]) -> List[str]:
    failures = []
    if (
        not result["heldout_examples"]
        or not result["emergency_examples"]
        or not result["out_of_scope_examples"]
    ):
        failures.append("the held-out set lacks in-scope, emergency or out-of-scope examples")
    if (result["answer_accuracy"] or 0) < GATE_ANSWER_ACCURACY:
        failures.append(f"answer accuracy {result['answer_accuracy']} < {GATE_ANSWER_ACCURACY}")
    if (result["emergency_recall_net"] or 0) < GATE_EMERGENCY_RECALL:
        failures.append(f"emergency recall {result['emergency_recall_net']} < {GATE_EMERGENCY_RECALL}")
    if (result["out_of_scope_wrong_rate"] or 0) > GATE_OUT_OF_SCOPE_WRONG:
        failures.append(
            f"wrong answers on out-of-scope questions {result['out_of_scope_wrong_rate']} "
            f"> {GATE_OUT_OF_SCOPE_WRONG}"
        )
    return failures


def summary(result: Dict[str, Any]) -> str:
    keys = (
        "heldout_examples",
        "answer_accuracy",
        "faq_answer_accuracy",
        "intent_accuracy",
        "intent_macro_f1",
        "emergency_recall_model",
        "emergency_recall_net",
        "only_emergency_rate",
        "112_line_before_answer",
        "out_of_scope_examples",
        "out_of_scope_wrong_rate",
        "answer_language_accuracy",
        "emergency_in_language",
    )
    return "\n".join(f"  {k}: {result[k]}" for k in keys)


def main(argv: Optional[List[str]] = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser(
        prog="python -m bench.answers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "answers.json")
    parser.add_argument("--gate", action="store_true", help="exit 1 below the make test bar")
    args = parser.parse_args(argv)
    failures = []
    for name, folder, language in (("", HELDOUT_DIR, "nl"), ("_en", ENGLISH_HELDOUT_DIR, "en")):
        out = args.out.with_name(f"{args.out.stem}{name}{args.out.suffix}")
        result = evaluate(args.model, args.out.parent / "answers-logs", folder, language)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(f"whole-pipeline answers, {language} ({out}):\n{summary(result)}")
        for error in result["errors"]:
            print(f"  miss: {error['text']!r}: {error['label']} -> {error['answers']} ({error['language']})")
        failures += [f"{language}: {f}" for f in gate_failures(result)] if args.gate else []
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
