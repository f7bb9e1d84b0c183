"""The knowledge loaders (policy-plan themes, follow-ups): the real files, and broken files."""

from pathlib import Path

import pytest
import yaml

from actions.knowledge import (
    DEFAULT_PATH,
    FOLLOW_UPS_PATH,
    KnowledgeFileError,
    faq_topics,
    load_follow_ups,
    load_policy_plan,
)
from vrt.nlu.text import normalise

EXPECTED_THEMES = {
    "koers",
    "risicos",
    "netwerk",
    "crisisdefinitie",
    "veiligheid",
    "platformfunctie",
    "innovatie",
    "capaciteit",
}


def test_real_file_loads_with_every_theme():
    plan = load_policy_plan(DEFAULT_PATH)
    assert plan.document == "Beleidsplan VRT 2021-2024"
    assert set(plan.themes) == EXPECTED_THEMES
    for theme in plan.themes.values():
        assert theme.antwoord in faq_topics()


def test_every_faq_topic_has_follow_ups_that_exist():
    follow_ups = load_follow_ups()
    assert set(follow_ups) == faq_topics()
    assert {t for related in follow_ups.values() for t in related} <= faq_topics()


@pytest.mark.parametrize(
    "value, theme",
    [
        ("droogte", "risicos"),
        ("Risico's", "risicos"),
        ("sociale veiligheid", "veiligheid"),
        ("TSC", "innovatie"),
        ("kazernes", "capaciteit"),
        ("Stabiele factor", "koers"),
        ("parkeren", None),
        ("", None),
    ],
)
def test_theme_for_value_uses_synonyms(value, theme):
    found = load_policy_plan().theme_for_value(value)
    assert (found.key if found else None) == theme


def test_longest_term_wins_in_free_text():
    plan = load_policy_plan()
    assert plan.find_in_text("iets over sociale veiligheid graag").key == "veiligheid"
    assert plan.find_in_text("wat doen jullie aan innovatie?").key == "innovatie"
    assert plan.find_in_text("parkeervergunning") is None


def test_normalise_folds_case_diacritics_and_punctuation():
    assert normalise("  Continuïteit,  RISICO'S! ") == "continuiteit risicos"


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "beleidsplan.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return path


def valid() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.pop("document"), "(top level).document"),
        (lambda d: d.update(themas={}), "themas"),
        (lambda d: d["themas"]["koers"].pop("antwoord"), "themas.koers.antwoord"),
        (lambda d: d["themas"]["risicos"].update(antwoord="bestaat_niet"), "themas.risicos.antwoord"),
        (lambda d: d["themas"]["netwerk"].update(synoniemen=["ok", ""]), "themas.netwerk.synoniemen[1]"),
        (lambda d: d["themas"]["innovatie"].update(titel=""), "themas.innovatie.titel"),
        (lambda d: d["themas"]["capaciteit"].update(aantal=29), "themas.capaciteit.aantal"),
        (lambda d: d["themas"].update({"Foute Sleutel": d["themas"]["koers"]}), "themas.Foute Sleutel"),
    ],
)
def test_broken_file_names_file_and_field(tmp_path, mutate, field):
    data = valid()
    mutate(data)
    path = write(tmp_path, data)

    with pytest.raises(KnowledgeFileError) as error:
        load_policy_plan(path)

    assert error.value.field_path == field
    assert str(path) in str(error.value) and field in str(error.value)


def test_invalid_yaml_is_reported(tmp_path):
    path = write(tmp_path, "themas: [unclosed")
    with pytest.raises(KnowledgeFileError, match="not valid YAML"):
        load_policy_plan(path)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(KnowledgeFileError, match="cannot be read"):
        load_policy_plan(tmp_path / "bestaat-niet.yml")


def test_path_can_come_from_environment(tmp_path, monkeypatch):
    data = valid()
    data["document"] = "Kopie"
    monkeypatch.setenv("VRT_BELEIDSPLAN_FILE", str(write(tmp_path, data)))
    assert load_policy_plan().document == "Kopie"


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d["vervolg"].pop("capaciteit"), "vervolg.capaciteit"),
        (lambda d: d["vervolg"].update(capaciteit=["bestaat_niet"]), "vervolg.capaciteit[0]"),
        (lambda d: d["vervolg"].update(capaciteit="kerntaken"), "vervolg.capaciteit"),
        (lambda d: d["vervolg"].update(onbekend=[]), "vervolg.onbekend"),
    ],
)
def test_broken_follow_up_file_names_file_and_field(tmp_path, mutate, field):
    data = yaml.safe_load(FOLLOW_UPS_PATH.read_text())
    mutate(data)
    path = tmp_path / "vervolg.yml"
    path.write_text(yaml.safe_dump(data))

    with pytest.raises(KnowledgeFileError) as error:
        load_follow_ups(path)

    assert error.value.field_path == field
