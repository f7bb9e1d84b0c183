"""Fails when the held-out NLU results fall below the bar.

Reads the reports `rasa test nlu --out results/nlu` writes. Fails when intent
accuracy is below MIN_ACCURACY, when any emergency example is not classified as
an emergency, or when the report covers no examples at all.
"""
import json
import sys
from pathlib import Path

MIN_ACCURACY = 0.90
EMERGENCY_INTENT = "noodgeval"


def main(out_dir: str = "results/nlu") -> int:
    out = Path(out_dir)
    report = json.loads((out / "intent_report.json").read_text())
    # Rasa writes intent_errors.json only when there are errors.
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    support = report["weighted avg"]["support"]
    accuracy = report["accuracy"]
    emergency = report.get(EMERGENCY_INTENT, {})
    missed = [e for e in errors if e["intent"] == EMERGENCY_INTENT]
    false_alarms = [e for e in errors if e["intent_prediction"]["name"] == EMERGENCY_INTENT]

    selector = out / "response_selection_report.json"
    selector_accuracy = json.loads(selector.read_text())["accuracy"] if selector.exists() else None

    print(f"held-out NLU: {support} examples, intent accuracy {accuracy:.3f}, "
          f"macro-F1 {report['macro avg']['f1-score']:.3f}, "
          f"FAQ answer accuracy {selector_accuracy if selector_accuracy is None else round(selector_accuracy, 3)}, "
          f"emergency recall {emergency.get('recall', 0):.3f} ({emergency.get('support', 0)} examples)")
    for error in errors:
        print(f"  miss: {error['text']!r}: {error['intent']} -> {error['intent_prediction']['name']}")
    failures = []
    if support == 0 or not emergency.get("support"):
        failures.append("the held-out set is empty or has no emergency examples")
    if accuracy < MIN_ACCURACY:
        failures.append(f"intent accuracy {accuracy:.3f} < {MIN_ACCURACY}")
    if missed:
        failures.append(f"{len(missed)} emergency example(s) not recognised: {[e['text'] for e in missed]}")
    if false_alarms:
        print(f"  note: {len(false_alarms)} non-emergency example(s) answered as an emergency (safe side)")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
