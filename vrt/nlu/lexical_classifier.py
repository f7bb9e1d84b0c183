"""The intent and the FAQ answer, from logistic regressions on character and word n-grams.

Two models on the features that vrt.nlu.ngrams.NgramFeaturizer sets on each message (n-grams of
the normalised text):
- the intent: one multinomial regression over all intents, without class weights (5-fold CV
  showed no gain from weighting the small intents);
- the FAQ topic: a regression over the `faq/<topic>` examples only, each topic weighted by
  its number of examples ("balanced").

They replace DIET and the ResponseSelector (docs/bench.md, "Issue 13: a lexical classifier"):
in 5-fold cross-validation they generalise better to unseen phrasings than DIET did without
word vectors, at the same held-out accuracy, and they train in seconds instead of minutes.

A long message, a story and then the question, is read twice when QuestionPartFinder found its
question part (vrt/nlu/question_part.py; the featurizer computes the part's n-grams): as a whole,
and with the question part weighing `question_part_weight` times the whole (`question_reading`).
The second reading wins, for the intent and the FAQ topic together, when it is surer (top intent
times top FAQ topic, `sureness`) by more than `question_part_margin`; `question_part_choice` in the
parse data says which one won. Measured on the voices set and an own set of long messages
(docs/bench.md, "Issue 26: the question in a long message"): reading the part alone helped less,
since residents' questions often point back into the story ("wanneer is dat opgericht?").

The output has the shape DIET and the ResponseSelector give (`intent`, `intent_ranking`,
`response_selector`), so FallbackClassifier, FaqConfidenceGate, the out-of-scope veto, the
emergency net and Rasa's `ActionRetrieveResponse` read it unchanged. The whole state
(coefficients; the featurizer stores the vocabularies and idf weights) is JSON in the model, no
pickle. A model stored before 2026-12-03's shared featurizer (vectorizers in this state) does not
load: retrain.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from vrt.nlu.base import ConfiguredJsonStateComponent
from vrt.nlu.ngrams import (
    NgramFeaturizer,
    features_of,
    question_part_features_of,
    reject_state_with_vectorizers,
    stored,
    training_examples,
)

# Rasa warns at every training that no ResponseSelector uses the `faq/<topic>` examples:
# this component uses them.
warnings.filterwarnings(
    "ignore", message="You have defined training data with examples for training a response selector"
)


# The parse-data key that says whether the question part of a long message was classified
# instead of the whole message, with both sureness figures (the trace and `make report` show it).
QUESTION_PART_CHOICE_KEY = "question_part_choice"


def question_reading(whole: sparse.csr_matrix, part: sparse.csr_matrix, weight: float) -> sparse.csr_matrix:
    """The n-grams of a long message with its question part weighing `weight` times the whole,
    scaled to the whole's length. The story stays in (a question like "wanneer is dat
    opgericht?" names its topic only in the story), the question's words count more."""
    blend = whole + weight * part
    length = np.sqrt(blend.multiply(blend).sum())
    scale = np.sqrt(whole.multiply(whole).sum()) / length if length else 0.0
    return sparse.csr_matrix(blend * scale)


def softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


class LinearModel:
    """A fitted multinomial logistic regression as plain arrays (JSON state)."""

    def __init__(self, labels: List[Text], coef: Any, intercept: Any) -> None:
        self.labels = list(labels)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        # Sparse row times a C-ordered (features x labels) array: `coef.T` is a view that
        # scipy would copy (about 8 MB) for every message.
        self._coef_by_feature = np.ascontiguousarray(self.coef.T)

    @classmethod
    def fit(cls, matrix: Any, labels: List[Text], C: float, class_weight: Optional[Text]) -> "LinearModel":
        # newton-cg: the same optimum as sklearn's default lbfgs (probabilities within 1e-4 on
        # this data), in a third of the time (docs/bench.md, "training time").
        model = LogisticRegression(C=C, class_weight=class_weight, solver="newton-cg", max_iter=3000).fit(
            matrix, labels
        )
        coef, intercept = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # sklearn keeps one row for two classes
            coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
        return cls([str(c) for c in model.classes_], coef, intercept)

    @classmethod
    def from_state(cls, state: Dict[Text, Any]) -> "LinearModel":
        return cls(state["labels"], state["coef"], state["intercept"])

    def state(self) -> Dict[Text, Any]:
        return {
            "labels": self.labels,
            "coef": stored(self.coef),
            "intercept": stored(self.intercept),
        }

    def probabilities(self, matrix: Any) -> np.ndarray:
        return softmax(np.asarray(matrix @ self._coef_by_feature) + self.intercept)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LexicalIntentClassifier(ConfiguredJsonStateComponent):
    STATE_FILE = "lexical_intent_classifier.json"

    @classmethod
    def required_components(cls) -> List[Type]:
        return [NgramFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # C: inverse regularisation strength of each model; ranking_length as in Rasa's classifiers.
        return {
            "retrieval_intent": "faq",
            "intent_C": 30.0,
            "intent_class_weight": None,
            "topic_C": 30.0,
            "topic_class_weight": "balanced",
            "ranking_length": 10,
            # A long message with a question part (vrt/nlu/question_part.py) is also read with
            # the part weighing `question_part_weight` times the whole message; that reading
            # wins when it is surer by more than `question_part_margin` (docs/bench.md, "Issue 26").
            "question_part_weight": 2.0,
            "question_part_margin": 0.05,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, state)
        self.retrieval_intent = self.config["retrieval_intent"]
        self.ranking_length = int(self.config["ranking_length"])
        self.question_part_weight = float(self.config["question_part_weight"])
        self.question_part_margin = float(self.config["question_part_margin"])
        self._intents: Optional[LinearModel] = None
        self._topics: Optional[LinearModel] = None
        if state:
            self._build(state)

    def check_loaded_state(self) -> None:
        reject_state_with_vectorizers(self.state, "intent classifier")

    def _build(self, state: Dict[Text, Any]) -> None:
        self._intents = LinearModel.from_state(state["intents"])
        self._topics = LinearModel.from_state(state["topics"]) if state.get("topics") else None

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_examples(training_data)
        intents = [m.get(INTENT) for m in examples]
        if len(set(intents)) < 2:
            return self.persist_state(None)
        matrix = features_of(examples)
        rows = [
            i
            for i, m in enumerate(examples)
            if m.get(INTENT) == self.retrieval_intent and m.get(INTENT_RESPONSE_KEY)
        ]
        topics = [examples[i].get(INTENT_RESPONSE_KEY) for i in rows]
        # The two fits side by side: scipy's sparse products release the GIL, so two threads
        # take about 60 % of the time of one after the other, with the same coefficients.
        with ThreadPoolExecutor(max_workers=2) as pool:
            intent_fit = pool.submit(
                LinearModel.fit,
                matrix,
                intents,
                float(self.config["intent_C"]),
                self.config["intent_class_weight"],
            )
            topic_fit = (
                pool.submit(
                    LinearModel.fit,
                    matrix[rows],
                    topics,
                    float(self.config["topic_C"]),
                    self.config["topic_class_weight"],
                )
                if len(set(topics)) >= 2
                else None
            )
            intent_model = intent_fit.result()
            topic_model = topic_fit.result() if topic_fit else None
        state = {
            "intents": intent_model.state(),
            "topics": topic_model.state() if topic_model else None,
        }
        self._build(state)
        return self.persist_state(state)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._intents is None or not messages:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        matrix = features_of(messages)
        intents, topics = self._probabilities(matrix)
        parts = {row: question_part_features_of(m) for row, m in enumerate(messages)}
        parts = {
            row: question_reading(matrix[row], features, self.question_part_weight)
            for row, features in parts.items()
            if features is not None
        }
        if parts:
            part_intents, part_topics = self._probabilities(sparse.vstack(list(parts.values()), format="csr"))
            for i, row in enumerate(parts):
                whole = self.sureness(intents[row], None if topics is None else topics[row])
                part = self.sureness(part_intents[i], None if part_topics is None else part_topics[i])
                used = part > whole + self.question_part_margin
                messages[row].set(
                    QUESTION_PART_CHOICE_KEY,
                    {"used": used, "message": round(whole, 4), "question_part": round(part, 4)},
                    add_to_output=True,
                )
                if used:
                    intents[row] = part_intents[i]
                    if topics is not None:
                        topics[row] = part_topics[i]
        for row, message in enumerate(messages):
            if not texts[row].strip():
                continue  # an empty message: left to OpeningMessageClassifier and the fallback
            self._set_intent(message, intents[row])
            if topics is not None:
                self._set_topic(message, topics[row])
        return messages

    def _probabilities(self, matrix: Any) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        return (
            self._intents.probabilities(matrix),
            self._topics.probabilities(matrix) if self._topics else None,
        )

    def sureness(self, intents: np.ndarray, topics: Optional[np.ndarray]) -> float:
        """How sure the classifier is of one reading: the top intent's probability, times the top
        FAQ topic's when that intent is the FAQ (what the fallback and the FAQ gate look at)."""
        best = int(np.argmax(intents))
        sure = float(intents[best])
        if topics is not None and self._intents.labels[best] == self.retrieval_intent:
            sure *= float(np.max(topics))
        return sure

    def _set_intent(self, message: Message, probabilities: np.ndarray) -> None:
        order = np.argsort(-probabilities, kind="stable")[: self.ranking_length]
        ranking = [
            {INTENT_NAME_KEY: self._intents.labels[i], PREDICTED_CONFIDENCE_KEY: float(probabilities[i])}
            for i in order
        ]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def _set_topic(self, message: Message, probabilities: np.ndarray) -> None:
        order = np.argsort(-probabilities, kind="stable")[: self.ranking_length]
        ranking = [
            {
                "id": None,
                PREDICTED_CONFIDENCE_KEY: float(probabilities[i]),
                INTENT_RESPONSE_KEY: self._topics.labels[i],
            }
            for i in order
        ]
        top = ranking[0]
        prediction = {
            # Rasa answers from the domain's `utter_<key>` response.
            RESPONSE_SELECTOR_RESPONSES_KEY: None,
            PREDICTED_CONFIDENCE_KEY: top[PREDICTED_CONFIDENCE_KEY],
            INTENT_RESPONSE_KEY: top[INTENT_RESPONSE_KEY],
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{top[INTENT_RESPONSE_KEY]}",
        }
        selector = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
        selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
        selector[self.retrieval_intent] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: prediction,
            RESPONSE_SELECTOR_RANKING_KEY: ranking,
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
