"""The lexical second opinion on FAQ answers (vrt_nlu/faq_blend.py), trained on the real training
data with the configuration from config.yml, stored in and loaded from Rasa's own model storage."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from vrt_nlu.faq_blend import BLEND_KEY, FaqLexicalBlend

ROOT = Path(__file__).resolve().parents[2]
CONFIG = next(
    {k: v for k, v in c.items() if k != "name"}
    for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    if c["name"] == "vrt_nlu.FaqLexicalBlend"
)
CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def training_data():
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def trained(training_data, tmp_path_factory):
    storage_dir = tmp_path_factory.mktemp("storage")
    blend = FaqLexicalBlend.create(CONFIG, LocalModelStorage(storage_dir), Resource("blend"), CONTEXT)
    blend.train(training_data)
    return blend, storage_dir


def faq_examples(training_data, topic):
    return [
        m.get("text")
        for m in training_data.intent_examples
        if m.get("intent") == "faq" and m.get("intent_response_key") == topic
    ]


def selected(text, ranking):
    """A message as the ResponseSelector leaves it: (topic, confidence) pairs, best first."""
    entries = [{"id": i, "confidence": c, "intent_response_key": t} for i, (t, c) in enumerate(ranking)]
    top = entries[0]
    prediction = {
        "responses": [{"text": f"the answer of {top['intent_response_key']}"}],
        "confidence": top["confidence"],
        "intent_response_key": top["intent_response_key"],
        "utter_action": f"utter_{top['intent_response_key']}",
    }
    return Message(
        data={
            "text": text,
            "intent": {"name": "faq", "confidence": 0.99},
            "response_selector": {
                "all_retrieval_intents": ["faq"],
                "faq": {"response": prediction, "ranking": entries},
            },
        }
    )


def test_it_learns_every_faq_topic_of_the_training_data(trained, training_data):
    blend, _ = trained
    topics = {m.get("intent_response_key") for m in training_data.intent_examples if m.get("intent") == "faq"}
    assert set(blend.topics) == topics and len(topics) > 10


def test_a_stored_blend_loads_with_the_same_probabilities(trained, training_data):
    blend, storage_dir = trained
    loaded = FaqLexicalBlend.load(CONFIG, LocalModelStorage(storage_dir), Resource("blend"), CONTEXT)
    texts = [m.get("text") for m in training_data.intent_examples[:200]]
    assert loaded.topics == blend.topics
    assert np.allclose(loaded.topic_probabilities(texts), blend.topic_probabilities(texts))
    assert np.allclose(loaded.topic_probabilities(texts).sum(axis=1), 1.0)


def test_when_the_selector_is_torn_the_lexical_opinion_decides(trained, training_data):
    blend, _ = trained
    text = faq_examples(training_data, "faq/capaciteit")[0]
    message = selected(text, [("faq/gemeenten", 0.5), ("faq/capaciteit", 0.49), ("faq/contact", 0.01)])
    blend.process([message])
    output = message.get("response_selector")["faq"]
    assert output["response"]["intent_response_key"] == "faq/capaciteit"
    assert output["response"]["utter_action"] == "utter_faq/capaciteit"
    # Not the selector's text for another answer: Rasa answers from the domain's utter_faq/capaciteit.
    assert output["response"]["responses"] is None
    # The gate still reads the selector's own certainty.
    assert output["response"]["confidence"] == 0.5
    lexical = blend.topic_probabilities([text])[0]
    capacity = blend.topics.index("faq/capaciteit")
    assert output["ranking"][0]["intent_response_key"] == "faq/capaciteit"
    assert output["ranking"][0]["confidence"] == pytest.approx(
        (1 - CONFIG["weight"]) * 0.49 + CONFIG["weight"] * lexical[capacity]
    )
    assert output["ranking"][0]["id"] == 1  # the selector's id of that answer
    assert message.get(BLEND_KEY)["selector"] == ["faq/gemeenten", 0.5]
    assert message.get(BLEND_KEY)["blend"][0] == "faq/capaciteit"


def test_when_both_agree_the_selectors_answer_and_texts_stay(trained, training_data):
    blend, _ = trained
    text = faq_examples(training_data, "faq/contact")[0]
    assert blend.topics[int(np.argmax(blend.topic_probabilities([text])[0]))] == "faq/contact"
    message = selected(text, [("faq/contact", 0.9), ("faq/gemeenten", 0.1)])
    blend.process([message])
    kept = message.get("response_selector")["faq"]["response"]
    assert kept["intent_response_key"] == "faq/contact"
    assert kept["responses"] == [{"text": "the answer of faq/contact"}]
    assert kept["confidence"] == 0.9


def test_messages_without_an_faq_ranking_are_left_alone(trained):
    blend, _ = trained
    message = Message(data={"text": "hallo", "intent": {"name": "groet", "confidence": 0.99}})
    blend.process([message])
    assert message.get("response_selector") is None
    assert message.get(BLEND_KEY) is None
