"""The data lists of vrt/nlu/lexicon.py: the emergency nets (lexicon/regex/noodgeval.yml) and the
language detector's word lists (lexicon/lookups/taal.yml, knowledge/gemeenten.yml).

The counts and orders below are those config.yml had when the lists moved out of it (2026-12-03):
a change here is a change of the bot's behaviour, to be measured (README, "Change the emergency net or a word list").
"""

import re

import pytest
import yaml

from vrt.nlu import lexicon
from vrt.nlu.emergency import EmergencyKeywordClassifier, client_net, js_regex
from vrt.nlu.language_detector import LanguageDetector
from vrt.nlu.settings import component_settings
from vrt.notices.notices import load_municipalities

NET_SIZES = {
    # Issue 26 (nood3): +14 patterns (danger now in words the nets missed), +1 ordinary_question
    # ("wat moet ik doen als", "stel dat", "hoe herken ik"), measured with tests/unit/emergency_probes.yml.
    "patterns": 105,
    "unsure_patterns": 5,
    "ordinary_question": 12,
    "english_patterns": 47,
    "english_short_patterns": 4,
    "english_unsure_patterns": 4,
    "english_ordinary_question": 2,
}


@pytest.fixture(scope="module")
def nets():
    return lexicon.emergency_nets()


@pytest.fixture(scope="module")
def words():
    return lexicon.language_lists()


def plain_yaml_lists(path, kind):
    """The same file through plain YAML and string splitting, not Rasa's reader."""
    lists = {}
    for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        lines = entry["examples"].splitlines()
        assert all(line.startswith("- ") for line in lines), entry[kind]
        lists.setdefault(entry[kind], []).extend(line[2:] for line in lines)
    return lists


def test_the_nets_have_the_sizes_config_yml_had(nets):
    assert {name: len(patterns) for name, patterns in nets.items()} == NET_SIZES


def test_rasas_reader_keeps_every_pattern_as_written():
    read = lexicon.read_nlu_lists(lexicon.EMERGENCY_NETS)
    assert read.regexes == plain_yaml_lists(lexicon.EMERGENCY_NETS, "regex")
    assert read.lookups == {}


def test_rasas_reader_keeps_every_word_as_written():
    read = lexicon.read_nlu_lists(lexicon.LANGUAGE_LISTS)
    assert read.lookups == plain_yaml_lists(lexicon.LANGUAGE_LISTS, "lookup")
    assert read.regexes == {}


def test_patterns_keep_backslashes_anchors_and_lookarounds(nets):
    assert nets["patterns"][0].startswith(
        r"^(?=(\W*\w+){1,5}\W*$)(?!.*\?)(?!\W*(waarom|hoe|hoeveel|wanneer|welke|wie)\b).*\b(brand|brnad|"
    )
    assert nets["patterns"][-1] == r"^\W*(help|nood|hulp|spoed)\W*$"
    assert r"\b(gaslucht|gaslek|gas lek)\b(?!.*\?$)" in nets["patterns"]
    assert r"\b(carbon monoxide(?! detector| alarm)|chemical smell|toxic smell)\b" in nets["english_patterns"]
    for patterns in nets.values():
        for pattern in patterns:
            re.compile(pattern)


def test_the_first_matching_pattern_is_recorded_so_the_order_counts(emergency, nets):
    assert emergency.match("brand!!") == nets["patterns"][0]
    assert emergency.match("help!") == nets["patterns"][-1]


def test_the_widget_gets_every_sure_pattern_in_order(emergency, nets):
    served = client_net(emergency)
    sure = nets["patterns"] + nets["english_patterns"] + nets["english_short_patterns"]
    assert served["patterns"] == [js_regex(p) for p in sure]
    ordinary = nets["ordinary_question"] + nets["english_ordinary_question"]
    assert served["ordinary_question"] == js_regex("|".join(f"(?:{p})" for p in ordinary))


def test_the_word_lists_have_the_sizes_config_yml_had(words):
    assert len(words["neutral_terms"]) == len(set(words["neutral_terms"])) == 65
    assert len(words["not_german_words"]) == 120
    assert words["shared_words"] == ["help", "gas", "sos", "ambulance", "alarm"]
    assert {code: len(phrases) for code, phrases in words["switch_phrases"].items()} == {"en": 9, "nl": 8}
    assert {code: len(own) for code, own in words["language_words"].items()} == {"en": 77, "nl": 63}


def test_yaml_booleans_stay_words(words):
    assert {"on", "yes", "no"} <= set(words["language_words"]["en"])
    assert all(isinstance(word, str) for word in words["not_german_words"])


def test_neutral_terms_take_the_municipalities_from_knowledge(words):
    """The VRT's own names, the 14 municipalities (the file the crisis notices read too), each
    with the parts of a double name, the places, then the partners' names."""
    municipalities = load_municipalities().names
    assert len(municipalities) == 14
    expected = []
    for name in municipalities:
        expected += [name.lower(), *(name.lower().split("-") if "-" in name else [])]
    expected.append("nijverdal")
    neutral = words["neutral_terms"]
    assert neutral[14 : 14 + len(expected)] == expected
    assert (neutral[0], neutral[13], neutral[31], neutral[-1]) == (
        "vrt",
        "beleidsplan vrt",
        "platform integrale veiligheidszorg",
        "politie nl",
    )


def test_the_components_get_the_lists_config_yml_has_none(nets, words):
    assert EmergencyKeywordClassifier.config_from_file().items() >= nets.items()
    assert LanguageDetector.config_from_file().items() >= words.items()
    for component, lists in ((EmergencyKeywordClassifier, nets), (LanguageDetector, words)):
        assert not set(component_settings(component)) & set(lists)
        assert not set(component.get_default_config()) & set(lists)


def test_a_list_in_the_config_too_is_ignored_with_a_warning(nets, caplog):
    """As in a model trained before the lists left config.yml: the data files decide."""
    built = EmergencyKeywordClassifier.built_config({"patterns": ["stale"], "intent": "noodgeval"})
    assert built["patterns"] == nets["patterns"]
    assert "patterns in the config ignored" in caplog.text


def test_a_pattern_line_without_a_dash_is_an_error_not_skipped(tmp_path):
    path = tmp_path / "noodgeval.yml"
    path.write_text('version: "3.1"\nnlu:\n- regex: patterns\n  examples: |\n    - brand\n    rook\n')
    with pytest.raises(UserWarning, match="doesn't start with"):
        lexicon.read_nlu_lists(path)


def test_a_misspelt_list_name_is_an_error(tmp_path):
    text = lexicon.EMERGENCY_NETS.read_text(encoding="utf-8").replace(
        "- regex: unsure_patterns", "- regex: unsure"
    )
    path = tmp_path / "noodgeval.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"unknown lists \['unsure'\], missing lists \['unsure_patterns'\]"):
        lexicon.emergency_nets(path)


def test_the_lists_are_not_words_the_redactor_takes_for_ordinary_words():
    """vrt/privacy/redact.py reads every word of data/ and knowledge/ as a word that never starts
    a name; the lexicon's files must stay out of that (the comments say "question mark")."""
    from vrt.privacy.redact import project_vocabulary

    assert "bhelp" in re.findall(r"\w+", lexicon.EMERGENCY_NETS.read_text(encoding="utf-8"))
    vocabulary = project_vocabulary()
    assert "bhelp" not in vocabulary
    assert "mark" not in vocabulary
