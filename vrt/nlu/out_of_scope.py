"""A second, lexical opinion on out-of-scope questions: it turns a sure FAQ guess into
`buiten_bereik` ("that I don't know", with a pointer to www.vrtwente.nl).

The intent classifier's boundary between `faq` and `buiten_bereik` is not sharp (docs/bench.md,
"seeds"): a question next to a topic ("hoe word ik vrijwilliger?") can get a confident, wrong
FAQ answer. This component trains a logistic regression on character and word n-grams of the
normalised text (the features vrt.nlu.ngrams.NgramFeaturizer sets on each message, the same the
intent classifier reads), `buiten_bereik` against every other intent, and overrules an intent of
`intents` only when it is very sure (`threshold`) that the question is out of scope. A wrong
answer is worse than an honest "I don't know", and a high threshold keeps it from taking
right answers away.

Its whole state (coefficients; the featurizer stores the vocabularies and idf weights) is JSON
in the model, no pickle. A model stored before the shared featurizer (vectorizers in this
state) does not load: retrain.
Placed after FaqConfidenceGate, before the language detector and the emergency net.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text, Type

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from vrt.nlu.base import ConfiguredJsonStateComponent
from vrt.nlu.intent import override_intent
from vrt.nlu.ngrams import (
    NgramFeaturizer,
    features_of,
    reject_state_with_vectorizers,
    stored,
    training_examples,
)

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class OutOfScopeVeto(ConfiguredJsonStateComponent):
    STATE_FILE = "out_of_scope_veto.json"

    @classmethod
    def required_components(cls) -> List[Type]:
        return [NgramFeaturizer]

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
        super().__init__(config, model_storage, resource, state)
        self.out_of_scope_intent = self.config["out_of_scope_intent"]
        self.intents = set(self.config["intents"])
        self.threshold = float(self.config["threshold"])
        self._coef = None
        if state:
            self._build(state)

    def check_loaded_state(self) -> None:
        reject_state_with_vectorizers(self.state, "out-of-scope veto")

    def _build(self, state: Dict[Text, Any]) -> None:
        self._coef = np.asarray(state["coef"], dtype=np.float64)
        self._intercept = float(state["intercept"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_examples(training_data)
        labels = np.array([m.get(INTENT) == self.out_of_scope_intent for m in examples], dtype=int)
        if labels.min() == labels.max():
            # Nothing to tell apart: store an empty model that never vetoes.
            return self.persist_state(None)
        model = LogisticRegression(C=float(self.config["C"]), max_iter=2000).fit(
            features_of(examples), labels
        )
        state = {
            "coef": stored(model.coef_[0]),
            "intercept": float(model.intercept_[0]),
        }
        self._build(state)
        return self.persist_state(state)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def out_of_scope_probability(self, messages: List[Message]) -> np.ndarray:
        """P(out of scope) per message (its n-gram features); 0 when the model has nothing to go on."""
        if self._coef is None or not messages:
            return np.zeros(len(messages))
        scores = features_of(messages) @ self._coef + self._intercept
        return 1.0 / (1.0 + np.exp(-scores))

    def process(self, messages: List[Message]) -> List[Message]:
        candidates = [m for m in messages if (m.get(INTENT) or {}).get("name") in self.intents]
        if not candidates:
            return messages
        probabilities = self.out_of_scope_probability(candidates)
        for message, probability in zip(candidates, probabilities, strict=True):
            if probability < self.threshold:
                continue
            logger.debug(
                "out of scope with p=%.3f: %s instead of %s",
                probability,
                self.out_of_scope_intent,
                message.get(INTENT).get("name"),
            )
            override_intent(message, self.out_of_scope_intent, probability)
        return messages
