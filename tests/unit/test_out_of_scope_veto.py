"""The out-of-scope veto (vrt/nlu/out_of_scope.py), trained on the real training data with the
configuration from config.yml, stored in and loaded from Rasa's own model storage, on the
features of the real n-gram featurizer (vrt/nlu/ngrams.py)."""

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from sklearn.model_selection import StratifiedKFold

from tests.ngram_features import copies, featurized, trained_featurizer
from vrt.nlu.out_of_scope import OutOfScopeVeto
from vrt.nlu.settings import component_settings
from vrt.paths import ROOT  # noqa: E402

CONFIG = component_settings("vrt.nlu.out_of_scope.OutOfScopeVeto")


def new_veto(storage_dir: Path) -> OutOfScopeVeto:
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir)
    context = ExecutionContext(GraphSchema({}), "test")
    return OutOfScopeVeto.create(CONFIG, storage, Resource("veto"), context)


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
    veto = new_veto(storage_dir)
    veto.train(training_data)
    return veto, storage_dir


def message(featurizer, text: str, intent: str) -> Message:
    """A message as the veto gets it: featurized, with the classifier's guess."""
    (parsed,) = featurized(featurizer, [text])
    guess = {"name": intent, "confidence": 0.8}
    parsed.set("intent", guess)
    parsed.set("intent_ranking", [guess, {"name": "groet", "confidence": 0.1}])
    return parsed


def probabilities(veto, featurizer, texts):
    return veto.out_of_scope_probability(featurized(featurizer, texts))


def out_of_scope_training_examples(training_data):
    return [
        m.get("text")
        for m in training_data.intent_examples
        if m.get("intent") == CONFIG["out_of_scope_intent"]
    ]


def test_a_stored_veto_loads_with_the_same_probabilities(featurizer, trained, training_data):
    veto, storage_dir = trained
    loaded = OutOfScopeVeto.load(
        CONFIG, LocalModelStorage(storage_dir), Resource("veto"), ExecutionContext(GraphSchema({}), "test")
    )
    texts = [m.get("text") for m in training_data.intent_examples[:200]]
    assert np.allclose(probabilities(loaded, featurizer, texts), probabilities(veto, featurizer, texts))
    assert loaded.threshold == CONFIG["threshold"]


def test_a_sure_out_of_scope_guess_of_faq_becomes_out_of_scope(featurizer, trained, training_data):
    veto, _ = trained
    texts = out_of_scope_training_examples(training_data)
    text = texts[int(np.argmax(probabilities(veto, featurizer, texts)))]
    guessed = message(featurizer, text, "faq")
    veto.process([guessed])
    assert guessed.get("intent")["name"] == CONFIG["out_of_scope_intent"]
    assert guessed.get("intent")["confidence"] >= CONFIG["threshold"]
    assert [r["name"] for r in guessed.get("intent_ranking")] == [
        CONFIG["out_of_scope_intent"],
        "faq",
        "groet",
    ]


@pytest.mark.parametrize("intent", ["noodgeval", "groet", "beleidsplan", "nlu_fallback"])
def test_the_veto_leaves_other_intents_alone(featurizer, trained, training_data, intent):
    veto, _ = trained
    texts = out_of_scope_training_examples(training_data)
    text = texts[int(np.argmax(probabilities(veto, featurizer, texts)))]
    guessed = message(featurizer, text, intent)
    veto.process([guessed])
    assert guessed.get("intent")["name"] == intent


def test_the_veto_keeps_an_faq_guess_of_a_topic_question(featurizer, trained, training_data):
    veto, _ = trained
    faq = [m.get("text") for m in training_data.intent_examples if m.get("intent") == "faq"]
    messages = [message(featurizer, text, "faq") for text in faq]
    veto.process(messages)
    assert sum(m.get("intent")["name"] != "faq" for m in messages) == 0


def test_without_out_of_scope_examples_the_veto_never_acts(tmp_path, training_data):
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData(
        copies(m for m in training_data.intent_examples if m.get("intent") != "buiten_bereik")
    )
    featurizer = trained_featurizer(data, tmp_path / "ngrams")
    veto = new_veto(tmp_path / "veto")
    veto.train(data)
    guessed = message(featurizer, "hoe word ik vrijwilliger?", "faq")
    veto.process([guessed])
    assert guessed.get("intent")["name"] == "faq"


def test_config_threshold_is_safe_in_cross_validation(training_data, tmp_path):
    """5-fold CV on the training data: the config's threshold vetoes at most 0.5 % of unseen
    FAQ questions and still catches at least 15 % of unseen out-of-scope ones. Fails when a data
    change makes the veto take answers away (then raise `threshold` in config.yml)."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = [m for m in training_data.intent_examples if m.get("text")]
    intents = np.array([m.get("intent") for m in examples])
    held_out = np.zeros(len(examples))
    for fold, (train, test) in enumerate(
        StratifiedKFold(5, shuffle=True, random_state=0).split(examples, intents)
    ):
        data = TrainingData(copies(examples[i] for i in train))
        featurizer = trained_featurizer(data, tmp_path / str(fold) / "ngrams")
        veto = new_veto(tmp_path / str(fold) / "veto")
        veto.train(data)
        held_out[test] = probabilities(veto, featurizer, [examples[i].get("text") for i in test])
    vetoed = held_out >= CONFIG["threshold"]
    faq = intents == "faq"
    out_of_scope = intents == CONFIG["out_of_scope_intent"]
    assert vetoed[faq].mean() <= 0.005, f"{vetoed[faq].sum()} of {faq.sum()} FAQ questions vetoed"
    assert vetoed[out_of_scope].mean() >= 0.15, (
        f"only {vetoed[out_of_scope].sum()} of {out_of_scope.sum()} caught"
    )


def test_a_model_of_the_format_before_the_shared_featurizer_does_not_load(featurizer, trained, tmp_path):
    """Until the shared featurizer, the veto stored its own vectorizers: such a model must be
    retrained, and says so."""
    veto, _ = trained
    old = new_veto(tmp_path)
    old.persist_state({**veto.state, "vectorizers": featurizer.state["vectorizers"]})
    with pytest.raises(RuntimeError, match="Retrain"):
        OutOfScopeVeto.load(
            CONFIG, LocalModelStorage(tmp_path), Resource("veto"), ExecutionContext(GraphSchema({}), "test")
        )
