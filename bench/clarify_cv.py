"""Choose the clarifying question's thresholds (vrt/nlu/clarify.py) by 5-fold CV on the training data.

For every FAQ training example, the topic probabilities of a fold model that did not see it
(the features and regression of vrt/nlu/lexical_classifier.py, config.yml's topic_C). For each
band/margin pair it prints: the share of examples asked back on, the share of those whose right
answer is among the buttons, and the share answered right at once.

    python -m bench.clarify_cv
"""

from __future__ import annotations

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.model_selection import StratifiedKFold

from vrt.nlu.clarify import candidates, should_clarify
from vrt.nlu.lexical_classifier import LinearModel
from vrt.nlu.ngrams import NgramFeatures
from vrt.paths import ROOT

GATE = 0.25


def out_of_fold(texts, labels, C=30.0, seed=2024):
    labels = np.asarray(labels)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    rankings = [None] * len(texts)
    for train, test in folds.split(texts, labels):
        features, matrix = NgramFeatures.fit([texts[i] for i in train])
        model = LinearModel.fit(matrix, list(labels[train]), C, "balanced")
        probabilities = model.probabilities(features.transform([texts[i] for i in test]))
        for row, i in enumerate(test):
            order = np.argsort(-probabilities[row], kind="stable")
            rankings[i] = [(model.labels[j], float(probabilities[row][j])) for j in order[:5]]
    return rankings


def main() -> None:
    data = load_data(str(ROOT / "data" / "nlu"))
    examples = [m for m in data.intent_examples if m.get("intent") == "faq" and m.get("intent_response_key")]
    texts = [m.get("text") for m in examples]
    labels = [m.get("intent_response_key") for m in examples]
    rankings = out_of_fold(texts, labels)
    answered = [r for r in zip(rankings, labels, strict=True) if r[0][0][1] >= GATE]
    print(f"{len(examples)} FAQ examples, {len(answered)} above the gate ({GATE})")
    for band in (0.3, 0.35, 0.4, 0.45, 0.5):
        for margin in (0.0, 0.05, 0.1, 0.15, 0.2):
            for ratio in (0.5,):
                asked = [(r, y) for r, y in answered if should_clarify([c for _, c in r], GATE, band, margin)]
                hit = [y in candidates(r, 3, ratio) for r, y in asked]
                at_once = [r[0][0] == y for r, y in answered if (r, y) not in asked]
                print(
                    f"band<{band:.2f} margin<{margin:.2f}: asked {len(asked) / len(answered):.3f}"
                    f" right-among-buttons {np.mean(hit) if hit else 0:.3f}"
                    f" top-right-when-asked {np.mean([r[0][0] == y for r, y in asked]) if asked else 0:.3f}"
                    f" right-at-once(not asked) {np.mean(at_once):.3f}"
                    f" buttons {np.mean([len(candidates(r, 3, ratio)) for r, _ in asked]) if asked else 0:.2f}"
                )


if __name__ == "__main__":
    main()
