"""The CRF entity extractor of config.yml (vrt_nlu/crf_entities.py) leaves the training data as
Rasa's training cache recorded it, and extracts the same entities as Rasa's own extractor."""

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from vrt_nlu.crf_entities import CopyingCRFEntityExtractor

ROOT = Path(__file__).resolve().parents[2]
CONFIG = next(
    {k: v for k, v in c.items() if k != "name"}
    for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    if c["name"] == "vrt_nlu.CopyingCRFEntityExtractor"
)
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
    return cls.create({**cls.get_default_config(), **CONFIG}, storage, Resource("crf"), CONTEXT)


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
    texts = [
        "wat zegt het beleidsplan over droogte",
        "wat staat er in het beleidsplan over samenwerking",
        "vertel over de nieuwe risico's uit het beleidsplan",
        "wat zegt het beleidsplan over innovatie",
        "hoe zit het met de samenwerking",
    ]
    found = []
    for extractor in (copying, own):
        messages = featurizer.process(tokenized([Message(data={"text": text}) for text in texts]))
        extractor.process(messages)
        found.append([[(e["entity"], e["value"]) for e in m.get("entities", [])] for m in messages])
    assert found[0] == found[1]
    assert any(found[0]), "neither extractor found an entity"
