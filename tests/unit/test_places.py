"""Yes or no about places: the patterns of lexicon/regex/plaatsen.yml, the municipality lists,
and action_plaats with a real rasa-sdk tracker and dispatcher."""

import pytest

from actions.plaats import ActionPlaats
from vrt.nlu.places import (
    OTHER_DUTCH,
    TWENTE,
    UNKNOWN,
    close_municipality,
    dutch_municipalities,
    kind_of_place,
    place_questions,
    twente_municipalities,
)


def test_the_14_are_dutch_municipalities_in_the_maintained_list():
    assert len(twente_municipalities()) == 14
    assert set(twente_municipalities()) <= set(dutch_municipalities())
    assert 340 <= len(dutch_municipalities()) <= 360


@pytest.mark.parametrize(
    "text, place, kind",
    [
        ("is oldenzaal ook van jullie", "Oldenzaal", TWENTE),
        ("valt Oldenzaal onder jullie?", "Oldenzaal", TWENTE),
        ("hoort enschede er ook bij?", "Enschede", TWENTE),
        ("valt hof van twente onder de veiligheidsregio", "Hof van Twente", TWENTE),
        ("is losser one of your municipalities", "Losser", TWENTE),
        ("oldenzaal ook?", "Oldenzaal", TWENTE),
        ("en zwolle?", "Zwolle", OTHER_DUTCH),
        ("and Arnhem?", "Arnhem", OTHER_DUTCH),
        ("werken jullie ook in deventer", "Deventer", OTHER_DUTCH),
        ("does Nijmegen belong to VRT", "Nijmegen", OTHER_DUTCH),
        ("do you also cover amsterdam", "Amsterdam", OTHER_DUTCH),
        ("valt Nordhorn ook onder vrt", "Nordhorn", UNKNOWN),
        ("hoort delden er ook bij", "Delden", UNKNOWN),
        ("is De Lutte van jullie", "De Lutte", UNKNOWN),
    ],
)
def test_place_questions_name_the_place_and_its_kind(text, place, kind):
    assert place_questions().place_asked(text) == (place, kind)


@pytest.mark.parametrize(
    "text",
    [
        "hoort de brandweer ook bij jullie",
        "zit de ghor bij jullie",
        "hoort het ziekenhuis bij jullie",
        "valt dat ook onder jullie",
        "hoeveel kazernes hebben jullie",
        "wat is er aan de hand in hengelo",
        "ik woon in enschede, hoeveel kazernes hebben jullie",
        "en nu?",
        "en hoeveel?",
        "en wie betaalt dat",
    ],
)
def test_other_questions_are_no_place_questions(text):
    assert place_questions().place_asked(text) is None


@pytest.mark.parametrize(
    "place, response",
    [("Oldenzaal", "utter_plaats_ja"), ("Zwolle", "utter_plaats_nee"), ("Gronau", "utter_plaats_onbekend")],
)
def test_action_answers_yes_no_or_the_list(place, response, dispatcher, domain, load_tracker):
    tracker = load_tracker(
        "beleidsplan_zonder_thema",
        latest_message={
            "text": f"hoort {place} bij jullie",
            "intent": {"name": "plaats", "confidence": 1.0},
            "entities": [{"entity": "plaats", "value": place}],
        },
    )
    ActionPlaats().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == response
    assert dispatcher.messages[0]["plaats"] == place
    assert response in domain["responses"]


def test_action_without_a_place_gives_the_14(dispatcher, domain, load_tracker):
    tracker = load_tracker(
        "beleidsplan_zonder_thema",
        latest_message={"text": "welke plaatsen", "intent": {"name": "plaats"}, "entities": []},
    )
    ActionPlaats().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_faq/gemeenten"


def test_kind_of_place_needs_the_whole_name():
    assert kind_of_place("Hof van Twente") == TWENTE
    assert kind_of_place("Twente") == UNKNOWN
    assert kind_of_place("Zwolle") == OTHER_DUTCH


def test_the_place_entity_has_its_span_in_the_residents_text():
    """Rasa's test stories compare entities by their span (`start`, `end`)."""
    from vrt.nlu.place_classifier import span_of

    assert span_of("Hof van Twente", "valt hof-van twente onder jullie") == (5, 19)
    assert span_of("Zwolle", "en zwolle?") == (3, 9)


@pytest.mark.parametrize(
    "text, place, kind",
    [
        ("hoort zwolle daar ook bij", "Zwolle", OTHER_DUTCH),
        ("valt hengelo d'r onder", "Hengelo", TWENTE),
        ("ook Deventer?", "Deventer", OTHER_DUTCH),
        ("valt gronau onder vrt", "Gronau", UNKNOWN),
        ("ik woon in Delden, valt dat onder jullie?", "Delden", UNKNOWN),
        ("en delden, valt dat er ook onder?", "Delden", UNKNOWN),
        ("and gronau, is that also part of vrt", "Gronau", UNKNOWN),
        ("valt oldenzal onder jullie", "Oldenzaal", TWENTE),
        ("en nijmegn?", "Nijmegen", OTHER_DUTCH),
        ("valt rijssen onder jullie", "Rijssen-Holten", TWENTE),
        ("en holten?", "Rijssen-Holten", TWENTE),
        ("ok, en Borne?", "Borne", TWENTE),
        ("thanks! and Arnhem?", "Arnhem", OTHER_DUTCH),
        ("is borne ook een van jullie gemeentes?", "Borne", TWENTE),
        ("zijn jullie er ook voor hengelo", "Hengelo", TWENTE),
        ("vallen wij in zwolle onder jullie", "Zwolle", OTHER_DUTCH),
        ("hurt oldnzaal d'r ok bie", "Oldenzaal", TWENTE),
        ("mijn zus woont in zwolle, valt dat onder jullie", "Zwolle", OTHER_DUTCH),
        ("and what about enschede, does that belong to vrt too", "Enschede", TWENTE),
        ("does vrt also cover zwolle", "Zwolle", OTHER_DUTCH),
        # formal "u" (the elderly), Twents "hoart"/"bi'j"
        ("Valt de gemeente Losser onder uw regio?", "Losser", TWENTE),
        ("is dinkelland van u?", "Dinkelland", TWENTE),
        ("hoart almelo d'r ok bi'j", "Almelo", TWENTE),
    ],
)
def test_more_ways_to_ask_about_a_place(text, place, kind):
    assert place_questions().place_asked(text) == (place, kind)


@pytest.mark.parametrize(
    "text, place",
    [
        ("en delden?", "Delden"),
        ("vasse ook?", "Vasse"),
        ("and Nordhorn?", "Nordhorn"),
        ("en de lutte dan", "De Lutte"),
        ("en in goor?", "Goor"),
        ("en als ik in goor woon?", "Goor"),
        ("what about gronau then?", "Gronau"),
        ("geldt dat ook voor goor?", "Goor"),
        ("does that also apply to nordhorn", "Nordhorn"),
        ("top en goor dan", "Goor"),
    ],
)
def test_any_place_as_a_follow_up_is_found_for_the_context(text, place):
    """Not a place question alone (place_asked), but one right after a place answer."""
    assert place_questions().place_asked(text) is None
    assert place_questions().follow_up_place(text) == (place, UNKNOWN)


@pytest.mark.parametrize(
    "text, place, kind",
    [
        ("und Denekamp?", "Denekamp", UNKNOWN),  # a German neighbour's "and"
        ("en Deventer, daar werkt mijn zoon", "Deventer", OTHER_DUTCH),
        ("En Zwolle, waar mijn broer woont?", "Zwolle", OTHER_DUTCH),
        ("and Gronau, right across the border?", "Gronau", UNKNOWN),
        ("en de lutte, daar woont mijn oom", "De Lutte", UNKNOWN),
    ],
)
def test_a_follow_up_place_with_where_it_lies_or_who_lives_there(text, place, kind):
    assert place_questions().follow_up_place(text) == (place, kind)


@pytest.mark.parametrize(
    "text",
    [
        "en de brandweer, die komt toch altijd?",
        "maar die kazerne daar",
        "en ghor die helpt toch ook",
        "and the police there",
        "en nu wat moet ik doen",
    ],
)
def test_a_subject_with_a_clause_is_no_place(text):
    assert place_questions().follow_up_place(text) is None


@pytest.mark.parametrize(
    "text",
    ["en de brandweer?", "en wat doen jullie?", "bedankt", "ok dank je", "en waarom", "and the police?"],
)
def test_other_follow_ups_are_no_place(text):
    assert place_questions().follow_up_place(text) is None


@pytest.mark.parametrize(
    "typed, municipality",
    [("oldenzal", "Oldenzaal"), ("hengel", "Hengelo"), ("ensched", "Enschede"), ("zwole", "Zwolle")],
)
def test_a_typo_of_a_municipality_is_that_municipality(typed, municipality):
    assert close_municipality(typed)[0] == municipality


@pytest.mark.parametrize("typed", ["delden", "boren", "gronau", "losse", "velden"])
def test_a_village_a_word_or_a_tie_is_no_typo(typed):
    assert close_municipality(typed) is None


def test_that_is_the_place_named_before():
    messages = [
        ("hoort dat ook bij jullie?", []),
        ("welke gemeenten horen bij jullie", []),
        ("ik woon in goor", []),
    ]
    assert place_questions().place_in_conversation(messages) == ("Goor", UNKNOWN)
    # Without "dat" the message is its own question: no place from before.
    assert (
        place_questions().place_in_conversation([("welke plaatsen horen bij jullie", []), *messages[2:]])
        is None
    )


def test_action_answers_about_the_place_named_before(dispatcher, domain, load_tracker):
    tracker = load_tracker(
        "beleidsplan_zonder_thema",
        latest_message={"text": "hoort dat ook bij jullie?", "intent": {"name": "faq"}, "entities": []},
        events=[
            {"event": "user", "text": "valt amsterdam onder jullie", "parse_data": {"entities": []}},
            {"event": "user", "text": "hoort dat ook bij jullie?", "parse_data": {"entities": []}},
        ],
    )
    ActionPlaats().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_plaats_nee"
    assert dispatcher.messages[0]["plaats"] == "Amsterdam"
