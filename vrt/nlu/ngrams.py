"""Character and word n-grams of the normalised text: the features of the lexical models (the
out-of-scope veto and the intent classifier). Characters catch typos and compounds, words catch
phrasing. The fitted state is plain JSON (vocabularies and idf weights), no pickle."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from vrt.nlu.text import normalise

# (analyzer, n-gram range)
VECTORIZERS = (("char_wb", (2, 5)), ("word", (1, 2)))


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
        sklearn's per-call overhead: 0.5 ms a message instead of 3 here, twice per message
        (classifier and veto). tests/unit/test_lexical_classifier.py compares the two."""
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
