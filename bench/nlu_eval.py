"""NLU quality: `rasa test nlu` on the held-out set and 5-fold cross-validation.

Rasa writes every prediction (--successes plus the error files); the figures are
computed from those predictions, macro-averaged over the intents of the test data,
as Rasa's own report does.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bench.procs import RASA, ROOT, run_logged

HELDOUT = ROOT / "tests" / "nlu"
TRAIN_NLU = ROOT / "data" / "nlu"
EMERGENCY_INTENT = "noodgeval"


def _load(path: Path) -> list:
    return json.loads(path.read_text()) if path.is_file() else []


def _predictions(out: Path, kind: str, target_key: str, prediction_key: str) -> List[dict]:
    rows = []
    for name in (f"{kind}_successes.json", f"{kind}_errors.json"):
        for item in _load(out / name):
            prediction = item.get(prediction_key) or {}
            rows.append({
                "text": item["text"],
                "target": item[target_key],
                "predicted": prediction.get("name") or "None",
                "confidence": prediction.get("confidence"),
            })
    return rows


def score(rows: List[dict]) -> Dict[str, Any]:
    """Accuracy, macro-F1 and a per-label table; labels are those of the targets."""
    from sklearn.metrics import precision_recall_fscore_support

    if not rows:
        return {"n": 0, "accuracy": None, "macro_f1": None, "per_label": {}, "confused": []}
    targets = [r["target"] for r in rows]
    predicted = [r["predicted"] for r in rows]
    labels = sorted(set(targets))
    precision, recall, f1, support = precision_recall_fscore_support(
        targets, predicted, labels=labels, zero_division=0
    )
    per_label = {
        label: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                "f1": round(float(f), 4), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    pairs = Counter((t, p) for t, p in zip(targets, predicted) if t != p)
    examples: Dict[Tuple[str, str], List[str]] = {}
    for row in rows:
        if row["target"] != row["predicted"]:
            examples.setdefault((row["target"], row["predicted"]), []).append(row["text"])
    confused = [
        {"target": t, "predicted": p, "count": n, "examples": examples[(t, p)][:3]}
        for (t, p), n in pairs.most_common()
    ]
    correct = sum(t == p for t, p in zip(targets, predicted))
    return {
        "n": len(rows),
        "accuracy": round(correct / len(rows), 4),
        "macro_f1": round(float(sum(f1) / len(f1)), 4),
        "per_label": per_label,
        "confused": confused,
    }


def evaluate_dir(out: Path) -> Dict[str, Any]:
    intents = _predictions(out, "intent", "intent", "intent_prediction")
    responses = _predictions(out, "response_selection", "intent_response_key_target",
                             "intent_response_key_prediction")
    intent_scores = score(intents)
    emergencies = [r for r in intents if r["target"] == EMERGENCY_INTENT]
    false_alarms = [r for r in intents if r["predicted"] == EMERGENCY_INTENT
                    and r["target"] != EMERGENCY_INTENT]
    return {
        "intent": intent_scores,
        "entities": entity_scores(out),
        "response_selection": score(responses),
        "emergency": {
            "n": len(emergencies),
            "recall": round(sum(r["predicted"] == EMERGENCY_INTENT for r in emergencies)
                            / len(emergencies), 4) if emergencies else None,
            "missed": [r["text"] for r in emergencies if r["predicted"] != EMERGENCY_INTENT],
            "false_alarms": [r["text"] for r in false_alarms],
        },
        "labels_predicted": sorted({r["predicted"] for r in intents}),
        "_intent_rows": intents,
    }


def entity_scores(out: Path) -> Dict[str, Any]:
    """Per entity extractor (e.g. DIETClassifier): micro-averaged F1 and per-entity rows."""
    scores = {}
    for path in sorted(out.glob("*_report.json")):
        extractor = path.name[: -len("_report.json")]
        if extractor in ("intent", "response_selection"):
            continue
        report = json.loads(path.read_text())
        micro = report.get("micro avg") or report.get("weighted avg") or {}
        scores[extractor] = {
            "f1": round(micro.get("f1-score", 0.0), 4) if micro else None,
            "per_entity": {
                name: {"precision": round(v["precision"], 4), "recall": round(v["recall"], 4),
                       "f1": round(v["f1-score"], 4), "support": v["support"]}
                for name, v in report.items()
                if isinstance(v, dict) and "support" in v and not name.endswith(" avg")
            },
        }
    return scores


def entity_f1(entities: Dict[str, Any]) -> Optional[float]:
    """F1 of the pipeline's entity extractor (the best one if there are several)."""
    scores = [v["f1"] for v in entities.values() if v.get("f1") is not None]
    return max(scores) if scores else None


def heldout(model: Path, out: Path, logs: Path, label: str) -> Dict[str, Any]:
    """`rasa test nlu` with the held-out set; returns the scores and the test time."""
    seconds = run_logged(
        [RASA, "test", "nlu", "--nlu", str(HELDOUT), "--model", str(model),
         "--out", str(out), "--successes", "--no-plot"],
        logs / f"test-nlu-{label}.log",
    )
    result = evaluate_dir(out)
    result["test_s"] = round(seconds, 1)
    return result


_CV_LINE = re.compile(r"\b(train|test) (Accuracy|F1-score|Precision): ([0-9.]+) \(([0-9.]+)\)")


def _cv_fold_stats(log_text: str) -> Dict[str, Dict[str, Dict[str, float]]]:
    """Mean and std over folds, from Rasa's log: {section: {"test_f1-score": {...}}}."""
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
                "mean": float(mean), "std": float(std)}
    return stats


def cross_validate(config: Path, out: Path, logs: Path, folds: int = 5) -> Dict[str, Any]:
    log = logs / "cross-validation.log"
    seconds = run_logged(
        # --domain: the FAQ answers (ResponseSelector labels) live in domain.yml.
        [RASA, "test", "nlu", "--nlu", str(TRAIN_NLU), "--config", str(config),
         "--domain", str(ROOT / "domain.yml"), "--cross-validation", "--folds", str(folds), "--out", str(out),
         "--successes", "--no-plot"],
        log,
    )
    pooled = evaluate_dir(out)
    pooled.pop("_intent_rows", None)
    return {
        "folds": folds,
        "seconds": round(seconds, 1),
        "fold_stats": _cv_fold_stats(log.read_text(errors="replace")),
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
