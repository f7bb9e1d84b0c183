"""Redaction of personal data and the checks on a resident's message (vrt.privacy)."""

import re

import pytest

from bench import privacy as corpus_bench
from vrt.ops.servers import ROOT
from vrt.privacy import guard
from vrt.privacy.redact import default_redactor

MUNICIPALITIES = [
    "Almelo",
    "Borne",
    "Dinkelland",
    "Enschede",
    "Haaksbergen",
    "Hellendoorn",
    "Hengelo",
    "Hof van Twente",
    "Losser",
    "Oldenzaal",
    "Rijssen-Holten",
    "Tubbergen",
    "Twenterand",
    "Wierden",
    "Twente",
]


@pytest.fixture(scope="module")
def redactor():
    return default_redactor()


@pytest.fixture(scope="module")
def message_guard(redactor):
    return guard.MessageGuard(redactor, guard.emergency_classifier(), max_chars=300)


@pytest.fixture(scope="module")
def payloads(domain):
    return guard.offered_payloads(domain["responses"], [*guard.WIDGET_PAYLOADS, *guard.knowledge_payloads()])


@pytest.mark.parametrize("prefix", [prefix for _, prefix in corpus_bench.SETS])
def test_redaction_precision_and_recall_on_the_corpus(redactor, prefix):
    result = corpus_bench.evaluate(redactor, corpus_bench.load(prefix=prefix))
    assert result["messages_with_personal_data"] >= (100 if not prefix else 20)
    assert result["recall"] >= 0.95, result["missed"]
    assert result["precision"] >= 0.95, result["false_redactions"]
    assert result["clean_messages_changed"] == 0


def test_emergency_words_survive_redaction(redactor):
    emergency = guard.emergency_classifier()
    for _, prefix in corpus_bench.SETS:
        for example in corpus_bench.load(prefix=prefix)["with_personal_data"]:
            assert bool(emergency.match(example.text)) == bool(
                emergency.match(redactor.redact(example.text))
            ), example.text


@pytest.mark.parametrize("place", MUNICIPALITIES)
def test_twente_place_names_stay(redactor, place):
    for text in (f"wat doet de brandweer in {place}", f"ik woon in {place}, bel me op 06-12345678"):
        assert place in redactor.redact(text)


def test_each_kind_gets_its_placeholder(redactor):
    text = (
        "ik ben Jan de Vries, Hengelosestraat 12, 7514 AB Enschede, 06-12345678, "
        "jan@example.nl, bsn 944117715, iban NL91ABNA2876394242"
    )
    assert redactor.redact(text) == (
        "ik ben [naam], [adres], [postcode] Enschede, [telefoonnummer], [e-mailadres], bsn [bsn], iban [iban]"
    )


@pytest.mark.parametrize(
    "text",
    [
        "bel 112",
        "politie: 0900-8844",
        "Veilig Thuis 0800-2000",
        "29 kazernes en 700 vrijwilligers",
        "beleidsplan 2021-2024",
        "sinds 2008",
        "088 256 7800",
    ],
)
def test_service_numbers_counts_and_years_stay(redactor, text):
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    "payload",
    [
        "/faq/capaciteit",
        "/faq/gemeenten",
        "/beleidsplan",
        '/beleidsplan{"beleidsthema":"koers"}',
        '/beleidsplan{"beleidsthema": "innovatie"}',
        "/groet",
        '/feedback{"feedback":"positief"}',
        '/feedback{"feedback":"negatief"}',
    ],
)
def test_payloads_the_bot_offers_pass(message_guard, payloads, payload):
    assert message_guard.check(payload, payloads).text == payload


@pytest.mark.parametrize(
    "typed, read_as",
    [
        ("/session_start", "session_start"),
        ("/restart", "restart"),
        ('/faq{"x":1}', 'faq{"x":1}'),
        ('/beleidsplan{"beleidsthema":"geheim"}', 'beleidsplan{"beleidsthema":"geheim"}'),
        ('/groet{"beleidsthema":"koers"}', 'groet{"beleidsthema":"koers"}'),
        ("/faq/bestaat_niet", "faq/bestaat_niet"),
        ('/vertel_meer{"vorig_beleidsthema":"koers"}', 'vertel_meer{"vorig_beleidsthema":"koers"}'),
        ("//noodgeval", "noodgeval"),
    ],
)
def test_other_payloads_are_read_as_words(message_guard, payloads, typed, read_as):
    assert message_guard.check(typed, payloads).text == read_as


def test_allow_list_comes_from_the_domain_and_knowledge(payloads, domain):
    topics = {name.split("/", 1)[1] for name in domain["responses"] if name.startswith("utter_faq/")}
    assert {f"/faq/{t}" for t in topics} <= payloads
    assert '/beleidsplan{"beleidsthema":"koers"}' in payloads
    assert not any(
        p.startswith(("/session_start", "/restart", "/noodgeval", "/nlu_fallback")) for p in payloads
    )


def test_widget_payloads_match_the_widget():
    widget = (ROOT / "web" / "vrt-chat.js").read_text()
    assert 'welcomePayload: "/groet"' in widget
    assert '"/feedback" + JSON.stringify({ feedback: value })' in widget
    assert set(re.findall(r'rate\("(\w+)"\)', widget)) == {"positief", "negatief"}


def test_long_message_with_an_emergency_gets_112(message_guard, payloads):
    turn = message_guard.check("bla " * 500 + "mijn buurman is bewusteloos" + " bla" * 50, payloads)
    assert turn.text == "/noodgeval"
    assert "te lang" in turn.notes[0] and "300 tekens" in turn.notes[0]


def test_long_message_without_emergency_is_not_processed(message_guard, payloads):
    turn = message_guard.check("hoeveel kazernes " * 100, payloads)
    assert turn.text is None and "te lang" in turn.notes[0]
    # backtracking patterns on a long text stay bounded (windows)
    assert message_guard.check("water in " * 1800, payloads).text is None


def test_control_and_invisible_characters_are_removed(message_guard, payloads):
    assert (
        message_guard.check("hoeveel\u200b kazernes\x00\x07 zijn\u202e er?\ud800", payloads).text
        == "hoeveel kazernes zijn er?"
    )
    assert message_guard.check("06\u200b12345678 bellen", payloads).text == "[telefoonnummer] bellen"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "/", " // "])
def test_empty_message_is_an_opening_message(message_guard, payloads, text):
    assert message_guard.check(text, payloads) == guard.Turn("")


def test_redaction_never_hides_an_emergency(message_guard, payloads):
    turn = message_guard.check("er is brand bij Henk Visser op de Kerkstraat 5", payloads)
    assert turn.text == "er is brand bij [naam] op de [adres]"


def test_metadata_keeps_only_redacted_feedback(redactor):
    assert guard.clean_metadata(
        {
            "feedback": "negatief",
            "antwoord": "bel 06-12345678",
            "ip": "1.2.3.4",
            "antwoord_id": 7,
            "x": {"y": 1},
        },
        redactor,
    ) == {"feedback": "negatief", "antwoord": "bel [telefoonnummer]", "antwoord_id": "7"}
    assert guard.clean_metadata(["x"], redactor) == {}


def test_log_excerpt_is_short():
    assert guard.excerpt("a" * 500) == "a" * 40 + "… (500 chars)"
