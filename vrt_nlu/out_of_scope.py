"""A second, lexical opinion on out-of-scope questions: it turns a sure FAQ guess into
`buiten_bereik` ("that I don't know", with a pointer to www.vrtwente.nl).

DIET's boundary between `faq` and `buiten_bereik` moves with every training (docs/bench.md,
"seeds"): a question next to a topic ("hoe word ik vrijwilliger?") can get a confident, wrong
FAQ answer. This component trains a logistic regression on character and word n-grams of the
normalised text, `buiten_bereik` against every other intent, and overrules an intent of
`intents` only when it is very sure (`threshold`) that the question is out of scope. A wrong
answer is worse than an honest "I don't know", and a high threshold keeps it from taking
right answers away.

Its whole state (vocabularies, idf weights, coefficients) is JSON in the model, no pickle.
Placed after FaqConfidenceGate, before the language detector and the emergency net.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from vrt_nlu.base import JsonStateComponent
from vrt_nlu.text import normalise

logger = logging.getLogger(__name__)

# (analyzer, n-gram range): characters catch typos and compounds, words catch phrasing.
VECTORIZERS = (("char_wb", (2, 5)), ("word", (1, 2)))


def vectorizer(analyzer: Text, ngram_range: tuple, vocabulary: Optional[Dict] = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        sublinear_tf=True,
        preprocessor=normalise,
        vocabulary=vocabulary,
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class OutOfScopeVeto(JsonStateComponent):
    STATE_FILE = "out_of_scope_veto.json"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"out_of_scope_intent": "buiten_bereik", "intents": ["faq"], "threshold": 0.9, "C": 10.0}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Any = None,
    ) -> None:
        super().__init__(model_storage, resource, state)
        self.config = {**self.get_default_config(), **config}
        self.out_of_scope_intent = self.config["out_of_scope_intent"]
        self.intents = set(self.config["intents"])
        self.threshold = float(self.config["threshold"])
        self._vectorizers: List[TfidfVectorizer] = []
        if state:
            self._build(state)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        with model_storage.read_from(resource) as directory:
            state = json.loads((directory / cls.STATE_FILE).read_text())
        return cls(config, model_storage, resource, state)

    def _build(self, state: Dict[Text, Any]) -> None:
        self._vectorizers = []
        for (analyzer, ngram_range), part in zip(VECTORIZERS, state["vectorizers"], strict=True):
            fitted = vectorizer(analyzer, ngram_range, part["vocabulary"])
            fitted.idf_ = np.asarray(part["idf"], dtype=np.float64)
            self._vectorizers.append(fitted)
        self._coef = np.asarray(state["coef"], dtype=np.float64)
        self._intercept = float(state["intercept"])

    def _features(self, texts: List[Text]) -> sparse.csr_matrix:
        return sparse.hstack([v.transform(texts) for v in self._vectorizers]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        texts = [m.get(TEXT) for m in examples]
        labels = np.array([m.get(INTENT) == self.out_of_scope_intent for m in examples], dtype=int)
        if labels.min() == labels.max():
            # Nothing to tell apart: store an empty model that never vetoes.
            return self.persist_state(None)
        self._vectorizers = [vectorizer(a, n) for a, n in VECTORIZERS]
        features = sparse.hstack([v.fit_transform(texts) for v in self._vectorizers]).tocsr()
        model = LogisticRegression(C=float(self.config["C"]), max_iter=2000).fit(features, labels)
        state = {
            "vectorizers": [
                {"vocabulary": {k: int(i) for k, i in v.vocabulary_.items()}, "idf": v.idf_.tolist()}
                for v in self._vectorizers
            ],
            "coef": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0]),
        }
        self._build(state)
        return self.persist_state(state)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def out_of_scope_probability(self, texts: List[Text]) -> np.ndarray:
        """P(out of scope) per text; 0 when the model has nothing to go on."""
        if not self._vectorizers:
            return np.zeros(len(texts))
        scores = self._features(texts) @ self._coef + self._intercept
        return 1.0 / (1.0 + np.exp(-scores))

    def process(self, messages: List[Message]) -> List[Message]:
        candidates = [m for m in messages if (m.get(INTENT) or {}).get("name") in self.intents]
        if not candidates:
            return messages
        probabilities = self.out_of_scope_probability([m.get(TEXT) or "" for m in candidates])
        for message, probability in zip(candidates, probabilities, strict=True):
            if probability < self.threshold:
                continue
            logger.debug(
                "out of scope with p=%.3f: %s instead of %s",
                probability,
                self.out_of_scope_intent,
                message.get(INTENT).get("name"),
            )
            vetoed = {"name": self.out_of_scope_intent, "confidence": float(probability)}
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != self.out_of_scope_intent
            ]
            message.set(INTENT, vetoed, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [vetoed, *ranking], add_to_output=True)
        return messages
