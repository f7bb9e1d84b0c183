"""The question inside a long message (vrt/nlu/question_part.py): the finder on many shapes of
message, with config.yml's settings and the words of lexicon/lookups/vraagwoorden.yml; and the
real classifier, trained on the real training data, on long stories of a made-up resident (written
for this test from docs/sources/, like bench/long_messages.yml).
"""

import pytest
import yaml
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from tests.ngram_features import CONTEXT, trained_featurizer
from vrt.nlu import lexicon
from vrt.nlu.lexical_classifier import QUESTION_PART_CHOICE_KEY, LexicalIntentClassifier
from vrt.nlu.ngrams import features_of, question_part_features_of
from vrt.nlu.nlu_trace import describe
from vrt.nlu.question_part import QUESTION_PART_KEY, QuestionPartFinder
from vrt.nlu.settings import component_settings
from vrt.paths import ROOT

SETTINGS = component_settings(QuestionPartFinder)


@pytest.fixture(scope="module")
def finder():
    return QuestionPartFinder.from_config_file()


def part(finder, text):
    return finder.finder.find(text)


# -- the word lists ----------------------------------------------------------------------------


def test_the_word_lists_are_read_by_rasas_reader_as_written():
    raw = yaml.safe_load(lexicon.QUESTION_LISTS.read_text(encoding="utf-8"))["nlu"]
    written = {entry["lookup"]: [line[2:] for line in entry["examples"].splitlines()] for entry in raw}
    assert lexicon.read_nlu_lists(lexicon.QUESTION_LISTS).lookups == written
    lists = lexicon.question_lists()
    assert set(lists) == set(lexicon.QUESTION_LOOKUPS)
    for name, words in lists.items():
        assert words == written[f"{name}_nl"] + written[f"{name}_en"]
    assert {"hoeveel", "welke", "how", "which"} <= set(lists["question_words"])
    assert "vraagteken" in lists["dictated_question_marks"]


def test_a_missing_list_is_an_error(tmp_path):
    path = tmp_path / "vraagwoorden.yml"
    text = lexicon.QUESTION_LISTS.read_text(encoding="utf-8")
    path.write_text(
        text.replace("lookup: question_openers_en", "lookup: question_opener_en"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="question_opener_en"):
        lexicon.question_lists(path)


def test_config_yml_has_the_lengths_and_the_lists_come_from_the_data_file(finder):
    assert SETTINGS == {"min_characters": 100, "min_clause_characters": 60, "min_words": 3, "max_words": 15}
    assert finder.finder.min_characters == 100
    assert "hoeveel" in finder.finder.question_words


# -- the finder on shapes of messages ----------------------------------------------------------

STORY = (
    "Gisteravond reed er een brandweerauto met sirene door onze straat in Borne en mijn zoontje "
    "van zes was helemaal onder de indruk. Hij wil nu alles weten over de brandweer. "
)


@pytest.mark.parametrize(
    "text, expected",
    [
        # A story, then the question.
        (
            STORY + "Hoeveel kazernes zijn er eigenlijk in Twente?",
            "Hoeveel kazernes zijn er eigenlijk in Twente?",
        ),
        # The question first, then why.
        (
            "Wie zit er in het algemeen bestuur? Dat wil ik weten omdat er op de buurtvereniging veel "
            "gemopperd werd over de veiligheidsregio en niemand wist wie de baas is.",
            "Wie zit er in het algemeen bestuur?",
        ),
        # A greeting and thanks around the question.
        (
            "Goedemorgen, ik woon al mijn hele leven in Oldenzaal en mijn kleinkinderen in Wierden. "
            "Welke gemeenten vallen onder Veiligheidsregio Twente? Alvast bedankt!",
            "Welke gemeenten vallen onder Veiligheidsregio Twente?",
        ),
        # Two questions at the end belong together.
        (
            STORY + "Maar hoeveel medewerkers heeft de veiligheidsregio? En hoeveel vrijwilligers?",
            "Maar hoeveel medewerkers heeft de veiligheidsregio? En hoeveel vrijwilligers?",
        ),
        # A short question gets the sentence before it.
        (
            "Mijn buurman werkt bij de brandweer en hij vertelde over het oude vliegveld bij Enschede. "
            "Daar oefenen ze nu op de Twente Safety Campus. Waarom daar?",
            "Daar oefenen ze nu op de Twente Safety Campus. Waarom daar?",
        ),
        # No punctuation: cut at the first question word that leaves a question.
        (
            "ik woon sinds kort in hengelo en gisteren zag ik een brandweerauto voorbij komen en toen "
            "vroeg ik me af hoeveel kazernes hebben jullie eigenlijk in de buurt van waar ik woon",
            "hoeveel kazernes hebben jullie eigenlijk in de buurt van waar ik woon",
        ),
        # Dictation: "vraagteken" is a question mark.
        (
            "mijn dochter doet een opleiding integrale veiligheid en ze had het over de veiligheidsregio "
            "ik snapte er niks van haha wat houdt risicobeheersing in vraagteken dank je wel",
            "wat houdt risicobeheersing in?",
        ),
        # No question mark, but a lead-in.
        (
            STORY + "Ik vraag me af of jullie ook samenwerken met de universiteit.",
            "Ik vraag me af of jullie ook samenwerken met de universiteit.",
        ),
        # No question mark, a question verb first.
        (
            STORY + "Hebben jullie ook een kazerne in Losser",
            "Hebben jullie ook een kazerne in Losser",
        ),
        # Line breaks end sentences too.
        (
            "Hallo\nIk ben nieuw in Twente en heb een vraag over de hulpdiensten hier in de regio, want "
            "ik snap het nog niet\nwat doet de veiligheidsregio",
            "wat doet de veiligheidsregio",
        ),
        # English, and English dictation.
        (
            "My family moved to Enschede last year because of my job at the university, and last week "
            "we saw a big fire engine near our house. How many fire stations does the region have?",
            "How many fire stations does the region have?",
        ),
        (
            "i am an international student in hengelo and my landlord told me about the safety region "
            "but i did not understand it which municipalities are part of it question mark",
            "which municipalities are part of it?",
        ),
    ],
)
def test_the_question_part_of_a_long_message(finder, text, expected):
    assert len(text) >= SETTINGS["min_characters"]
    assert part(finder, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Short: read whole.
        "Hoeveel kazernes zijn er in Twente?",
        "Ik woon in Borne, hoeveel kazernes zijn er eigenlijk?",
        # Shorter than min_characters, and not one sentence with a question after a comma.
        "Ik woon in Borne. Mijn buurman zegt dat er veel zijn. Hoeveel kazernes zijn er in Twente?",
        "Ik woon in Borne, en ik wil weten hoeveel kazernes er zijn in heel Twente, vertel eens",
        # Long, but no question in it.
        STORY + "Hij vond het prachtig en wil later ook brandweerman worden.",
        # Long, and nothing but the question: the part would be the whole.
        "Kunnen jullie mij vertellen hoeveel brandweervrijwilligers, medewerkers en kazernes de "
        "veiligheidsregio in heel Twente heeft?",
        # The only question is too short, and no sentence comes before it.
        "Echt? Ik kon het bijna niet geloven toen mijn buurman vertelde dat de brandweer in Twente "
        "vooral uit vrijwilligers bestaat.",
    ],
)
def test_no_question_part(finder, text):
    assert part(finder, text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "mijn auto [kenteken] staat bij de kazerne, wat is de twente safety campus?",
            "wat is de twente safety campus?",
        ),
        (
            "Ik woon in Borne, hoeveel kazernes zijn er eigenlijk in heel Twente vraagteken",
            "hoeveel kazernes zijn er eigenlijk in heel Twente?",
        ),
        ("I was born on [geboortedatum]; what does the safety region do?", "what does the safety region do?"),
    ],
)
def test_a_question_after_a_comma_in_a_shorter_message(finder, text, expected):
    assert SETTINGS["min_clause_characters"] <= len(text) < SETTINGS["min_characters"]
    assert part(finder, text) == expected


def test_the_finder_sets_the_part_and_leaves_buttons_and_short_messages_alone(finder):
    long, short, button = (
        Message(data={"text": STORY + "Hoeveel kazernes zijn er eigenlijk in Twente?"}),
        Message(data={"text": "hoeveel kazernes zijn er?"}),
        Message(data={"text": "/faq/capaciteit" + " " * 120}),
    )
    finder.process([long, short, button])
    assert long.get(QUESTION_PART_KEY) == "Hoeveel kazernes zijn er eigenlijk in Twente?"
    assert long.as_dict(only_output_properties=True)[QUESTION_PART_KEY] == long.get(QUESTION_PART_KEY)
    assert short.get(QUESTION_PART_KEY) is None and button.get(QUESTION_PART_KEY) is None


# -- the real classifier -----------------------------------------------------------------------

# A story about a fire next door, then a question about the municipalities: read whole, the
# classifier thinks it is out of scope.
FIRE_STORY = (
    "Vorige week stond er een brandweerwagen met zwaailicht bij de buren omdat hun schuur vol rook "
    "stond. Gelukkig was niemand gewond en de ambulance kon weer weg. Welke gemeenten horen bij de "
    "veiligheidsregio?"
)
# Unpunctuated: read whole, the classifier is unsure of both intent and topic.
UNPUNCTUATED_STORY = (
    "ik woon sinds kort in hengelo en ik zag dat er bij ons om de hoek een brandweerkazerne is "
    "waar vooral vrijwilligers werken volgens de buurvrouw hoeveel brandweervrijwilligers hebben "
    "jullie in totaal"
)


@pytest.fixture(scope="module")
def training_data():
    return load_data(str(ROOT / "data" / "nlu"))


@pytest.fixture(scope="module")
def featurizer(training_data, tmp_path_factory):
    return trained_featurizer(training_data, tmp_path_factory.mktemp("ngrams"))


@pytest.fixture(scope="module")
def classifier(featurizer, training_data, tmp_path_factory):
    trained = LexicalIntentClassifier.create(
        component_settings(LexicalIntentClassifier),
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("lexical"),
        CONTEXT,
    )
    trained.train(training_data)
    return trained


def parse(finder, featurizer, classifier, text, with_finder=True):
    """The message after the finder (or without it), the featurizer and the classifier."""
    message = Message(data={"text": text})
    if with_finder:
        finder.process([message])
    featurizer.process([message])
    classifier.process([message])
    return message


def reading(message):
    topic = message.get("response_selector")["faq"]["response"]
    return message.get("intent")["name"], topic["intent_response_key"], topic["confidence"]


def test_the_question_in_a_long_story_gets_the_right_topic(finder, featurizer, classifier):
    whole = parse(finder, featurizer, classifier, FIRE_STORY, with_finder=False)
    assert reading(whole)[0] != "faq"  # read whole: not understood as a question about VRT
    message = parse(finder, featurizer, classifier, FIRE_STORY)
    assert message.get(QUESTION_PART_KEY) == "Welke gemeenten horen bij de veiligheidsregio?"
    intent, topic, confidence = reading(message)
    assert (intent, topic) == ("faq", "faq/gemeenten") and confidence > 0.9
    choice = message.get(QUESTION_PART_CHOICE_KEY)
    assert choice["used"] and choice["question_part"] > choice["message"] + 0.05
    # The intent ranking and the topic ranking come from the same reading.
    assert message.get("intent_ranking")[0] == message.get("intent")
    assert describe(message.as_dict(only_output_properties=True)).endswith(
        "| vraagdeel: Welke gemeenten horen bij de veiligheidsregio?"
    )


def test_an_unpunctuated_story_gets_a_sure_answer(finder, featurizer, classifier):
    whole = reading(parse(finder, featurizer, classifier, UNPUNCTUATED_STORY, with_finder=False))
    intent, topic, confidence = reading(parse(finder, featurizer, classifier, UNPUNCTUATED_STORY))
    assert whole[1] == topic == "faq/capaciteit"
    # Cut at "hoeveel" (no punctuation to cut at); the part never makes the reading less sure.
    assert confidence > 0.9 and confidence >= whole[2] and intent == "faq"


def test_the_whole_message_keeps_its_own_features(finder, featurizer, classifier):
    """The out-of-scope veto and everything after the classifier read the whole message."""
    message = parse(finder, featurizer, classifier, FIRE_STORY)
    alone = Message(data={"text": FIRE_STORY})
    featurizer.process([alone])
    assert (features_of([message]) != features_of([alone])).nnz == 0
    part_only = Message(data={"text": message.get(QUESTION_PART_KEY)})
    featurizer.process([part_only])
    assert (question_part_features_of(message) != features_of([part_only])).nnz == 0


def test_a_short_message_is_read_as_before(finder, featurizer, classifier):
    text = "hoeveel kazernes heeft de brandweer in twente"
    with_finder = parse(finder, featurizer, classifier, text)
    without = parse(finder, featurizer, classifier, text, with_finder=False)
    assert with_finder.get(QUESTION_PART_CHOICE_KEY) is None
    assert with_finder.get("intent_ranking") == without.get("intent_ranking")
    assert with_finder.get("response_selector") == without.get("response_selector")


def test_an_emergency_in_the_story_still_gets_112_first(finder, featurizer, classifier, emergency):
    text = (
        "Er is nu brand in de keuken van mijn buren en er komt heel veel rook uit het raam, ik zie "
        "vlammen. Hoeveel kazernes hebben jullie in Twente?"
    )
    message = parse(finder, featurizer, classifier, text)
    assert message.get(QUESTION_PART_KEY) == "Hoeveel kazernes hebben jullie in Twente?"
    emergency.process([message])
    signals = [e for e in message.get("entities") or [] if e["entity"] == "noodsignaal"]
    assert message.get("intent")["name"] == "noodgeval" or signals
