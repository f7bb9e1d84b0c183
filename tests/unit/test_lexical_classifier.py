"""The intent and FAQ-answer classifier (vrt/nlu/lexical_classifier.py), trained on the real
training data with the configuration from config.yml, stored in and loaded from Rasa's own
model storage, on the features of the real n-gram featurizer (vrt/nlu/ngrams.py)."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from tests.ngram_features import featurized, trained_featurizer
from vrt.nlu.lexical_classifier import LexicalIntentClassifier
from vrt.nlu.ngrams import features_of
from vrt.nlu.settings import component_settings
from vrt.paths import ROOT  # noqa: E402

CONFIG = component_settings("vrt.nlu.lexical_classifier.LexicalIntentClassifier")
CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def training_data():
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def featurizer(training_data, tmp_path_factory):
    """Trained, then loaded and run on the training data, as Rasa's training graph does."""
    return trained_featurizer(training_data, tmp_path_factory.mktemp("ngrams"))


@pytest.fixture(scope="module")
def trained(featurizer, training_data, tmp_path_factory):
    storage_dir = tmp_path_factory.mktemp("storage")
    classifier = LexicalIntentClassifier.create(
        CONFIG, LocalModelStorage(storage_dir), Resource("lexical"), CONTEXT
    )
    classifier.train(training_data)
    return classifier, storage_dir


def parsed(featurizer, classifier, *texts):
    """The messages after the featurizer and the classifier, as in the pipeline."""
    messages = featurized(featurizer, texts)
    classifier.process(messages)
    return messages


def test_it_learns_every_intent_and_faq_topic_of_the_training_data(trained, training_data):
    classifier, _ = trained
    intents = {m.get("intent") for m in training_data.intent_examples}
    topics = {m.get("intent_response_key") for m in training_data.intent_examples if m.get("intent") == "faq"}
    assert set(classifier._intents.labels) == intents and len(intents) >= 10
    assert set(classifier._topics.labels) == topics and len(topics) > 10


def test_it_answers_in_the_shape_of_diet_and_the_response_selector(featurizer, trained):
    classifier, _ = trained
    (message,) = parsed(featurizer, classifier, "hoeveel kazernes heeft de brandweer in twente")
    intent, ranking = message.get("intent"), message.get("intent_ranking")
    assert intent["name"] == "faq" and ranking[0] == intent
    assert len(ranking) == CONFIG.get("ranking_length", 10)
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/capaciteit"
    assert response["utter_action"] == "utter_faq/capaciteit"
    # Rasa answers from the domain's utter_faq/capaciteit, not from texts in the parse.
    assert response["responses"] is None
    assert response["confidence"] == selector["faq"]["ranking"][0]["confidence"]
    assert message.as_dict(only_output_properties=True)["response_selector"] == selector


@pytest.mark.parametrize(
    "text, intent",
    [
        ("hallo", "groet"),
        ("doei, tot de volgende keer", "afscheid"),
        ("dankjewel!", "bedankt"),
        ("wat staat er in het beleidsplan over crisisbeheersing", "beleidsplan"),
        ("hoe laat is het in tokio", "buiten_bereik"),
    ],
)
def test_other_intents_than_faq(featurizer, trained, text, intent):
    classifier, _ = trained
    (message,) = parsed(featurizer, classifier, text)
    assert message.get("intent")["name"] == intent


def test_a_stored_classifier_loads_with_the_same_predictions(featurizer, trained, training_data):
    classifier, storage_dir = trained
    loaded = LexicalIntentClassifier.load(
        CONFIG, LocalModelStorage(storage_dir), Resource("lexical"), CONTEXT
    )
    texts = [m.get("text") for m in training_data.intent_examples[::15]]
    for before, after in zip(
        parsed(featurizer, classifier, *texts), parsed(featurizer, loaded, *texts), strict=True
    ):
        assert before.get("intent") == after.get("intent")
        assert before.get("intent_ranking") == after.get("intent_ranking")
        assert before.get("response_selector") == after.get("response_selector")
    probabilities = loaded._intents.probabilities(features_of(featurized(featurizer, texts)))
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_it_fits_its_own_training_data(featurizer, trained, training_data):
    classifier, _ = trained
    examples = training_data.intent_examples
    messages = parsed(featurizer, classifier, *(m.get("text") for m in examples))
    right = sum(m.get("intent")["name"] == e.get("intent") for m, e in zip(messages, examples, strict=True))
    assert right / len(examples) > 0.97
    faq = [(m, e) for m, e in zip(messages, examples, strict=True) if e.get("intent") == "faq"]
    topic_right = sum(
        m.get("response_selector")["faq"]["response"]["intent_response_key"] == e.get("intent_response_key")
        for m, e in faq
    )
    assert topic_right / len(faq) > 0.97


def test_an_empty_message_is_left_to_the_components_after_it(featurizer, trained):
    classifier, _ = trained
    (message,) = parsed(featurizer, classifier, "  ")
    assert message.get("intent") is None and message.get("response_selector") is None


def test_without_two_intents_it_stores_an_empty_model(tmp_path):
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData([Message(data={"text": "hallo", "intent": "groet"})])
    storage = LocalModelStorage(tmp_path)
    classifier = LexicalIntentClassifier.create(CONFIG, storage, Resource("empty"), CONTEXT)
    classifier.train(data)
    loaded = LexicalIntentClassifier.load(CONFIG, storage, Resource("empty"), CONTEXT)
    (message,) = parsed(trained_featurizer(data, tmp_path / "ngrams"), loaded, "hallo")
    assert message.get("intent") is None


def test_without_the_featurizer_before_it_it_says_so(trained):
    classifier, _ = trained
    with pytest.raises(ValueError, match="NgramFeaturizer must come before"):
        classifier.process([Message(data={"text": "hallo"})])


def test_a_model_of_the_format_before_the_shared_featurizer_does_not_load(featurizer, trained, tmp_path):
    """Until the shared featurizer, the classifier stored its own vectorizers: such a model
    must be retrained, and says so."""
    classifier, _ = trained
    storage = LocalModelStorage(tmp_path)
    old = LexicalIntentClassifier.create(CONFIG, storage, Resource("old"), CONTEXT)
    old.persist_state({**classifier.state, "vectorizers": featurizer.state["vectorizers"]})
    with pytest.raises(RuntimeError, match="Retrain"):
        LexicalIntentClassifier.load(CONFIG, storage, Resource("old"), CONTEXT)


def held_out_texts():
    texts = []
    for path in sorted((ROOT / "tests" / "nlu").rglob("*.yml")):
        texts += [m.get("text") for m in load_data(str(path)).training_examples if m.get("text")]
    return texts


@pytest.mark.parametrize("stored", [False, True], ids=["fitted", "loaded"])
def test_its_features_are_sklearns_tfidf(featurizer, training_data, stored):
    """NgramFeatures.transform computes the tf-idf itself (speed); sklearn's own transform of
    the same vectorizers must give the same matrix, for unseen texts, odd ones and a batch."""
    from scipy import sparse

    from vrt.nlu.ngrams import NgramFeatures

    features = featurizer.features
    if not stored:
        features, _ = NgramFeatures.fit([m.get("text") for m in training_data.intent_examples])
    texts = held_out_texts() + ["", "  ", "???", "brand!!", "112", "xyzzy qwrt", "Één ÉÉN één", "a" * 300]
    assert len(texts) > 500
    ours = features.transform(texts)
    sklearns = sparse.hstack([v.transform(texts) for v in features.vectorizers]).tocsr()
    assert ours.shape == sklearns.shape
    assert abs(ours - sklearns).max() < 1e-12
    assert ours.nnz == sklearns.nnz
    # one message at a time, as Rasa calls it, the same rows
    for row in (0, 7, len(texts) - 1):
        assert abs(features.transform([texts[row]]) - sklearns[row]).max() < 1e-12
