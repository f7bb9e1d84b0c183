"""Training data and answers: coverage, size, and traceability to the sources.

docs/sources/ is the project's copy of the content sources (VRT's page text and the
supplementary facts), so these checks also run in a clone without ../shared.
"""
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.nlu_examples import nlu_examples

ROOT = Path(__file__).resolve().parents[2]
SOURCES = " ".join(p.read_text() for p in (ROOT / "docs" / "sources").iterdir())
UNCERTAIN_FACTS = ["088 256 7800", "Nijverheidstraat", "info@vrtwente.nl"]


TRAIN = nlu_examples(ROOT / "data" / "nlu")
HELD_OUT = nlu_examples(ROOT / "tests" / "nlu")


DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def response_texts():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            yield name, variant["text"]
    knowledge = yaml.safe_load((ROOT / "knowledge" / "beleidsplan.yml").read_text())
    for key, theme in knowledge["themas"].items():
        for text in [theme["samenvatting"], *theme["details"]]:
            yield f"knowledge:{key}", text


@pytest.mark.parametrize("intent", sorted(TRAIN))
def test_every_intent_has_15_training_examples(intent):
    assert len(TRAIN[intent]) >= 15


def test_every_faq_topic_has_an_answer_and_every_answer_a_topic():
    topics = {i.split("/", 1)[1] for i in TRAIN if i.startswith("faq/")}
    answers = {r.split("/", 1)[1] for r in DOMAIN["responses"] if r.startswith("utter_faq/")}
    assert topics == answers


@pytest.mark.parametrize("intent", sorted(TRAIN))
def test_every_intent_has_3_held_out_examples(intent):
    if intent == "nlu_fallback":
        pytest.skip("no training data")
    assert len(HELD_OUT[intent]) >= 3


def test_held_out_examples_are_not_in_training_data():
    seen = {t.lower() for texts in TRAIN.values() for t in texts}
    leaked = [t for texts in HELD_OUT.values() for t in texts if t.lower() in seen]
    assert leaked == []


def test_no_example_is_trained_under_two_intents():
    owners = Counter(t.lower() for texts in TRAIN.values() for t in set(texts))
    assert [t for t, n in owners.items() if n > 1] == []


@pytest.mark.parametrize("name, text", list(response_texts()))
def test_every_number_in_an_answer_is_in_the_sources(name, text):
    for number in re.findall(r"\d[\d\-]*\d|\d", text):
        if re.fullmatch(r"[123]\)?", number):  # list numbering "1)", "2)", "3)"
            continue
        assert number in SOURCES, f"{name}: {number} does not appear in docs/sources"


@pytest.mark.parametrize("name, text", list(response_texts()))
def test_uncertain_facts_are_never_shown(name, text):
    for fact in UNCERTAIN_FACTS:
        assert fact not in text, f"{name} shows the UNCERTAIN fact {fact}"


def test_emergency_answer_starts_with_112():
    (variant,) = DOMAIN["responses"]["utter_noodgeval"]
    assert variant["text"].startswith("Bel nu 112.")


@pytest.mark.parametrize("name", ["utter_buiten_bereik", "utter_default", "utter_faq/contact"])
def test_unknown_and_contact_point_to_vrtwente(name):
    assert "www.vrtwente.nl" in DOMAIN["responses"][name][0]["text"]
