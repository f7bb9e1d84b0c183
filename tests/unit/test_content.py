"""Training data and answers: coverage, size, and traceability to the sources.

docs/sources/ is the project's copy of the content sources (VRT's page text and the
supplementary facts), so these checks also run in a clone without ../shared.
"""

import re
from collections import Counter

import pytest
import yaml

from tests.nlu_examples import nlu_examples
from vrt.paths import ROOT  # noqa: E402

SOURCES = " ".join(p.read_text() for p in (ROOT / "docs" / "sources").iterdir())
UNCERTAIN_FACTS = ["088 256 7800", "Nijverheidstraat", "info@vrtwente.nl"]


TRAIN = nlu_examples(ROOT / "data" / "nlu")
HELD_OUT = nlu_examples(ROOT / "tests" / "nlu")
# The English held-out set (tests/nlu/en/) counts for the leak check too.
for _intent, _texts in nlu_examples(ROOT / "tests" / "nlu" / "en").items():
    HELD_OUT[_intent] = HELD_OUT.get(_intent, []) + _texts


DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def response_texts():
    """Everything a resident reads: response texts and button titles. The knowledge files
    hold no answer text: they point to these responses."""
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            yield name, variant["text"]
            for button in variant.get("buttons", []):
                yield f"{name} button", button["title"]


FAQ_ANSWERS = {
    name: variants for name, variants in DOMAIN["responses"].items() if name.startswith("utter_faq/")
}
SOURCE_TABLE = (ROOT / "docs" / "sources" / "aanvullende-feiten.md").read_text()
MAIN_PAGE_SOURCE = "vrtwente.nl, Wat doen wij?"


def contains_number(text: str, number: str) -> bool:
    """`number` appears as a whole number: "29" is not found in "2029" or "290"."""
    return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text) is not None


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


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "data" / "nlu").glob("*.yml")) + sorted((ROOT / "tests" / "nlu").rglob("*.yml")),
    ids=str,
)
def test_example_blocks_hold_only_examples(path):
    """A comment inside `examples: |` is text to YAML: Rasa drops it with a mere warning."""
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        lines = [line.strip() for line in block.get("examples", "").splitlines() if line.strip()]
        assert [line for line in lines if not line.startswith("- ")] == [], block.get("intent")


def test_no_example_is_trained_under_two_intents():
    owners = Counter(t.lower() for texts in TRAIN.values() for t in set(texts))
    assert [t for t, n in owners.items() if n > 1] == []


@pytest.mark.parametrize("name, text", list(response_texts()))
def test_every_number_in_an_answer_is_in_the_sources(name, text):
    for number in re.findall(r"\d[\d\-]*\d|\d", text):
        if re.fullmatch(r"[123]\)?", number):  # list numbering "1)", "2)", "3)"
            continue
        assert contains_number(SOURCES, number), f"{name}: {number} does not appear in docs/sources"


@pytest.mark.parametrize(
    "number, found",
    [("29", True), ("9", False), ("2", False), ("2021-2024", True), ("2024", True), ("202", False)],
)
def test_numbers_are_matched_whole(number, found):
    assert contains_number("VRT heeft 29 kazernes. Koers 2021-2024.", number) == found


@pytest.mark.parametrize("name, text", list(response_texts()))
def test_uncertain_facts_are_never_shown(name, text):
    for fact in UNCERTAIN_FACTS:
        assert fact not in text, f"{name} shows the UNCERTAIN fact {fact}"


def test_emergency_answer_starts_with_112():
    dutch, english = DOMAIN["responses"]["utter_noodgeval"]
    assert dutch["text"].startswith("Bel nu 112.")
    assert english["text"].startswith("Call 112 now.") and english["condition"] == ENGLISH_CONDITION


@pytest.mark.parametrize("name", ["utter_buiten_bereik", "utter_default", "utter_faq/contact"])
def test_unknown_and_contact_point_to_vrtwente(name):
    for variant in DOMAIN["responses"][name]:
        assert "www.vrtwente.nl" in variant["text"]


# English: every response a resident can get has one variation for `taal: en` (vrt/core/nlg.py),
# a translation with the same numbers, sources and buttons. Not translated: the German pointer,
# and the store-outage message, which is sent without a conversation to read the language from.
ENGLISH_CONDITION = [{"type": "slot", "name": "taal", "value": "en"}]
NOT_TRANSLATED = {"utter_duits", "utter_storing_opslag"}


def english_variant(name):
    variants = DOMAIN["responses"][name]
    english = [v for v in variants if v.get("condition") == ENGLISH_CONDITION]
    assert len(english) == 1 and len(variants) == 2, f"{name}: one Dutch and one English variation"
    assert "condition" not in variants[0], f"{name}: the Dutch text is the default (first) variation"
    return variants[0], english[0]


@pytest.mark.parametrize("name", sorted(set(DOMAIN["responses"]) - NOT_TRANSLATED))
def test_every_response_has_an_english_translation_with_the_same_facts(name):
    dutch, english = english_variant(name)
    numbers = lambda text: sorted(re.findall(r"\d[\d\-]*\d|\d", text))  # noqa: E731
    assert numbers(english["text"]) == numbers(dutch["text"]), f"{name}: other numbers in English"
    assert (english.get("custom") or {}).get("bron") == (dutch.get("custom") or {}).get("bron")
    payloads = lambda v: [b["payload"] for b in v.get("buttons", [])]  # noqa: E731
    assert payloads(english) == payloads(dutch)
    assert "www.vrtwente.nl" in english["text"] or "www.vrtwente.nl" not in dutch["text"]
    assert ("112" in english["text"]) == ("112" in dutch["text"])


def test_german_pointer_names_112_first_and_the_two_languages():
    (variant,) = DOMAIN["responses"]["utter_duits"]
    assert variant["text"].startswith("Im Notfall: Rufen Sie sofort 112 an.")
    assert "Niederländisch und Englisch" in variant["text"] and "www.vrtwente.nl" in variant["text"]


@pytest.mark.parametrize("name", sorted(FAQ_ANSWERS))
def test_every_faq_answer_names_its_source(name):
    for variant in FAQ_ANSWERS[name]:
        sources = (variant.get("custom") or {}).get("bron")
        assert sources, f"{name} has no custom.bron"
        for source in sources:
            assert source.get("naam", "").strip(), f"{name}: a source without a name"
            assert set(source) <= {"naam", "link"}, f"{name}: unknown source field"


@pytest.mark.parametrize("name", sorted(FAQ_ANSWERS))
def test_source_links_are_addresses_the_sources_give(name):
    """Never a made-up link: the address (without https://, www.) is in the source table."""
    for variant in FAQ_ANSWERS[name]:
        for source in variant["custom"]["bron"]:
            if "link" not in source:
                continue
            address = re.sub(r"^https://(www\.)?", "", source["link"])
            assert source["link"].startswith("https://") and address in SOURCES, f"{name}: {source['link']}"


def test_main_page_answers_name_the_page():
    main_page = [
        name
        for name, variants in FAQ_ANSWERS.items()
        if any(s["naam"] == MAIN_PAGE_SOURCE for s in variants[0]["custom"]["bron"])
    ]
    assert "utter_faq/capaciteit" in main_page and "utter_faq/risicos" in main_page


def test_demo_page_restates_no_facts():
    """The widget's demo pages link to the answers instead of repeating their numbers."""
    for page in (ROOT / "web").glob("*.html"):
        text = re.sub(r"<[^>]+>", " ", page.read_text())
        numbers = {n for n in re.findall(r"\b\d+\b", text) if n not in {"112"}}
        assert not numbers, f"{page.name} states facts (numbers {sorted(numbers)}); the answers hold them"


def voices_texts():
    """Every question of the voices set (tests/stemmen/), conversation turns included."""
    folder = ROOT / "tests" / "stemmen"
    for path in sorted(folder.rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in content.get("nlu", []):
            yield from (line.strip()[2:] for line in block["examples"].splitlines() if line.strip())
        for conversation in content.get("gesprekken", []):
            yield from (str(turn["tekst"]) for turn in conversation["beurten"])


def test_voices_set_is_not_in_training_data():
    """The voices set measures residents' own words only while no question of it is trained
    (tests/stemmen/README.md); compared without case and punctuation. Short obvious questions
    both writers wrote independently before are listed in tests/stemmen/in_training_before.txt."""
    plain = lambda text: " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())  # noqa: E731
    seen = {plain(t) for texts in TRAIN.values() for t in texts}
    listed = ROOT / "tests" / "stemmen" / "in_training_before.txt"
    before = {line for line in listed.read_text().splitlines() if line and not line.startswith("#")}
    voices = [plain(t) for t in voices_texts()]
    assert len(voices) > 900
    assert sorted({t for t in voices if t in seen} - before) == []


def test_every_reply_is_marked_with_its_language_templates_too(domain):
    """vrt/core/nlg.py ResponseLanguages: the `lang` of each REST reply (the widget sets it on the
    message for screen readers); a filled-in slot ("{plaats}" of action_plaats) still matches."""
    from vrt.core.nlg import ResponseLanguages

    languages = ResponseLanguages(domain["responses"])
    yes = {
        v.get("condition", [{}])[0].get("value", "nl"): v["text"]
        for v in domain["responses"]["utter_plaats_ja"]
    }
    assert languages.of(yes["en"].replace("{plaats}", "Hof van Twente")) == "en"
    assert languages.of(yes["nl"].replace("{plaats}", "Oldenzaal")) == "nl"
    assert languages.of(domain["responses"]["utter_duits"][0]["text"]) == "de"
    assert languages.of("Yes, is one of the 14 municipalities of VRT.") is None  # the slot is never empty
    assert languages.of("something the bot never says") is None
