"""action_beleidsplan and action_vertel_meer with real rasa-sdk Trackers, a
CollectingDispatcher and the real domain."""

import ast
import inspect

import pytest
from rasa_sdk.events import SlotSet

from actions import beleidsplan, vervolg
from actions.beleidsplan import POLICY_PLAN, ActionBeleidsplan
from actions.vervolg import FOLLOW_UPS, ActionVertelMeer


def run(action, dispatcher, tracker, domain):
    events = action.run(dispatcher, tracker, domain)
    return [m.get("response") for m in dispatcher.messages], events


@pytest.fixture
def action():
    return ActionBeleidsplan()


@pytest.mark.parametrize(
    "tracker_name, theme",
    [
        ("beleidsplan_met_thema", "risicos"),  # entity "droogte" is a synonym
        ("beleidsplan_thema_in_tekst", "innovatie"),  # no entity: found in the text
    ],
)
def test_theme_question_gets_the_faq_answer_with_the_same_facts(
    action, dispatcher, load_tracker, domain, tracker_name, theme
):
    responses, events = run(action, dispatcher, load_tracker(tracker_name), domain)

    assert responses == [f"utter_faq/{POLICY_PLAN.themes[theme].antwoord}"]
    assert responses[0] in domain["responses"]
    assert events == [SlotSet("beleidsthema", None)]


def test_a_click_on_the_policy_plan_button_answers_the_theme_of_the_question_typed_before(
    action, dispatcher, load_tracker, domain
):
    # "vernieuwing" and "onderzoek" are synonyms of the theme innovatie (knowledge/beleidsplan.yml).
    responses, _ = run(action, dispatcher, load_tracker("beleidsplan_klik_na_verduidelijk"), domain)

    assert responses == [f"utter_faq/{POLICY_PLAN.themes['innovatie'].antwoord}"]


def test_a_payload_without_a_question_asked_back_before_it_lists_the_themes(
    action, dispatcher, load_tracker, domain
):
    tracker = load_tracker("beleidsplan_klik_na_verduidelijk")
    tracker.events[3]["parse_data"]["intent"]["name"] = "faq"  # the bot did not ask back on it
    responses, _ = run(action, dispatcher, tracker, domain)

    assert responses == ["utter_beleidsplan_kies_thema"]


@pytest.mark.parametrize(
    "tracker_name, response",
    [
        ("beleidsplan_zonder_thema", "utter_beleidsplan_kies_thema"),
        ("beleidsplan_onbekend_thema", "utter_beleidsplan_onbekend_thema"),
    ],
)
def test_no_or_unknown_theme_lists_themes_as_buttons(
    action, dispatcher, load_tracker, domain, tracker_name, response
):
    responses, _ = run(action, dispatcher, load_tracker(tracker_name), domain)

    assert responses == [response]
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == [f'/beleidsplan{{"beleidsthema":"{key}"}}' for key in POLICY_PLAN.themes]


@pytest.mark.parametrize(
    "tracker_name, response",
    [
        # the capacity answer -> the training and risk-oriented approach
        ("vertel_meer_na_capaciteit", "utter_faq/opleiding_en_aanpak"),
        # that one was shown too: the next related answer not shown yet
        ("vertel_meer_na_vervolg", "utter_faq/twente_safety_campus"),
        # nothing related: say so honestly
        ("vertel_meer_na_contact", "utter_vertel_meer_geen_details"),
        # no answer yet in this conversation
        ("vertel_meer_zonder_antwoord", "utter_vertel_meer_geen_onderwerp"),
    ],
)
def test_follow_up_gives_the_next_related_answer(dispatcher, load_tracker, domain, tracker_name, response):
    responses, events = run(ActionVertelMeer(), dispatcher, load_tracker(tracker_name), domain)

    assert responses == [response]
    assert events == []


def responses_named_in(module) -> set:
    """Every literal string passed as `response=` in an action module, read from its syntax tree."""
    tree = ast.parse(inspect.getsource(module))
    return {
        node.value
        for keyword in ast.walk(tree)
        if isinstance(keyword, ast.keyword) and keyword.arg == "response"
        for node in ast.walk(keyword.value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_response_the_actions_use_is_in_the_domain(domain):
    used = responses_named_in(beleidsplan) | responses_named_in(vervolg)
    assert {"utter_beleidsplan_kies_thema", "utter_vertel_meer_geen_details"} <= used  # the reader finds them
    # Built at run time: the FAQ answers of the themes and of the follow-ups.
    used |= {f"utter_faq/{theme.antwoord}" for theme in POLICY_PLAN.themes.values()}
    used |= {f"utter_faq/{topic}" for related in FOLLOW_UPS.values() for topic in related}
    assert used <= set(domain["responses"]), used - set(domain["responses"])
    assert {"action_beleidsplan", "action_vertel_meer"} <= set(domain["actions"])


def test_every_action_response_in_the_domain_is_used_by_an_action(domain):
    action_responses = {
        name for name in domain["responses"] if name.startswith(("utter_beleidsplan_", "utter_vertel_meer_"))
    }
    assert action_responses == responses_named_in(beleidsplan) | responses_named_in(vervolg)
