"""The CRF entity extractor of config.yml (vrt/nlu/crf_entities.py) leaves the training data as
Rasa's training cache recorded it, extracts the same entities as Rasa's own extractor, needs no
featurizer before it, and loads its stored CRFs without training again."""

import shutil

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.crf_entities import CopyingCRFEntityExtractor
from vrt.nlu.settings import component_settings
from vrt.paths import ROOT  # noqa: E402

CONFIG = component_settings("vrt.nlu.crf_entities.CopyingCRFEntityExtractor")
CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("featurizer"))
    return CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), CONTEXT
    )


def tokenized(messages):
    tokenizer = WhitespaceTokenizer.create(WhitespaceTokenizer.get_default_config(), None, None, CONTEXT)
    tokenizer.process(messages)
    return messages


@pytest.fixture
def training_data(featurizer):
    # The policy-plan questions: the examples with `beleidsthema` entities. The CRF only
    # trains on and tags messages that have features.
    data = load_data(str(ROOT / "data" / "nlu" / "beleidsplan.yml"))
    assert data.entity_examples, "no entity examples to train on"
    tokenized(data.training_examples)
    featurizer.train(data)
    featurizer.process_training_data(data)
    return data


def new_extractor(cls, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    return cls.create(extractor_config(cls), storage, Resource("crf"), CONTEXT)


def extractor_config(cls):
    return {**cls.get_default_config(), **CONFIG}


TEXTS = [
    "wat zegt het beleidsplan over droogte",
    "wat staat er in het beleidsplan over samenwerking",
    "vertel over de nieuwe risico's uit het beleidsplan",
    "wat zegt het beleidsplan over innovatie",
    "hoe zit het met de samenwerking",
]


def entities_found(extractor, featurizer=None):
    messages = tokenized([Message(data={"text": text}) for text in TEXTS])
    if featurizer:
        featurizer.process(messages)
    extractor.process(messages)
    return [[(e["entity"], e["value"]) for e in m.get("entities", [])] for m in messages]


def test_training_leaves_the_training_data_unchanged(training_data, tmp_path):
    before = training_data.fingerprint()
    extractor = new_extractor(CopyingCRFEntityExtractor, tmp_path)
    extractor.train(training_data)
    assert extractor.entity_taggers, "the extractor trained no tagger"
    assert training_data.fingerprint() == before


def test_rasas_own_extractor_changes_the_training_data(training_data, tmp_path):
    """Why the copy exists. When a Rasa upgrade makes this fail, config.yml can use Rasa's own
    CRFEntityExtractor again."""
    before = training_data.fingerprint()
    new_extractor(CRFEntityExtractor, tmp_path).train(training_data)
    assert training_data.fingerprint() != before


def test_it_extracts_what_rasas_own_extractor_extracts(training_data, featurizer, tmp_path):
    copying = new_extractor(CopyingCRFEntityExtractor, tmp_path / "copying")
    copying.train(training_data)
    own = new_extractor(CRFEntityExtractor, tmp_path / "own")
    own.train(training_data)
    found = [entities_found(extractor, featurizer) for extractor in (copying, own)]
    assert found[0] == found[1]
    assert any(found[0]), "neither extractor found an entity"


def test_it_needs_no_featurizer_before_it(training_data, featurizer, tmp_path):
    """config.yml has no featurizer: the CRF's own features come from the tokens."""
    without_features = load_data(str(ROOT / "data" / "nlu" / "beleidsplan.yml"))
    tokenized(without_features.training_examples)
    copying = new_extractor(CopyingCRFEntityExtractor, tmp_path / "copying")
    copying.train(without_features)
    own = new_extractor(CRFEntityExtractor, tmp_path / "own")
    own.train(training_data)
    # the same entities as Rasa's extractor with features, from messages without any
    assert entities_found(copying) == entities_found(own, featurizer)
    assert any(entities_found(copying))
    # Rasa's own extractor tags nothing in a message without features
    assert not any(entities_found(own))


def test_a_stored_extractor_loads_without_training_again(training_data, tmp_path, monkeypatch):
    trained = new_extractor(CopyingCRFEntityExtractor, tmp_path / "model")
    trained.train(training_data)
    expected = entities_found(trained)
    assert any(expected)

    def no_training(*args, **kwargs):
        raise AssertionError("the CRF was trained again at load")

    monkeypatch.setattr(CRFEntityExtractor, "train_model", classmethod(no_training))
    storage = LocalModelStorage(tmp_path / "model")
    loaded = CopyingCRFEntityExtractor.load(
        extractor_config(CopyingCRFEntityExtractor), storage, Resource("crf"), CONTEXT
    )
    # Rasa deletes the unpacked model once the graph is loaded.
    shutil.rmtree(tmp_path / "model")
    assert entities_found(loaded) == expected


def test_a_model_stored_by_rasas_extractor_still_loads(training_data, featurizer, tmp_path):
    """Rasa's way stores the training tokens only; loading trains the CRFs from them."""
    own = new_extractor(CRFEntityExtractor, tmp_path / "model")
    own.train(training_data)
    storage = LocalModelStorage(tmp_path / "model")
    loaded = CopyingCRFEntityExtractor.load(
        extractor_config(CopyingCRFEntityExtractor), storage, Resource("crf"), CONTEXT
    )
    assert entities_found(loaded) == entities_found(own, featurizer)
    assert any(entities_found(loaded))
