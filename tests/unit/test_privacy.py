"""Redaction of personal data and the checks on a resident's message (vrt.privacy)."""

import re

import pytest

from bench import privacy as corpus_bench
from tests.nlu_examples import nlu_examples
from vrt.ops.servers import ROOT
from vrt.privacy import guard
from vrt.privacy.redact import KINDS, SIDECODES, default_redactor

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
    """An emergency stays one. The other way round is allowed: a placeholder is one word,
    so "auto met nummerbord GHJ-12-K brandt" only matches "auto ... brandt" once redacted."""
    emergency = guard.emergency_classifier()
    matched = 0
    for _, prefix in corpus_bench.SETS:
        for example in corpus_bench.load(prefix=prefix)["with_personal_data"]:
            if emergency.match(example.text):
                matched += 1
                assert emergency.match(redactor.redact(example.text)), example.text
    assert matched >= 20


@pytest.mark.parametrize("place", MUNICIPALITIES)
def test_twente_place_names_stay(redactor, place):
    for text in (f"wat doet de brandweer in {place}", f"ik woon in {place}, bel me op 06-12345678"):
        assert place in redactor.redact(text)


def test_each_kind_gets_its_placeholder(redactor):
    text = (
        "ik ben Jan de Vries, Hengelosestraat 12, 7514 AB Enschede, 06-12345678, "
        "jan@example.nl, bsn 944117715, iban NL91ABNA2876394242, geboren 14-03-1957, kenteken 12-ABC-3"
    )
    assert redactor.redact(text) == (
        "ik ben [naam], [adres], [postcode] Enschede, [telefoonnummer], [e-mailadres], bsn [bsn], "
        "iban [iban], geboren [geboortedatum], kenteken [kenteken]"
    )


def test_the_bench_reports_every_kind_over_all_sets(redactor):
    per_kind = corpus_bench.evaluate(redactor, corpus_bench.load_all())["per_kind"]
    assert set(per_kind) == set(KINDS)
    for kind, figures in per_kind.items():
        assert figures["items"] >= 20, kind
        assert figures["recall"] >= 0.95 and figures["precision"] >= 0.95, (kind, figures)


@pytest.mark.parametrize(
    "text, redacted",
    [
        # numeric, with a birth word before or after, or the person
        (
            "ik ben geboren op 14-03-1957, hoeveel kazernes zijn er?",
            "ik ben geboren op [geboortedatum], hoeveel",
        ),
        ("geb. 14/3/57", "geb. [geboortedatum]"),
        ("geboortedatum: 14.03.1957", "geboortedatum: [geboortedatum]"),
        ("ik ben op 1957-03-14 geboren", "ik ben op [geboortedatum] geboren"),
        ("ik ben van 14-03-1957", "ik ben van [geboortedatum]"),
        ("mijn moeder (14-03-1957) is gevallen", "mijn moeder ([geboortedatum]) is gevallen"),
        ("mijn vader is 3-4-1941", "mijn vader is [geboortedatum]"),
        # written, Dutch and English
        ("mijn geboortedatum is 3 april 1961", "mijn geboortedatum is [geboortedatum]"),
        ("geboren op 3 apr. 1961 in Hengelo", "geboren op [geboortedatum] in Hengelo"),
        ("geboren 12 maart '58", "geboren [geboortedatum]"),
        ("geboren 14-mrt-1957", "geboren [geboortedatum]"),
        ("ik ben geboren in maart 1957", "ik ben geboren in [geboortedatum]"),
        ("ik ben jarig op 24 december", "ik ben jarig op [geboortedatum]"),
        ("14 maart 1957 is mijn verjaardag", "[geboortedatum] is mijn verjaardag"),
        ("I was born on April 3, 1961.", "I was born on [geboortedatum]."),
        ("date of birth: 3 April 1961", "date of birth: [geboortedatum]"),
        ("my date of birth is 14th of March 1957", "my date of birth is [geboortedatum]"),
        # beside other personal data, or alone
        ("Jan de Vries, 14-03-1957, Enschede", "[naam], [geboortedatum], Enschede"),
        ("14-03-1957", "[geboortedatum]"),
    ],
)
def test_dates_of_birth(redactor, text, redacted):
    assert redactor.redact(text).startswith(redacted)


@pytest.mark.parametrize(
    "text",
    [
        "de brand van 13 mei 2000",
        "wat gebeurde er op 13-05-2000 in Enschede",
        "What happened on 13 May 2000 in Enschede?",
        "de open dag is op 14-09-2030",  # the future: nobody's birth date
        "de storm van 18 januari 2018",
        "sinds 1 januari 2014",
        "op 3 april is er een oefening",
        "geboren in 1957",  # a year alone stays, like an age
        "in 1961 is de kazerne gebouwd",
        "ik ben op 13 mei 2000 bij de ramp geweest",
        "de brand bij mijn vader op 14-03-2019",
        "groep 7/8",
        "bereikbaar 24/7",
        "versie 3.5.21",
        "om 14.30 uur",
        "beleidsplan 2021-2024",
        "ik ben bezorgd over de brand van 13 mei 2000",
    ],
)
def test_dates_that_are_no_birth_dates_stay(redactor, text):
    assert redactor.redact(text) == text


def _plate(code: str, letters: str = "GBZNX", digits: str = "1234567") -> str:
    """A plate in the grouping of a sidecode: "XX-99-99" -> "GB-12-34"."""
    out, letter, digit = [], iter(letters), iter(digits)
    for char in code:
        out.append(next(letter) if char == "X" else next(digit) if char == "9" else char)
    return "".join(out)


@pytest.mark.parametrize("code", SIDECODES)
def test_licence_plates_of_every_sidecode(redactor, code):
    plate = _plate(code)
    for written in (plate, plate.lower(), plate.replace("-", ""), plate.replace("-", "").lower()):
        # "1234GB" is a postcode as much as a sidecode-2 plate; postcodes come first
        kind = "postcode" if code == "99-99-XX" and "-" not in written else "kenteken"
        assert redactor.redact(f"de auto {written} staat in brand") == f"de auto [{kind}] staat in brand"
    assert redactor.redact(f"kenteken {plate.replace('-', ' ').lower()}") == "kenteken [kenteken]"


@pytest.mark.parametrize(
    "text, redacted",
    [
        ("kenteken 12-ABC-3 staat in brand", "kenteken [kenteken] staat in brand"),
        ("de bus GB-123-X", "de bus [kenteken]"),
        ("mijn auto 12abc3", "mijn auto [kenteken]"),
        ("auto NL-12-ABC-3", "auto [kenteken]"),
        ("auto 12.ABC.3", "auto [kenteken]"),
        ("de auto 58 NKG 4 rookt", "de auto [kenteken] rookt"),
    ],
)
def test_licence_plates_as_written(redactor, text, redacted):
    assert redactor.redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "de a35 en de N18",
        "covid-19",
        "een 1-op-1 gesprek",
        "3-in-1 blusser",
        "12 auto's in 29 kazernes",
        "wat kost een abc-blusser",
        "een auto met 4x4 aandrijving",
        "de 12 ab cd",  # spaced, lower case, no "kenteken": no plate
        "politie 0900-8844",
        "mp3 en mp4",
    ],
)
def test_words_and_numbers_are_no_licence_plates(redactor, text):
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    "text, redacted",
    [
        ("mijn bsn is 123.456.782", "mijn bsn is [bsn]"),
        ("bsn 123 456 782", "bsn [bsn]"),
        ("bsn 123-456-782", "bsn [bsn]"),
        ("bsn 1234.56.782", "bsn [bsn]"),
        ("bsn 1234 56 782", "bsn [bsn]"),
        ("iban NL91.ABNA.2876.3942.42", "iban [iban]"),
        ("iban NL91ABNA 2876 3942 42 graag", "iban [iban] graag"),
        ("iban nl91 abna 2876 3942 42", "iban [iban]"),
        ("iban NL 91 ABNA 2876 3942 42", "iban [iban]"),
        ("iban NL91-ABNA-2876-3942-42.", "iban [iban]."),
    ],
)
def test_bsn_and_iban_with_dots_or_spaces(redactor, text, redacted):
    assert redactor.redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "bsn 123.456.783",  # fails the elfproef
        "iban NL91.ABNA.2876.3942.43",  # fails mod-97
        "het budget is € 123.456.782",  # an amount
        "het kost 123.456.782 euro",
        "er zijn 123 456 789 mensen",  # fails the elfproef
    ],
)
def test_numbers_that_fail_the_checks_stay(redactor, text):
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    "text, redacted",
    [
        ("ik ben henk en ik ruik gas", "ik ben [naam] en ik ruik gas"),
        ("hallo ik ben sanne de vries", "hallo ik ben [naam]"),
        ("mijn naam is gerrit", "mijn naam is [naam]"),
        ("mijn naam is aylin yilmaz", "mijn naam is [naam]"),
        ("ik heet noa, wat is de twente safety campus?", "ik heet [naam], wat is de twente safety campus?"),
        ("ik ben gerrit jan oude nijhuis uit Tubbergen", "ik ben [naam] uit Tubbergen"),
        ("ik ben Joke, 82 jaar", "ik ben [naam], 82 jaar"),
        ("my name is john smith", "my name is [naam]"),
        ("my name's john", "my name's [naam]"),
        ("i am peter and i want to volunteer", "i am [naam] and i want to volunteer"),
        ("I'm Sarah", "I'm [naam]"),
        ("I am Mark", "I am [naam]"),
    ],
)
def test_self_introductions_in_lower_case_and_english(redactor, text, redacted):
    assert redactor.redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "ik ben bang",
        "ik ben bezorgd",
        "ik ben 80",
        "ik ben in enschede",
        "ik ben ongerust",
        "ik ben vrijwilliger",
        "ik ben net verhuisd naar Borne",
        "ik heet je welkom",
        "mijn naam is niet belangrijk",
        "i am worried",
        "i am 80",
        "i am in enschede",
        "I am looking for information",
        "i'm afraid of floods",
        "i am a student",
        "my name is not important",
        "call me back please",
    ],
)
def test_words_after_ik_ben_and_i_am_that_are_no_names_stay(redactor, text):
    assert redactor.redact(text) == text


def test_the_questions_of_the_training_data_stay(redactor):
    """Every NLU example comes back unchanged: the question's words are never redacted."""
    examples = [text for texts in nlu_examples(ROOT / "data" / "nlu").values() for text in texts]
    assert len(examples) > 1000
    assert [text for text in examples if redactor.redact(text) != text] == []


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
