"""The pure parts of make report: redaction, grouping, period, intent guess, the shell trace."""

from datetime import date, datetime

import pytest

from vrt.nlu.nlu_trace import describe, most_likely_intent
from vrt.report.__main__ import period
from vrt.report.analysis import group_questions
from vrt.report.conversations import Turn, redact


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("bel me op 06-12345678 aub", "06-12345678"),
        ("mijn nummer: 06 1234 5678", "06 1234 5678"),
        ("+31 6 12345678 is mijn mobiel", "+31 6 12345678"),
        ("thuis 053-4881234", "053-4881234"),
        ("mail naar jan.de.vries+vrt@example.nl graag", "jan.de.vries+vrt@example.nl"),
        ("mijn bsn is 123456782", "123456782"),
        ("bsn 1234.56.782", "1234.56.782"),
    ],
)
def test_redact_hides_phone_numbers_email_addresses_and_bsns(text, hidden):
    redacted = redact(text)
    assert hidden not in redacted
    assert "[" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "Bel 112 bij nood",
        "geen spoed? bel 0900-8844",
        "het beleidsplan 2021-2024",
        "29 kazernes",
    ],
)
def test_redact_keeps_ordinary_numbers(text):
    assert redact(text) == text


def turn(text: str, timestamp: float = 1_700_000_000.0) -> Turn:
    return Turn(
        sender_id="s",
        conversation="s#1",
        text=text,
        timestamp=timestamp,
        channel="rest",
        intent="nlu_fallback",
        confidence=0.5,
    )


def test_near_identical_questions_are_one_group_and_others_are_not():
    groups = group_questions(
        [
            turn("wat is het weer morgen in Enschede?"),
            turn("wat is het weer morgen in enschede"),
            turn("Wat is het weer morgen in Enschede??", timestamp=1_700_000_100.0),
            turn("kan ik een pizza bestellen"),
        ]
    )
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].last_asked == datetime.fromtimestamp(1_700_000_100.0).strftime("%Y-%m-%d %H:%M")
    assert len(groups[0].variants) == 2
    assert groups[1].text == "kan ik een pizza bestellen"


def test_period_default_is_the_last_seven_days_including_today():
    since, until = period(7, None, None, today=date(2026, 11, 28))
    assert since == datetime(2026, 11, 22) and until == datetime(2026, 11, 29)
    since, until = period(7, date(2026, 11, 1), None, today=date(2026, 11, 28))
    assert since == datetime(2026, 11, 1) and until == datetime(2026, 11, 29)


FALLBACK_PARSE = {
    "intent": {"name": "nlu_fallback", "confidence": 0.62},
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.62},
        {"name": "faq", "confidence": 0.81},
        {"name": "groet", "confidence": 0.1},
    ],
    "response_selector": {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/bestuur", "confidence": 0.38},
                {"intent_response_key": "faq/gemeenten", "confidence": 0.30},
            ]
        }
    },
}


def test_most_likely_intent_skips_the_fallback_and_names_the_faq_topic():
    assert most_likely_intent(FALLBACK_PARSE) == ("faq/bestuur", 0.38)
    assert most_likely_intent(
        {
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 1.0},
                {"name": "buiten_bereik", "confidence": 0.4},
            ]
        }
    ) == ("buiten_bereik", 0.4)


def test_shell_trace_line_is_short_and_readable():
    assert describe(FALLBACK_PARSE) == "[NLU] intent nlu_fallback 0.62 | beste gok faq/bestuur 0.38"
    faq = {**FALLBACK_PARSE, "intent": {"name": "faq", "confidence": 0.97}}
    assert describe(faq) == "[NLU] intent faq 0.97 | FAQ-onderwerp bestuur 0.38"
