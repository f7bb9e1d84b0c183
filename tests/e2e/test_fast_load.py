"""The trained model loaded without Rasa's training step (vrt_nlu/fast_load.py) predicts
exactly what Rasa's own load predicts, on every held-out question."""

import asyncio
import time

import pytest
from rasa.core.agent import Agent

from tests.nlu_examples import nlu_examples
from tests.servers import ROOT, current_model
from vrt_nlu import fast_load

QUESTIONS = [
    text
    for folder in (ROOT / "tests" / "nlu", ROOT / "tests" / "nlu" / "en")  # Dutch, English
    for texts in nlu_examples(folder).values()
    for text in texts
]


def trained_models(agent: Agent) -> dict:
    """DIET's and the ResponseSelector's TensorFlow models, by graph node name."""
    nodes = agent.processor.graph_runner._instantiated_nodes
    return {
        name: node._component.model
        for name, node in nodes.items()
        if hasattr(getattr(node._component, "model", None), "run_inference")
    }


def predictions(agent: Agent) -> list:
    async def parse_all():
        return [await agent.parse_message(text) for text in QUESTIONS]

    rows = []
    for parsed in asyncio.run(parse_all()):
        selected = parsed.get("response_selector", {}).get("faq", {})
        rows.append(
            (
                parsed["text"],
                [(i["name"], i["confidence"]) for i in parsed["intent_ranking"]],
                selected.get("response", {}).get("intent_response_key"),
                [(r["intent_response_key"], r["confidence"]) for r in selected.get("ranking", [])],
            )
        )
    return rows


@pytest.fixture(scope="module")
def both_loads(figures):
    model = current_model()
    started = time.perf_counter()
    fast = Agent.load(str(model))  # vrt_nlu installs the fast load when Rasa imports it
    fast_s = time.perf_counter() - started
    fast_models, fast_predictions = trained_models(fast), predictions(fast)
    fast_load.uninstall()
    try:
        started = time.perf_counter()
        rasa = Agent.load(str(model))
        rasa_s = time.perf_counter() - started
        rasa_models, rasa_predictions = trained_models(rasa), predictions(rasa)
    finally:
        fast_load.install()
    figures(f"model load: {fast_s:.1f} s without the training step, {rasa_s:.1f} s with Rasa's own load")
    return fast_models, fast_predictions, rasa_models, rasa_predictions


def test_fast_load_builds_no_optimizer(both_loads):
    fast_models, _, rasa_models, _ = both_loads
    assert set(fast_models) == set(rasa_models) and len(fast_models) == 2  # DIET, ResponseSelector
    assert all(model.optimizer is None for model in fast_models.values())
    assert all(model.optimizer is not None for model in rasa_models.values())


def test_fast_load_predicts_what_rasa_load_predicts(both_loads):
    _, fast_predictions, _, rasa_predictions = both_loads
    assert len(fast_predictions) == len(QUESTIONS) > 650
    for fast, rasa in zip(fast_predictions, rasa_predictions, strict=True):
        assert fast == rasa
