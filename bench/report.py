"""The targets, and the short table `make bench` prints from results/bench.json."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple


def figure(data: Dict[str, Any], key: str) -> Any:
    """A figure by its dotted key, e.g. latency_ms.users_1.p95; None when missing."""
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


# (label, key in bench.json, target, check of the value; the data gives the baseline)
TARGETS: List[Tuple[str, str, str, Callable[[Any, Dict[str, Any]], bool]]] = [
    ("held-out intent accuracy", "intent_accuracy", ">= 0.95", lambda v, d: v >= 0.95),
    (
        "macro-F1",
        "intent_macro_f1",
        ">= 0.93 and > baseline",
        lambda v, d: (
            v >= 0.93 and (d.get("baseline_intent_macro_f1") is None or v > d["baseline_intent_macro_f1"])
        ),
    ),
    ("emergency recall", "emergency_recall", "1.0", lambda v, d: v == 1.0),
    # Issue 13: answers over the whole pipeline, held-out and out-of-scope sets (bench/answers.py).
    ("held-out answer accuracy", "answers.answer_accuracy", ">= 0.95", lambda v, d: v >= 0.95),
    (
        "5-fold CV macro-F1",
        "cross_validation.pooled_test_folds.intent_macro_f1",
        ">= 0.90",
        lambda v, d: v >= 0.90,
    ),
    ("out-of-scope wrong answers", "answers.out_of_scope_wrong_rate", "<= 0.05", lambda v, d: v <= 0.05),
    ("emergency recall, with net", "answers.emergency_recall_net", "1.0", lambda v, d: v == 1.0),
    ("emergency recall, model alone", "answers.emergency_recall_model", ">= 0.97", lambda v, d: v >= 0.97),
    ("only the 112 answer, no emergency", "answers.only_emergency_rate", "<= 0.02", lambda v, d: v <= 0.02),
    # Issue 8: English (tests/nlu/en/, bench/answers.py) and language detection (bench/language.py).
    ("English answer accuracy", "answers_en.answer_accuracy", ">= 0.93", lambda v, d: v >= 0.93),
    (
        "English out-of-scope wrong answers",
        "answers_en.out_of_scope_wrong_rate",
        "<= 0.05",
        lambda v, d: v <= 0.05,
    ),
    ("English emergency recall, with net", "answers_en.emergency_recall_net", "1.0", lambda v, d: v == 1.0),
    # Residents in their own words (tests/stemmen/, bench/voices.py).
    ("voices: answered at once", "voices.answer_accuracy", ">= 0.90", lambda v, d: v >= 0.90),
    (
        "voices: within one clarifying question",
        "voices.within_one_clarifying",
        ">= 0.97",
        lambda v, d: v >= 0.97,
    ),
    ("voices: clarifying questions", "voices.clarifying_rate", "<= 0.15", lambda v, d: v <= 0.15),
    ("voices: follow-ups", "voices.followup_accuracy", ">= 0.90", lambda v, d: v >= 0.90),
    (
        "voices: out-of-scope wrong answers",
        "voices.out_of_scope_wrong_rate",
        "<= 0.05",
        lambda v, d: v <= 0.05,
    ),
    ("voices: emergency recall", "voices.emergency_recall", "1.0", lambda v, d: v == 1.0),
    ("voices: only 112, no emergency", "voices.only_112_rate", "<= 0.01", lambda v, d: v <= 0.01),
    ("voices: English answered at once", "voices.english.answer_accuracy", ">= 0.90", lambda v, d: v >= 0.90),
    ("p95 latency, 1 user (ms)", "latency_ms.users_1.p95", "< 100", lambda v, d: v < 100),
    ("p95 latency, 10 users (ms)", "latency_ms.users_10.p95", "< 300", lambda v, d: v < 300),
    ("errors at 50 users", "latency_ms.users_50.errors", "0", lambda v, d: v == 0),
    ("turn 50 / turn 1", "turn50_over_turn1", "<= 1.2", lambda v, d: v <= 1.2),
    ("full train (s)", "train_full_s", "<= 60", lambda v, d: v <= 60),
    ("ready (s)", "ready_s", "<= 20", lambda v, d: v <= 20),
    ("Rasa server RSS (MiB)", "rss_mb", "<= 1024", lambda v, d: v <= 1024),
]
# Printed without a target.
INFO: List[Tuple[str, str]] = [
    ("response selector accuracy", "response_selector_accuracy"),
    ("5-fold CV intent accuracy", "cross_validation.pooled_test_folds.intent_accuracy"),
    ("train NLU only (s)", "train_nlu_s"),
    ("model (MiB)", "model_mb"),
    ("action server RSS (MiB)", "action_rss_mb"),
    ("English emergencies answered in English", "answers_en.emergency_in_language"),
    ("language detection, Dutch held-out: right", "language_detection.nl.accuracy"),
    ("language detection, Dutch held-out: wrong", "language_detection.nl.wrong"),
    ("language detection, English held-out: right", "language_detection.en.accuracy"),
    ("language detection, English held-out: wrong", "language_detection.en.wrong"),
    ("baseline macro-F1", "baseline_intent_macro_f1"),
    ("baseline full train (s)", "baseline_train_full_s"),
    ("baseline ready (s)", "baseline_ready_s"),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def targets(data: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every target with its figure and whether it is met (None: not measured)."""
    rows = []
    for label, key, target, check in TARGETS:
        value = figure(data, key)
        rows.append(
            {
                "figure": label,
                "key": key,
                "value": value,
                "target": target,
                "met": None if value is None else check(value, data),
            }
        )
    return rows


def console_table(data: Dict[str, Any]) -> str:
    rows = [("figure", "value", "target", "")]
    verdict = {True: "met", False: "MISSED", None: "n/a"}
    rows += [(t["figure"], _fmt(t["value"]), t["target"], verdict[t["met"]]) for t in targets(data)]
    rows += [(label, _fmt(figure(data, key)), "", "") for label, key in INFO]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)
