"""A second, lexical opinion on which FAQ answer fits a question.

The ResponseSelector confuses neighbouring FAQ families ("wat doet de VRT" against "kerntaken",
"organisatie", "bestuur"), and which ones moves with every training (docs/bench.md, "seeds").
This component trains a logistic regression on character and word n-grams of the normalised
text (the features of vrt_nlu/out_of_scope.py) over the FAQ topics, and replaces the
selector's ranking with the average of both: the answer is the topic with the highest mean
probability. It chooses between answers, not whether to answer: the prediction keeps the
selector's own top confidence, which FaqConfidenceGate reads as before (the mean is lower and
flatter, and gating on it sent right answers to the fallback; docs/bench.md).

Placed right after the ResponseSelector. Its whole state is JSON in the model, no pickle.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from vrt_nlu.base import ConfiguredJsonStateComponent
from vrt_nlu.ngrams import NgramFeatures

# Output key with both opinions, for `make shell DEBUG=1` and the bench.
BLEND_KEY = "faq_blend"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FaqLexicalBlend(ConfiguredJsonStateComponent):
    STATE_FILE = "faq_lexical_blend.json"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # weight: the lexical model's share of the mean; C: its inverse regularisation strength.
        return {"retrieval_intent": "faq", "weight": 0.5, "C": 10.0, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, state)
        self.retrieval_intent = self.config["retrieval_intent"]
        self.weight = float(self.config["weight"])
        self._features: Optional[NgramFeatures] = None
        self.topics: List[Text] = []
        if state:
            self._build(state)

    def _build(self, state: Dict[Text, Any]) -> None:
        self._features = NgramFeatures.from_state(state["vectorizers"])
        self.topics = list(state["topics"])
        self._coef = np.asarray(state["coef"], dtype=np.float64)
        self._intercept = np.asarray(state["intercept"], dtype=np.float64)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            m
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT) == self.retrieval_intent and m.get(INTENT_RESPONSE_KEY)
        ]
        labels = [m.get(INTENT_RESPONSE_KEY) for m in examples]
        if len(set(labels)) < 2:
            # Nothing to choose between: store an empty model that leaves the selector alone.
            return self.persist_state(None)
        features, matrix = NgramFeatures.fit([m.get(TEXT) for m in examples])
        model = LogisticRegression(C=float(self.config["C"]), max_iter=3000).fit(matrix, labels)
        state = {
            "vectorizers": features.state(),
            "topics": [str(t) for t in model.classes_],
            "coef": model.coef_.tolist(),
            "intercept": model.intercept_.tolist(),
        }
        self._build(state)
        return self.persist_state(state)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def topic_probabilities(self, texts: List[Text]) -> np.ndarray:
        """P(topic) per text and topic (columns in the order of `topics`)."""
        scores = self._features.transform(texts) @ self._coef.T + self._intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.topics:
            return messages
        for message in messages:
            self._blend(message)
        return messages

    def _blend(self, message: Message) -> None:
        selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        output = selector.get(self.retrieval_intent) or {}
        ranking = output.get(RESPONSE_SELECTOR_RANKING_KEY) or []
        text = message.get(TEXT)
        if not ranking or not text:
            return
        selected = self._selector_probabilities(ranking)
        lexical = self.topic_probabilities([text])[0]
        blended = (1.0 - self.weight) * selected + self.weight * lexical
        order = np.argsort(-blended, kind="stable")[: int(self.config["ranking_length"])]
        ids = {r.get(INTENT_RESPONSE_KEY): r.get("id") for r in ranking}
        new_ranking = [
            {
                "id": ids.get(self.topics[i]),
                PREDICTED_CONFIDENCE_KEY: float(blended[i]),
                INTENT_RESPONSE_KEY: self.topics[i],
            }
            for i in order
        ]
        top = self.topics[order[0]]
        before = output.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}
        prediction = {
            # Rasa answers from the domain's `utter_<key>`; the selector's texts only fit its own pick.
            RESPONSE_SELECTOR_RESPONSES_KEY: (
                before.get(RESPONSE_SELECTOR_RESPONSES_KEY)
                if before.get(INTENT_RESPONSE_KEY) == top
                else None
            ),
            PREDICTED_CONFIDENCE_KEY: before.get(PREDICTED_CONFIDENCE_KEY),
            INTENT_RESPONSE_KEY: top,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{top}",
        }
        selector = {
            **selector,
            self.retrieval_intent: {
                **output,
                RESPONSE_SELECTOR_PREDICTION_KEY: prediction,
                RESPONSE_SELECTOR_RANKING_KEY: new_ranking,
            },
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
        lexical_top = int(np.argmax(lexical))
        message.set(
            BLEND_KEY,
            {
                "selector": [before.get(INTENT_RESPONSE_KEY), before.get(PREDICTED_CONFIDENCE_KEY)],
                "lexical": [self.topics[lexical_top], float(lexical[lexical_top])],
                "blend": [top, float(blended[order[0]])],
            },
            add_to_output=True,
        )

    def _selector_probabilities(self, ranking: List[Dict[Text, Any]]) -> np.ndarray:
        """The selector's confidences in the order of `topics` (topics outside its ranking: 0)."""
        index: Dict[Optional[Text], int] = {t: i for i, t in enumerate(self.topics)}
        selected = np.zeros(len(self.topics))
        for entry in ranking:
            i = index.get(entry.get(INTENT_RESPONSE_KEY))
            if i is not None:
                selected[i] = float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        return selected
