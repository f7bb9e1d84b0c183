"""Character and word n-grams of the normalised text: the features of the lexical models (the
intent classifier and the out-of-scope veto). Characters catch typos and compounds, words catch
phrasing. The fitted state is plain JSON (vocabularies and idf weights), no pickle.

One featurizer for both models (`NgramFeaturizer`, before the classifier in config.yml): both
were fitted on the same texts (the intent examples of the training data that Rasa hands to every
classifier after the last featurizer) with the same settings, so their vocabularies and idf
weights were equal, value for value (checked on the model of 2026-12-03). It is stored once
(training fits it twice, below), computes a message's features once, and sets them on the
Message as Rasa `Features` (sparse, sentence, origin `NgramFeaturizer`);
`LexicalIntentClassifier` and `OutOfScopeVeto` read them (`features_of`). Before, each model stored its own copy of the
vectorizers (0.7 MB each) and transformed the text itself: the n-grams of a message were
computed twice when the intent was `faq`. Measured on 2026-12-03 (CPU time in a real Rasa
parse of the held-out questions, 3 x 730): the n-gram components took 1.75 ms a message before
(classifier 1.17, veto 0.59) and 1.25 ms after (featurizer 0.85, classifier 0.31, veto 0.09);
`python -m bench.profile` counts 300 n-gram transforms for 300 messages instead of 510. The
packed model is 0.19 MB smaller; training takes the same time (14.0 s CPU against 13.8 s for
the n-gram models, within noise).

Training: both models are fitted on the matrix of sklearn's `fit_transform`, as before. A
transform with the stored vocabulary gives the same values only to 1e-16 (the rows' entries come
in another order, so sums round differently), and the logistic regressions would move in the
last digits. So `process_training_data` fits the vectorizers again on the same texts (0.4 s) and
checks that they are the stored ones: every coefficient stays the same, bit for bit.

A model of the format before (vectorizers inside each model's state) does not load: retrain.

The question part of a long message (`question_part`, set by vrt.nlu.question_part.QuestionPartFinder
before this featurizer) gets its n-grams here too, as features of the attribute `question_part`
(origin `NgramFeaturizer`): the classifier reads them (`question_part_features_of`), no Rasa
component joins them with the text's. Training examples get none.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import rasa.shared.utils.io
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from vrt.nlu.base import JsonStateComponent
from vrt.nlu.question_part import QUESTION_PART_KEY
from vrt.nlu.text import normalise

# (analyzer, n-gram range)
VECTORIZERS = (("char_wb", (2, 5)), ("word", (1, 2)))
# The `origin` of the features NgramFeaturizer sets on a Message.
ORIGIN = "NgramFeaturizer"


def vectorizer(analyzer: Text, ngram_range: tuple, vocabulary: Optional[Dict] = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        sublinear_tf=True,
        preprocessor=normalise,
        vocabulary=vocabulary,
    )


def stored(values: np.ndarray) -> List[Any]:
    """Fitted numbers as JSON, rounded to 1e-6: half the model file, and a message's scores
    move by less than 1e-4 (a message has a few hundred n-grams, each weighing below 1)."""
    return np.round(values, 6).tolist()


class NgramFeatures:
    def __init__(self, vectorizers: List[TfidfVectorizer]) -> None:
        self.vectorizers = vectorizers
        # For `transform`: each vectorizer's analyzer (normalise, then n-grams), vocabulary,
        # idf weights and first column in the joined matrix.
        self._analyzers = [v.build_analyzer() for v in vectorizers]
        self._vocabularies = [getattr(v, "vocabulary_", None) or v.vocabulary for v in vectorizers]
        self._idfs = [v.idf_ for v in vectorizers]
        self._offsets = np.cumsum([0] + [len(vocabulary) for vocabulary in self._vocabularies])

    @classmethod
    def fit(cls, texts: List[Text]) -> Tuple["NgramFeatures", sparse.csr_matrix]:
        """Features fitted on the texts, and the texts' feature matrix."""
        vectorizers = [vectorizer(a, n) for a, n in VECTORIZERS]
        matrix = sparse.hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
        return cls(vectorizers), matrix

    @classmethod
    def from_state(cls, state: List[Dict[Text, Any]]) -> "NgramFeatures":
        vectorizers = []
        for (analyzer, ngram_range), part in zip(VECTORIZERS, state, strict=True):
            fitted = vectorizer(analyzer, ngram_range, part["vocabulary"])
            fitted.idf_ = np.asarray(part["idf"], dtype=np.float64)
            vectorizers.append(fitted)
        return cls(vectorizers)

    def state(self) -> List[Dict[Text, Any]]:
        return [
            {"vocabulary": {k: int(i) for k, i in v.vocabulary_.items()}, "idf": stored(v.idf_)}
            for v in self.vectorizers
        ]

    def transform(self, texts: List[Text]) -> sparse.csr_matrix:
        """What the fitted vectorizers' `transform` gives, side by side (`vectorizer()`'s settings:
        1 + log(count), times idf, each vectorizer's part scaled to length 1), without
        sklearn's per-call overhead: 0.5 ms a message instead of 3 here.
        tests/unit/test_lexical_classifier.py compares the two."""
        data: List[np.ndarray] = []
        columns: List[np.ndarray] = []
        row_ends = [0]
        nonzero = 0
        for text in texts:
            for analyze, vocabulary, idf, offset in zip(
                self._analyzers, self._vocabularies, self._idfs, self._offsets[:-1], strict=True
            ):
                counts = Counter(j for j in map(vocabulary.get, analyze(text)) if j is not None)
                if not counts:
                    continue
                cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                weights = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
                weights *= idf[cols]
                weights /= np.sqrt(np.dot(weights, weights))
                order = np.argsort(cols)
                data.append(weights[order])
                columns.append(cols[order] + offset)
                nonzero += len(cols)
            row_ends.append(nonzero)
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64),
                np.asarray(row_ends),
            ),
            shape=(len(texts), int(self._offsets[-1])),
        )


def reject_state_with_vectorizers(state: Any, component: Text) -> None:
    """A model from before NgramFeaturizer kept the vectorizers in `component`: it cannot load."""
    if state and "vectorizers" in state:
        raise RuntimeError(
            f"This model stores the n-gram vectorizers in the {component}, the format "
            "before vrt.nlu.ngrams.NgramFeaturizer. Retrain with `make train`."
        )


def training_examples(training_data: TrainingData) -> List[Message]:
    """The examples the n-grams are fitted on and the lexical models are trained on: the intent
    examples with a text."""
    return [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]


def rows(matrix: sparse.csr_matrix) -> List[sparse.csr_matrix]:
    """Each row as a 1-row matrix with the same entries in the same order (no copy)."""
    if matrix.shape[0] == 1:
        return [matrix]
    shape = (1, matrix.shape[1])
    dtype = matrix.indices.dtype
    return [
        sparse.csr_matrix(
            (matrix.data[start:end], matrix.indices[start:end], np.array([0, end - start], dtype=dtype)),
            shape=shape,
        )
        for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)
    ]


class NgramRow(Features):
    """A message's n-gram features. Its fingerprint (Rasa's training cache fingerprints the
    training data after each featurizer) hashes the row's arrays: Rasa's own writes every entry
    as text, 8 s for the training data here."""

    def __init__(self, row: sparse.csr_matrix, attribute: Text = TEXT) -> None:
        super().__init__(row, FEATURE_TYPE_SENTENCE, attribute, ORIGIN)

    def fingerprint(self) -> Text:
        if self._cached_fingerprint is None:
            digest = hashlib.sha256(str(self.features.shape).encode())
            for array in (self.features.indptr, self.features.indices, self.features.data):
                digest.update(np.ascontiguousarray(array).tobytes())
            self._cached_fingerprint = rasa.shared.utils.io.deep_container_fingerprint(
                [self.type, self.origin, self.attribute, digest.hexdigest()]
            )
        return self._cached_fingerprint


def _row(message: Message, attribute: Text) -> Optional[sparse.csr_matrix]:
    return next(
        (f.features for f in message.features if f.origin == ORIGIN and f.attribute == attribute),
        None,
    )


def question_part_features_of(message: Message) -> Optional[sparse.csr_matrix]:
    """The n-gram features of the message's question part; None when it has none."""
    return _row(message, QUESTION_PART_KEY)


def features_of(messages: List[Message]) -> sparse.csr_matrix:
    """The n-gram features NgramFeaturizer set on the messages' text, one row per message."""
    found = []
    for message in messages:
        row = _row(message, TEXT)
        if row is None:
            raise ValueError(
                "A message without n-gram features: vrt.nlu.ngrams.NgramFeaturizer must come "
                "before the lexical models in config.yml."
            )
        found.append(row)
    return found[0] if len(found) == 1 else sparse.vstack(found, format="csr")


def set_features(messages: List[Message], matrix: sparse.csr_matrix, attribute: Text = TEXT) -> None:
    for message, row in zip(messages, rows(matrix), strict=True):
        # Replaced, not added twice, when the same messages are featurized again.
        message.features = [
            f for f in message.features if not (f.origin == ORIGIN and f.attribute == attribute)
        ]
        message.add_features(NgramRow(row, attribute))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class NgramFeaturizer(JsonStateComponent):
    """Fits the n-grams on the training examples and sets each message's n-gram features (see
    the module's docstring)."""

    STATE_FILE = "ngram_features.json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.features: Optional[NgramFeatures] = None
        if self.state:
            self.features = NgramFeatures.from_state(self.state["vectorizers"])

    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) for m in training_examples(training_data)]
        if not texts:
            return self.persist_state(None)
        features, _ = NgramFeatures.fit(texts)
        state = {"vectorizers": features.state()}
        self.features = NgramFeatures.from_state(state["vectorizers"])
        return self.persist_state(state)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Sets on each training example the row of sklearn's `fit_transform`, the matrix the
        models were always fitted on (module docstring)."""
        examples = training_examples(training_data)
        if self.features is None or not examples:
            return training_data
        fitted, matrix = NgramFeatures.fit([m.get(TEXT) for m in examples])
        if fitted.state() != self.state["vectorizers"]:
            raise ValueError("The training data differ from those the n-gram featurizer was trained on.")
        set_features(examples, matrix)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.features is None or not messages:
            return messages
        set_features(messages, self.features.transform([m.get(TEXT) or "" for m in messages]))
        with_part = [m for m in messages if m.get(QUESTION_PART_KEY)]
        if with_part:
            set_features(
                with_part,
                self.features.transform([m.get(QUESTION_PART_KEY) for m in with_part]),
                QUESTION_PART_KEY,
            )
        return messages
