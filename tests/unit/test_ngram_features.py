"""The n-gram featurizer shared by the intent classifier and the out-of-scope veto
(vrt/nlu/ngrams.py), on the real training data and config.yml."""

import numpy as np
import pytest
import rasa.shared.utils.io
from rasa.engine import validation
from rasa.engine.exceptions import GraphSchemaValidationException
from rasa.engine.recipes.recipe import Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from tests.ngram_features import CONTEXT, copies, featurized, trained_featurizer
from vrt.nlu.ngrams import ORIGIN, NgramFeatures, NgramFeaturizer, features_of, training_examples
from vrt.paths import ROOT

FEATURIZER = "vrt.nlu.ngrams.NgramFeaturizer"


@pytest.fixture(scope="module")
def training_data():
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def featurizer(training_data, tmp_path_factory):
    return trained_featurizer(training_data, tmp_path_factory.mktemp("ngrams"))


def same_matrix(a, b) -> bool:
    """Equal bit for bit, entries in the same order (sums over a row round the same way)."""
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def test_the_models_are_trained_on_sklearns_fit_transform_bit_for_bit(featurizer, training_data):
    """The matrix the classifier and the veto are fitted on, read from the training examples'
    features, is the one each computed with `fit_transform` before they shared a featurizer:
    their coefficients stay the same, bit for bit."""
    examples = training_examples(training_data)
    _, fitted = NgramFeatures.fit([m.get("text") for m in examples])
    assert same_matrix(features_of(examples), fitted)
    assert fitted.shape[0] > 1000


def test_a_message_gets_its_ngrams_once_and_both_models_read_the_same(featurizer):
    texts = ["hoeveel kazernes heeft de brandweer", "hoe word ik vrijwilliger?", ""]
    messages = featurized(featurizer, texts)
    featurizer.process(messages)  # a second run replaces, it does not add
    for message, text in zip(messages, texts, strict=True):
        (row,) = [f.features for f in message.features if f.origin == ORIGIN]
        assert same_matrix(row, featurizer.features.transform([text]))
    assert same_matrix(features_of(messages), featurizer.features.transform(texts))
    assert features_of(messages[1:2]).nnz > 0 and features_of(messages[2:]).nnz == 0


def test_one_featurizer_serves_both_models_in_config_yml():
    """Rasa's graph of config.yml: the classifier and the veto are trained on the training data
    the featurizer has featurized, and parse after it. Without it, the graph is refused."""
    config = rasa.shared.utils.io.read_config_file(str(ROOT / "config.yml"))
    recipe = Recipe.recipe_for_name(config["recipe"])
    graph = recipe.graph_config_for_recipe(config, {}, training_type=TrainingType.BOTH)
    validation.validate(graph)
    nodes = graph.train_schema.nodes
    (featurizer_run,) = [n for n, node in nodes.items() if n.startswith(f"run_{FEATURIZER}")]
    assert len([n for n in nodes if FEATURIZER in n]) == 2  # one train node, one run node
    for model in ("LexicalIntentClassifier", "OutOfScopeVeto"):
        (train,) = [node for n, node in nodes.items() if n.startswith("train_") and model in n]
        assert train.needs["training_data"] == featurizer_run
    predict = graph.predict_schema.nodes
    (featurizer_node,) = [n for n in predict if FEATURIZER in n]
    (classifier_node,) = [node for n, node in predict.items() if "LexicalIntentClassifier" in n]
    assert classifier_node.needs["messages"] == featurizer_node
    without = {**config, "pipeline": [c for c in config["pipeline"] if c["name"] != FEATURIZER]}
    with pytest.raises(GraphSchemaValidationException, match="require a NgramFeaturizer"):
        validation.validate(recipe.graph_config_for_recipe(without, {}, training_type=TrainingType.BOTH))


def test_the_fingerprint_follows_the_features(featurizer):
    """Rasa's training cache fingerprints the featurized training data."""
    first, again, other = featurized(featurizer, ["wat doet de vrt", "wat doet de vrt", "wat doet de ghor"])

    def fingerprint(message):
        (features,) = message.features
        return features.fingerprint()

    assert fingerprint(first) == fingerprint(again) != fingerprint(other)
    assert first.fingerprint() == again.fingerprint()


def test_it_refuses_training_data_it_was_not_trained_on(featurizer, training_data):
    part = TrainingData(copies(training_examples(training_data)[::2]))
    with pytest.raises(ValueError, match="differ"):
        featurizer.process_training_data(part)


def test_without_texts_it_stores_nothing_and_sets_no_features(tmp_path):
    storage = LocalModelStorage(tmp_path)
    NgramFeaturizer.create({}, storage, Resource("empty"), CONTEXT).train(TrainingData([]))
    loaded = NgramFeaturizer.load({}, storage, Resource("empty"), CONTEXT)
    assert loaded.state is None
    (message,) = featurized(loaded, ["hallo"])
    assert message.features == []
