"""Choose the clarifying question's thresholds (vrt/nlu/clarify.py) by 5-fold CV on the training data.

For every training example, the intent and FAQ topic probabilities of fold models that did not
see it (the features and regressions of vrt/nlu/lexical_classifier.py, config.yml's C values).
It prints, for the FAQ examples the classifier and the FAQ gate let through:
- per 0.05-wide bin of the top topic's confidence, how often the first answer is right and how
  often the right one is among the buttons;
- per band/margin pair, the share asked back, right at once, and right within one click
  (the buttons as config.yml sets them), and per `ratio` how often the right one is a button;
and for the FAQ gate's fallbacks of messages the classifier filed under `faq` with at least
`sure_faq`: FAQ examples whose answer a click gives, and other examples (out of scope, small
talk) that would be asked back instead of getting the fallback.

    python -m bench.clarify_cv
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.model_selection import StratifiedKFold

from vrt.nlu.clarify import ClarifyingQuestion, candidates, should_clarify
from vrt.nlu.faq_gate import FaqConfidenceGate
from vrt.nlu.lexical_classifier import LexicalIntentClassifier, LinearModel
from vrt.nlu.ngrams import NgramFeatures, training_examples
from vrt.nlu.settings import component_settings
from vrt.paths import ROOT

SETTINGS = {**ClarifyingQuestion.get_default_config(), **component_settings(ClarifyingQuestion)}
MAX_BUTTONS, RATIO = int(SETTINGS["max_buttons"]), float(SETTINGS["ratio"])
FALLBACK = float(component_settings("FallbackClassifier")["threshold"])
GATE = float(component_settings(FaqConfidenceGate)["threshold"])
CLASSIFIER = component_settings(LexicalIntentClassifier)


def out_of_fold(texts: List[str], intents: List[str], topics: List[str], seed: int = 2024) -> List[Dict]:
    """Per example: its intent ranking and its top five FAQ topics, from models that did not see it."""
    labels = np.asarray(intents)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    result: List[Dict] = [{} for _ in texts]
    for train, test in folds.split(texts, labels):
        features, matrix = NgramFeatures.fit([texts[i] for i in train])
        intent_model = LinearModel.fit(
            matrix, list(labels[train]), float(CLASSIFIER["intent_C"]), CLASSIFIER["intent_class_weight"]
        )
        faq_rows = [k for k, i in enumerate(train) if intents[i] == "faq" and topics[i]]
        topic_model = LinearModel.fit(
            matrix[faq_rows],
            [topics[train[k]] for k in faq_rows],
            float(CLASSIFIER["topic_C"]),
            CLASSIFIER["topic_class_weight"],
        )
        held = features.transform([texts[i] for i in test])
        intent_p, topic_p = intent_model.probabilities(held), topic_model.probabilities(held)
        for row, i in enumerate(test):
            intent_order = np.argsort(-intent_p[row], kind="stable")
            topic_order = np.argsort(-topic_p[row], kind="stable")[:5]
            result[i] = {
                "intents": [(intent_model.labels[j], float(intent_p[row][j])) for j in intent_order],
                "topics": [(topic_model.labels[j], float(topic_p[row][j])) for j in topic_order],
            }
    return result


def buttons(ranking: List[Tuple[str, float]]) -> List[str]:
    return candidates(ranking, MAX_BUTTONS, RATIO)


def main() -> None:
    examples = training_examples(load_data(str(ROOT / "data" / "nlu")))
    texts = [m.get("text") for m in examples]
    intents = [m.get("intent") for m in examples]
    topics = [m.get("intent_response_key") or "" for m in examples]
    folds = out_of_fold(texts, intents, topics)
    rows = [(f, intent, topic) for f, intent, topic in zip(folds, intents, topics, strict=True)]

    def top_intent(f: Dict) -> Tuple[str, float]:
        return f["intents"][0]

    passed = [
        (f["topics"], topic)
        for f, intent, topic in rows
        if intent == "faq"
        and top_intent(f)[0] == "faq"
        and top_intent(f)[1] >= FALLBACK
        and f["topics"][0][1] >= GATE
    ]
    faq_count = sum(intent == "faq" for intent in intents)
    print(f"{faq_count} FAQ examples, {len(passed)} filed under faq and above the gate ({GATE})")
    for low in np.arange(GATE, 0.9, 0.05):
        part = [(r, y) for r, y in passed if low <= r[0][1] < low + 0.05]
        if part:
            print(
                f"top topic [{low:.2f}, {low + 0.05:.2f}): {len(part):4d} examples,"
                f" first right {np.mean([r[0][0] == y for r, y in part]):.3f},"
                f" among the buttons {np.mean([y in buttons(r) for r, y in part]):.3f}"
            )
    for band in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        for margin in (0.1, 0.15, 0.2):
            asked = [should_clarify([c for _, c in r], GATE, band, margin) for r, _ in passed]
            at_once = [not a and r[0][0] == y for a, (r, y) in zip(asked, passed, strict=True)]
            by_click = [a and y in buttons(r) for a, (r, y) in zip(asked, passed, strict=True)]
            print(
                f"band<{band:.2f} margin<{margin:.2f}: asked {np.mean(asked):.3f}"
                f" right at once {np.mean(at_once):.3f}"
                f" within one click {np.mean(np.logical_or(at_once, by_click)):.3f}"
            )
    asked = [
        (r, y)
        for r, y in passed
        if should_clarify([c for _, c in r], GATE, SETTINGS["band"], SETTINGS["margin"])
    ]
    for ratio in (0.5, 0.3, 0.2, 0.1, 0.0):
        print(
            f"ratio {ratio:.1f} at the configured band and margin: right among the buttons"
            f" {np.mean([y in candidates(r, MAX_BUTTONS, ratio) for r, y in asked]):.3f},"
            f" buttons {np.mean([len(candidates(r, MAX_BUTTONS, ratio)) for r, _ in asked]):.2f}"
        )
    print("the FAQ gate's fallbacks of messages filed under faq with at least sure_faq:")
    for sure_faq in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        sent = [
            (f, intent, topic)
            for f, intent, topic in rows
            if top_intent(f)[0] == "faq" and top_intent(f)[1] >= sure_faq and f["topics"][0][1] < GATE
        ]
        faq = [(f, topic) for f, intent, topic in sent if intent == "faq"]
        others = [intent for _, intent, _ in sent if intent != "faq"]
        print(
            f"sure_faq {sure_faq:.2f}: FAQ examples {len(faq)}, right among the buttons"
            f" {sum(topic in buttons(f['topics']) for f, topic in faq)};"
            f" others asked back {len(others)} (out of scope {others.count('buiten_bereik')})"
            f" of {len(rows) - faq_count}"
        )


if __name__ == "__main__":
    main()
