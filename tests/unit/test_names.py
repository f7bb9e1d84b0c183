"""Names and everyday words (lexicon/lookups/namen.yml, vrt/nlu/names.py): the real data file, and
the component in the real pipeline of config.yml, trained on the real data (NLU only; Rasa's
training cache makes a second run quick)."""

import asyncio

import pytest
import yaml

from vrt.nlu.lexicon import NAMES, faq_names, name_question_words
from vrt.nlu.names import NameQuestionClassifier, words_of
from vrt.nlu.settings import pipeline
from vrt.paths import ROOT


@pytest.fixture(scope="module")
def names():
    return faq_names()


def test_every_table_names_a_faq_answer_of_the_domain(names):
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    assert names, NAMES
    assert [t for t in names if f"utter_faq/{t}" not in responses] == []


def test_no_name_in_two_tables_and_no_name_only_question_words(names):
    fillers = {w for q in name_question_words() for w in words_of(q)}
    owner = {}
    for topic, entries in names.items():
        for entry in entries:
            key = "".join(words_of(entry))
            assert owner.setdefault(key, topic) == topic, f"{entry!r} in {owner[key]} and {topic}"
            assert not set(words_of(entry)) <= fillers, entry


def test_the_names_of_the_sources_are_in_the_file(names):
    """The parts, the networks, the places and the campaign of /work/shared/content, by name."""
    listed = {"".join(words_of(e)) for entries in names.values() for e in entries}
    for name in (
        "GHOR",
        "Veiligheidsbureau",
        "Brandweer Twente",
        "Platform Integrale Veiligheidszorg",
        "IVZ",
        "Veiligheidsnetwerk Oost-Nederland",
        "Zorg- en Veiligheidshuis Twente",
        "Kenniscentrum Mensenhandel Twente",
        "Twente Safety Campus",
        "TSC",
        "Troned",
        "Risk Factory Twente",
        "Hoe spoort het",
        "Stabiele factor in tijden van verandering",
        "Veilig Thuis",
        "Meld Misdaad Anoniem",
    ):
        assert "".join(words_of(name)) in listed, name


def test_the_component_runs_after_asking_back_and_before_the_emergency_net():
    names = [c["name"] for c in pipeline()]
    position = names.index("vrt.nlu.names.NameQuestionClassifier")
    assert names.index("vrt.nlu.clarify.ClarifyingQuestion") < position
    assert names.index("vrt.nlu.out_of_scope.OutOfScopeVeto") < position
    assert position < names.index("vrt.nlu.emergency.EmergencyKeywordClassifier")


@pytest.fixture(scope="module")
def parse(tmp_path_factory):
    """The real NLU pipeline of config.yml, trained on data/nlu and loaded as the bot loads it."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    out = tmp_path_factory.mktemp("model")
    model = train_nlu(
        str(ROOT / "config.yml"), str(ROOT / "data" / "nlu"), str(out), domain=str(ROOT / "domain.yml")
    )
    agent = Agent.load(model)

    def parsed(text):
        return asyncio.run(agent.parse_message(text))

    return parsed


def answer(data):
    """The intent and, for `faq`, the FAQ answer's key."""
    intent = data["intent"]["name"]
    if intent != "faq":
        return intent
    return data["response_selector"]["faq"]["response"]["intent_response_key"]


@pytest.mark.parametrize(
    "text, key",
    [
        ("wat is de GHOR", "faq/organisatie"),
        ("wat is de risk factory", "faq/twente_safety_campus"),
        ("what is the GHOR", "faq/organisatie"),
        ("ghor??", "faq/organisatie"),
        ("wat is de riskfactorie?", "faq/twente_safety_campus"),  # one letter off
        ("Wat doet het Zorg- en Veiligheidshuis eigenlijk?", "faq/zorg_en_veiligheidshuis"),
        ("wat is medische hulp bij rampen", "faq/organisatie"),  # an everyday description
        ("en het netwerk tegen mensenhandel?", "faq/kenniscentrum_mensenhandel"),
    ],
)
def test_a_question_about_one_name_gets_its_answer(parse, text, key):
    assert answer(parse(text)) == key


def test_a_longer_question_with_a_name_keeps_the_classifiers_understanding(parse):
    """The component never decides it: what the pipeline without a name match would answer."""
    text = "hoeveel brandweervrijwilligers heeft Brandweer Twente in Enschede"
    assert NameQuestionClassifier.from_config_file().topic(text) is None
    assert answer(parse(text)) != "faq/organisatie"


@pytest.mark.parametrize("text", ["brand bij de risk factory!", "help ghor"])
def test_an_emergency_with_a_name_gets_112_first(parse, text):
    """Not a name question; the emergency net gives the 112 answer or the 112 line first."""
    assert NameQuestionClassifier.from_config_file().topic(text) is None
    data = parse(text)
    signals = [e for e in data["entities"] if e["entity"] == "noodsignaal"]
    assert data["intent"]["name"] == "noodgeval" or signals


@pytest.mark.parametrize("text", ["wat is de hoofdstad van Frankrijk", "wat is de beste pizza in Enschede"])
def test_out_of_scope_questions_stay_out_of_scope(parse, text):
    assert NameQuestionClassifier.from_config_file().topic(text) is None
    assert parse(text)["intent"]["name"] == "buiten_bereik"


def test_a_place_question_and_a_payload_are_no_name(parse):
    assert parse("valt Oldenzaal onder jullie?")["intent"]["name"] == "plaats"
    assert answer(parse("/faq/capaciteit")) == "faq/capaciteit"
