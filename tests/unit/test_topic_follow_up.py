"""TopicFollowUpPolicy (vrt/core/policies.py) with the project's own domain, rules, patterns
(lexicon/regex|lookups/vervolgvraag.yml) and answers (knowledge/vervolgvragen.yml): a follow-up
question without a topic gets the answer that fits the last FAQ answer; everything else keeps
the answer the rules give; EmergencyFollowUpPolicy still comes first after an emergency."""

import pytest
import yaml
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.graph_components.providers.training_tracker_provider import TrainingTrackerProvider
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from vrt.core.policies import (
    EmergencyFollowUpPolicy,
    RecentTurnsRulePolicy,
    TopicFollowUpPolicy,
    last_faq_topic,
)
from vrt.knowledge import KnowledgeFileError, domain_actions, faq_topics, load_follow_up_questions
from vrt.nlu import lexicon
from vrt.paths import ROOT

CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    domain = importer.get_domain()
    storage = LocalModelStorage(tmp_path_factory.mktemp("policies"))
    provider = TrainingTrackerProvider.create(
        TrainingTrackerProvider.get_default_config(), storage, Resource("trackers"), CONTEXT
    )
    trackers = provider.provide(importer.get_stories(), domain)
    policies = []
    for cls, name in (
        (RecentTurnsRulePolicy, "rules"),
        (EmergencyFollowUpPolicy, "emergency"),
        (TopicFollowUpPolicy, "topic"),
    ):
        policy = cls.create(cls.get_default_config(), storage, Resource(name), CONTEXT)
        policy.train(trackers, domain)
        policies.append(policy)
    ensemble = DefaultPolicyPredictionEnsemble.create({}, storage, Resource("ensemble"), CONTEXT)
    return domain, policies, ensemble


def user(text, intent, topic=None, confidence=0.9):
    """A parsed message; `topic`: the FAQ answer the NLU picked for an `faq` message."""
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    if topic:
        parse["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": confidence}}
        }
    return UserUttered(text=text, intent=parse["intent"], entities=[], parse_data=parse)


def play(setup, messages):
    """Plays the messages, the bot doing what the ensemble picks (an FAQ answer as Rasa records it:
    the action `utter_faq`, then a bot message with `utter_action` utter_faq/<topic>); returns the
    bot's actions per message."""
    domain, policies, ensemble = setup
    tracker = DialogueStateTracker.from_events("resident", [ActionExecuted(ACTION_LISTEN_NAME)], domain.slots)
    answers = []
    for message in messages:
        event = user(*message)
        tracker.update(event)
        actions = []
        for _ in range(5):
            predictions = [p.predict_action_probabilities(tracker, domain) for p in policies]
            best = ensemble.combine_predictions(predictions, tracker, domain)
            action = domain.action_names_or_texts[best.max_confidence_index]
            tracker.update(ActionExecuted(action, policy=best.policy_name))
            if action == ACTION_LISTEN_NAME:
                break
            actions.append(action)
            shown = f"utter_faq/{message[2]}" if action == "utter_faq" else action
            tracker.update(BotUttered(text=shown, metadata={"utter_action": shown}))
        answers.append(actions)
    return answers


IVZ = ("wat is het platform integrale veiligheidszorg", "faq", "platform_ivz")
KENNISCENTRUM = ("wat is het kenniscentrum mensenhandel twente", "faq", "kenniscentrum_mensenhandel")
HUIS = ("wat doet het zorg- en veiligheidshuis", "faq", "zorg_en_veiligheidshuis")
PLATFORM = ("wat is jullie platformfunctie", "faq", "platformfunctie")
GEMEENTEN = ("voor welke gemeenten werken jullie", "faq", "gemeenten")
CAPACITEIT = ("hoeveel brandweervrijwilligers hebben jullie", "faq", "capaciteit")
CONTACT = ("kan ik een medewerker spreken", "faq", "contact")
POLITIE = ("welk nummer bel ik voor de politie zonder spoed", "faq", "politie_geen_spoed")

IN_CONTEXT = [
    # Not understood alone, answered from the last answer (often the same answer: it holds the fact).
    (IVZ, ("en wie betaalt dat eigenlijk?", "nlu_fallback"), "utter_faq/platform_ivz"),
    (IVZ, ("and who pays for that?", "buiten_bereik"), "utter_faq/platform_ivz"),
    (IVZ, ("wie zitten daar allemaal in?", "verduidelijk"), "utter_faq/platform_ivz"),
    (KENNISCENTRUM, ("sinds wanneer bestaat dat?", "nlu_fallback"), "utter_faq/kenniscentrum_mensenhandel"),
    (KENNISCENTRUM, ("wiens idee was dat?", "nlu_fallback"), "utter_faq/kenniscentrum_mensenhandel"),
    (PLATFORM, ("waarom?", "nlu_fallback"), "utter_faq/veiligheid_en_zorg"),
    (POLITIE, ("en als er wel spoed is?", "nlu_fallback"), "utter_faq/politie_geen_spoed"),
    # The NLU gave a sure answer about something else, not knowing what "dat" is.
    (HUIS, ("valt dat ook onder jullie?", "faq", "gemeenten"), "utter_faq/zorg_en_veiligheidshuis"),
    (KENNISCENTRUM, ("en wie heeft dat opgezet?", "faq", "bestuur"), "utter_faq/kenniscentrum_mensenhandel"),
    (GEMEENTEN, ("en hoeveel zijn dat er dan?", "faq", "capaciteit", 0.4), "utter_faq/gemeenten"),
    (CAPACITEIT, ("en wie werken er allemaal bij jullie?", "faq", "organisatie"), "utter_faq/capaciteit"),
    (
        ("wat is een crisis volgens jullie", "faq", "crisis_definitie"),
        ("en wat doen jullie dan?", "faq", "wat_doet_vrt"),
        "utter_faq/risico_en_crisisbeheersing",
    ),
    # Longer, with a word pointing back, and not understood alone.
    (
        PLATFORM,
        ("ik snap eigenlijk niet goed waarom jullie dat allemaal doen", "nlu_fallback"),
        "utter_faq/veiligheid_en_zorg",
    ),
]


@pytest.mark.parametrize("first,follow_up,answer", IN_CONTEXT)
def test_a_follow_up_is_answered_from_the_last_answer(setup, first, follow_up, answer):
    assert play(setup, [first, follow_up]) == [["utter_faq"], [answer]]


def test_the_thread_goes_on_over_several_follow_ups(setup):
    answers = play(setup, [IVZ, ("wie betaalt het?", "nlu_fallback"), ("sinds wanneer?", "nlu_fallback")])
    assert answers == [["utter_faq"], ["utter_faq/platform_ivz"], ["utter_faq/platform_ivz"]]


def test_no_answer_in_the_sources_gets_an_honest_answer(setup):
    """Who pays for contact: the sources do not say; not the fallback's "say it differently"."""
    answers = play(setup, [CONTACT, ("en wie betaalt dat?", "nlu_fallback")])
    assert answers[1] == ["utter_vertel_meer_geen_details"]


ANSWERS_OF_THEIR_OWN = [
    # A question with a topic of its own keeps the NLU's answer.
    (GEMEENTEN, ("hoeveel kazernes hebben jullie in twente?", "faq", "capaciteit"), ["utter_faq"]),
    (CONTACT, ("wat doen jullie?", "faq", "wat_doet_vrt"), ["utter_faq"]),
    (IVZ, ("waarom bestaat de veiligheidsregio eigenlijk", "faq", "wat_doet_vrt"), ["utter_faq"]),
    # "er" and "het" are in every question; they do not point back.
    (CAPACITEIT, ("hoeveel gemeenten zijn er?", "faq", "gemeenten"), ["utter_faq"]),
    (IVZ, ("waarom is het beleidsplan belangrijk", "faq", "koers"), ["utter_faq"]),
    # Not a kind of follow-up question: the rules as before.
    (IVZ, ("vertel meer", "vertel_meer"), ["action_vertel_meer"]),
    (IVZ, ("bedankt!", "bedankt"), ["utter_bedankt"]),
    # Places and emergencies are not its business.
    (GEMEENTEN, ("en hengelo, hoort dat ook bij jullie?", "plaats"), ["action_plaats"]),
    (IVZ, ("er is brand, waar moet ik heen?", "noodgeval"), ["utter_noodgeval"]),
    # Unsure, but nothing points back at the last answer and the file has no answer.
    (CONTACT, ("wie betaalt jullie", "nlu_fallback"), ["utter_default"]),
]


@pytest.mark.parametrize("first,message,answer", ANSWERS_OF_THEIR_OWN)
def test_other_messages_keep_their_answer(setup, first, message, answer):
    assert play(setup, [first, message])[1] == answer


def test_without_an_faq_answer_before_the_rules_answer(setup):
    assert play(setup, [("hallo", "groet"), ("waarom?", "nlu_fallback")])[1] == ["utter_default"]
    assert play(setup, [("waarom?", "nlu_fallback")]) == [["utter_default"]]


def test_another_answer_in_between_ends_the_thread(setup):
    answers = play(setup, [IVZ, ("dank je", "bedankt"), ("wie betaalt dat?", "nlu_fallback")])
    assert answers[2] == ["utter_default"]


def test_after_an_emergency_112_comes_first(setup):
    answers = play(
        setup, [("er komt rook uit de schuur van de buren!", "noodgeval"), IVZ, ("waarom?", "nlu_fallback")]
    )
    assert answers[2] == ["utter_noodgeval"]


def test_the_last_topic_of_a_test_story():
    """Test stories record `utter_faq` without a bot message: the topic is the message's own."""
    tracker = DialogueStateTracker.from_events(
        "story",
        [
            ActionExecuted(ACTION_LISTEN_NAME),
            user(*IVZ),
            ActionExecuted("utter_faq"),
            ActionExecuted(ACTION_LISTEN_NAME),
            user("wie betaalt dat?", "nlu_fallback"),
        ],
    )
    assert last_faq_topic(tracker, 2) == "platform_ivz"


def test_every_answer_of_the_file_is_in_the_domain():
    kinds = set(lexicon.follow_up_kinds())
    answers = load_follow_up_questions(kinds=kinds)
    assert set(answers) == faq_topics()
    targets = {a for by_kind in answers.values() for a in by_kind.values()}
    assert targets <= domain_actions()
    used = {kind for by_kind in answers.values() for kind in by_kind}
    assert used == kinds, "a kind of question no topic answers"


@pytest.mark.parametrize(
    "content,field",
    [
        ({"vervolgvragen": {"geen_onderwerp": {"waarom": "koers"}}}, "vervolgvragen.geen_onderwerp"),
        ({"vervolgvragen": {"koers": {"hoe_laat": "koers"}}}, "vervolgvragen.koers.hoe_laat"),
        ({"vervolgvragen": {"koers": {"waarom": "utter_verzonnen"}}}, "vervolgvragen.koers.waarom"),
        ({"altijd": {"waarom": "verzonnen"}, "vervolgvragen": {}}, "altijd.waarom"),
        ({"altijd": {}}, "vervolgvragen"),
    ],
)
def test_a_broken_file_names_the_field(tmp_path, content, field):
    path = tmp_path / "vervolgvragen.yml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    with pytest.raises(KnowledgeFileError) as error:
        load_follow_up_questions(path, kinds=set(lexicon.follow_up_kinds()))
    assert error.value.field_path == field


@pytest.mark.parametrize(
    "text,kind,bare",
    [
        ("En wie betaalt dat dan?", "wie_betaalt", True),
        ("sinds wanneer?", "sinds_wanneer", True),
        ("hoort dat ook bij jullie?", "hoort_bij_jullie", True),
        ("wie doen daar aan mee?", "wie_doen_mee", True),
        ("en wat doen die precies?", "wat_doen", True),
        ("en hoeveel?", "hoeveel", True),
        ("waarom is dat nodig?", "waarom", True),
        ("Why?", "waarom", True),
        ("what do they do exactly?", "wat_doen", True),
        ("wie betaalt de brandweer in enschede", "wie_betaalt", False),
    ],
)
def test_kinds_of_follow_up_question(setup, text, kind, bare):
    topic_policy = setup[1][2]
    assert topic_policy.kind_of(text)[:2] == (kind, bare)


@pytest.mark.parametrize("text", ["wat is een veiligheidsregio", "goedemorgen", "er is brand", ""])
def test_not_a_follow_up_question(setup, text):
    assert setup[1][2].kind_of(text) is None


def test_the_weekly_report_counts_an_answer_in_context_as_answered():
    """ "waarom?" is nlu_fallback alone; answered from the last answer it is not "niet begrepen"."""
    from vrt.report.conversations import Turn

    def turn(actions):
        return Turn("s", "s#1", "waarom?", 1_700_000_000.0, "rest", "nlu_fallback", 0.8, actions=actions)

    assert turn(["utter_faq/veiligheid_en_zorg"]).unanswered is None
    assert turn(["utter_vertel_meer_geen_details"]).unanswered == "niet begrepen"
    assert turn(["utter_default"]).unanswered == "niet begrepen"
