"""NLU quality, read from the reports `rasa test nlu` writes (intent_report.json & co.).

Rasa's reports score the labels of the test data (macro-F1 over the target intents) and
list the errors; its plots (confusion matrices, histograms) are in the same folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

EMERGENCY_INTENT = "noodgeval"


def _read(path: Path, default: Any) -> Any:
    # Rasa writes an errors file only when there are errors.
    return json.loads(path.read_text()) if path.is_file() else default


def _per_label(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {
        name: {
            "precision": round(v["precision"], 4),
            "recall": round(v["recall"], 4),
            "f1": round(v["f1-score"], 4),
            "support": v["support"],
        }
        for name, v in report.items()
        if isinstance(v, dict) and "support" in v and not name.endswith(" avg")
    }


def score(report: Dict[str, Any], errors: List[dict], target_key: str, prediction_key: str) -> Dict[str, Any]:
    """Accuracy, macro-F1, per-label table and confused pairs (with example texts)."""
    if not report:
        return {"n": 0, "accuracy": None, "macro_f1": None, "per_label": {}, "confused": []}
    # sklearn reports "micro avg" instead of "accuracy" when a prediction is not a test label;
    # its recall is then the accuracy.
    accuracy = report["accuracy"] if "accuracy" in report else report["micro avg"]["recall"]
    by_pair: Dict[tuple, List[str]] = {}
    for e in errors:
        predicted = (e[prediction_key] or {}).get("name") or "None"
        by_pair.setdefault((e[target_key], predicted), []).append(e["text"])
    return {
        "n": report["weighted avg"]["support"],
        "accuracy": round(accuracy, 4),
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "per_label": _per_label(report),
        "confused": [
            {"target": t, "predicted": p, "count": len(texts), "examples": texts[:3]}
            for (t, p), texts in sorted(by_pair.items(), key=lambda pair: -len(pair[1]))
        ],
    }


def entity_scores(out: Path) -> Dict[str, Any]:
    """Per entity extractor (e.g. CRFEntityExtractor): micro-averaged F1 and per-entity rows."""
    scores = {}
    for path in sorted(out.glob("*_report.json")):
        extractor = path.name[: -len("_report.json")]
        if extractor not in ("intent", "response_selection"):
            report = json.loads(path.read_text())
            micro = report.get("micro avg") or report.get("weighted avg") or {}
            scores[extractor] = {
                "f1": round(micro["f1-score"], 4) if micro else None,
                "per_entity": _per_label(report),
            }
    return scores


def entity_f1(entities: Dict[str, Any]) -> Optional[float]:
    """F1 of the pipeline's entity extractor (the best one if there are several)."""
    return max((v["f1"] for v in entities.values() if v.get("f1") is not None), default=None)


def evaluate_dir(out: Path) -> Dict[str, Any]:
    intent_report = _read(out / "intent_report.json", {})
    intent_errors = _read(out / "intent_errors.json", [])
    emergency = intent_report.get(EMERGENCY_INTENT, {})
    return {
        "intent": score(intent_report, intent_errors, "intent", "intent_prediction"),
        "response_selection": score(
            _read(out / "response_selection_report.json", {}),
            _read(out / "response_selection_errors.json", []),
            "intent_response_key_target",
            "intent_response_key_prediction",
        ),
        "entities": entity_scores(out),
        "emergency": {
            "n": emergency.get("support", 0),
            "recall": round(emergency["recall"], 4) if emergency else None,
            "missed": [e["text"] for e in intent_errors if e["intent"] == EMERGENCY_INTENT],
            "false_alarms": [
                e["text"] for e in intent_errors if e["intent_prediction"].get("name") == EMERGENCY_INTENT
            ],
        },
    }


_CV_LINE = re.compile(r"\b(train|test) (Accuracy|F1-score|Precision): ([0-9.]+) \(([0-9.]+)\)")


def _cv_fold_stats(log_text: str) -> Dict[str, Dict[str, Dict[str, float]]]:
    """{section: {"test_f1-score": {"mean": ..., "std": ...}, ...}} from Rasa's log."""
    stats: Dict[str, Dict[str, Dict[str, float]]] = {}
    section: Optional[str] = None
    for line in log_text.splitlines():
        if "Intent evaluation results" in line:
            section = "intent"
        elif "Response Selection evaluation results" in line:
            section = "response_selection"
        elif "Entity evaluation results" in line:
            section = None
        match = _CV_LINE.search(line)
        if section and match:
            split, metric, mean, std = match.groups()
            stats.setdefault(section, {})[f"{split}_{metric.lower()}"] = {
                "mean": float(mean),
                "std": float(std),
            }
    return stats


def cross_validation(out: Path, folds: int, log_text: str) -> Dict[str, Any]:
    """Rasa's reports in `out` cover the pooled test folds; mean and std over folds are in its log."""
    pooled = evaluate_dir(out)
    return {
        "folds": folds,
        "fold_stats": _cv_fold_stats(log_text),
        "pooled_test_folds": {
            "intent_accuracy": pooled["intent"]["accuracy"],
            "intent_macro_f1": pooled["intent"]["macro_f1"],
            "response_selector_accuracy": pooled["response_selection"]["accuracy"],
            "emergency_recall": pooled["emergency"]["recall"],
            "entities": pooled["entities"],
            "confused": pooled["intent"]["confused"][:10],
            "per_intent": pooled["intent"]["per_label"],
        },
    }
