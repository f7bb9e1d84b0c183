"""Asking back through the newest trained model (vrt/nlu/clarify.py, config.yml).

A vague question about VRT's work that the classifier surely filed under the FAQ, but whose best
topic was too weak for an answer, gets "Bedoel je ...?" with buttons instead of the fallback's
"say it differently"; a question about nothing of VRT's still gets the fallback or the honest
"I don't know".
"""

from __future__ import annotations

import asyncio

import pytest

from vrt.ops.servers import current_model


@pytest.fixture(scope="module")
def bot():
    from rasa.core.agent import Agent

    return Agent.load(str(current_model()))


def parse(bot, text: str) -> dict:
    return asyncio.run(bot.parse_message(text))


@pytest.mark.parametrize(
    "text",
    ["hoe zit dat nou met jullie werk", "kunnen jullie mij iets uitleggen over hoe het werkt bij jullie"],
)
def test_a_sure_faq_question_without_a_clear_topic_is_asked_back(bot, text):
    parsed = parse(bot, text)
    ranking = [entry["name"] for entry in parsed["intent_ranking"]]
    assert ranking[:2] == ["verduidelijk", "nlu_fallback"], (
        ranking
    )  # the FAQ gate's fallback, then asked back
    assert len(parsed["verduidelijk_onderwerpen"]) >= 2


@pytest.mark.parametrize("text", ["wat is het weer morgen", "hoe laat gaat de supermarkt open"])
def test_a_question_about_something_else_is_not_asked_back(bot, text):
    assert parse(bot, text)["intent"]["name"] in ("buiten_bereik", "nlu_fallback")
