"""action_beleidsplan with real rasa-sdk Trackers, a CollectingDispatcher and the real domain."""
import pytest
from rasa_sdk.events import SlotSet

from actions.beleidsplan import POLICY_PLAN, ActionBeleidsplan


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
def test_theme_question_gets_summary_and_source(action, dispatcher, load_tracker, domain, tracker_name, theme):
    responses, events = run(action, dispatcher, load_tracker(tracker_name), domain)

    assert responses == ["utter_beleidsplan_thema", "utter_beleidsplan_bron"]
    assert dispatcher.messages[0]["samenvatting"] == POLICY_PLAN.themes[theme].samenvatting
    assert dispatcher.messages[1]["bron"] == POLICY_PLAN.themes[theme].bron
    assert SlotSet("vorig_beleidsthema", theme) in events
    assert SlotSet("beleidsplan_details_gegeven", False) in events
    assert SlotSet("beleidsthema", None) in events


@pytest.mark.parametrize(
    "tracker_name, response",
    [
        ("beleidsplan_zonder_thema", "utter_beleidsplan_kies_thema"),
        ("beleidsplan_onbekend_thema", "utter_beleidsplan_onbekend_thema"),
    ],
)
def test_no_or_unknown_theme_lists_themes_as_buttons(action, dispatcher, load_tracker, domain, tracker_name, response):
    responses, _ = run(action, dispatcher, load_tracker(tracker_name), domain)

    assert responses == [response]
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == [f'/beleidsplan{{"beleidsthema":"{key}"}}' for key in POLICY_PLAN.themes]


def test_follow_up_gives_details_of_last_theme(action, dispatcher, load_tracker, domain):
    responses, events = run(action, dispatcher, load_tracker("vertel_meer_na_thema"), domain)

    assert responses == ["utter_beleidsplan_details", "utter_beleidsplan_bron"]
    assert dispatcher.messages[0]["details"] == " ".join(POLICY_PLAN.themes["risicos"].details)
    assert events == [SlotSet("beleidsplan_details_gegeven", True)]


def test_second_follow_up_says_there_is_no_more_and_offers_other_themes(action, dispatcher, load_tracker, domain):
    responses, events = run(action, dispatcher, load_tracker("vertel_meer_na_details"), domain)

    assert responses == ["utter_beleidsplan_geen_details"]
    assert dispatcher.messages[0]["titel"] == POLICY_PLAN.themes["risicos"].titel
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert '/beleidsplan{"beleidsthema":"risicos"}' not in payloads
    assert len(payloads) == len(POLICY_PLAN.themes) - 1
    assert events == []


def test_follow_up_without_earlier_theme_asks_which_theme(action, dispatcher, load_tracker, domain):
    responses, _ = run(action, dispatcher, load_tracker("vertel_meer_zonder_thema"), domain)

    assert responses == ["utter_beleidsplan_geen_vorig_thema"]
    assert len(dispatcher.messages[0]["buttons"]) == len(POLICY_PLAN.themes)


def test_every_response_the_action_uses_is_in_the_domain(domain):
    used = {
        "utter_beleidsplan_thema", "utter_beleidsplan_bron", "utter_beleidsplan_details",
        "utter_beleidsplan_kies_thema", "utter_beleidsplan_onbekend_thema",
        "utter_beleidsplan_geen_details", "utter_beleidsplan_geen_vorig_thema",
    }
    assert used <= set(domain["responses"])
    assert "action_beleidsplan" in domain["actions"]
