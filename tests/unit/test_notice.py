"""Crisis notices: the notice file's checks, the staff command against a real SQLite file,
the short-lived cache, and action_actuele_melding with a real rasa-sdk Tracker."""

import asyncio
import subprocess
import sys
import time
from datetime import datetime

import pytest
import yaml

from actions.melding import ActionActueleMelding
from vrt.notices import __main__ as cli
from vrt.notices.notices import LOCAL_TIME, NoticeError, load_municipalities, parse_notice
from vrt.notices.store import ActiveNotices, SQLNoticeStore, open_store
from vrt.ops.servers import ROOT

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=LOCAL_TIME).timestamp()
NOTICE = {
    "titel": "Grote brand in Hengelo",
    "tekst": "Er komt veel rook vrij. Houd ramen en deuren dicht en zet de ventilatie uit.",
    "gemeenten": ["hengelo", "Borne"],
    "einde": "2026-11-29 22:00",
    "link": "https://www.vrtwente.nl",
    "door": "Team Communicatie",
}


@pytest.fixture
def endpoints(tmp_path):
    """An endpoints file like deploy/endpoints.sqlite.yml, with a real SQLite file."""
    path = tmp_path / "endpoints.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "tracker_store": {
                    "type": "vrt.core.tracker_store.StrictSQLTrackerStore",
                    "dialect": "sqlite",
                    "db": str(tmp_path / "tracker.db"),
                }
            }
        )
    )
    return path


def notice_file(tmp_path, **changes):
    path = tmp_path / "melding.yml"
    fields = {key: value for key, value in {**NOTICE, **changes}.items() if value is not None}
    path.write_text(yaml.safe_dump(fields, allow_unicode=True))
    return path


def test_a_notice_keeps_the_staff_words_and_dutch_time():
    notice = parse_notice(NOTICE, NOW)
    assert notice.text == NOTICE["tekst"] and notice.title == NOTICE["titel"]
    assert notice.municipalities == ("Hengelo", "Borne")
    assert notice.starts_at == NOW and notice.ends_at == NOW + 8 * 3600
    assert notice.template_values() == {
        "titel": NOTICE["titel"],
        "tekst": NOTICE["tekst"],
        "tekst_en": NOTICE.get("tekst_en") or NOTICE["tekst"],
        "gemeenten": "Hengelo, Borne",
        "datum": "29-11-2026",
        "tijd": "14:00",
        "link": "https://www.vrtwente.nl",
    }
    assert notice.response == "utter_melding_met_link"


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"einde": None}, "einde: is required: a notice without an end time is refused"),
        ({"begin": "2026-11-29 23:00"}, "einde: must be after begin"),
        ({"einde": "2026-11-29 13:00", "begin": "2026-11-29 12:00"}, "einde: is in the past"),
        ({"gemeenten": ["Hengelo", "Amsterdam"]}, "gemeenten: 'Amsterdam' is not a Twente municipality"),
        ({"gemeenten": []}, "gemeenten: is required"),
        ({"gemeenten": ["Twente", "Borne"]}, "gemeenten: Twente already means all municipalities"),
        ({"tekst": " "}, "tekst: is required"),
        ({"link": "javascript:alert(1)"}, "link: 'javascript:alert(1)' is not a web address"),
        ({"einde": "morgen"}, "einde: 'morgen' is not a time"),
        ({"tekst": "Kijk op {link}"}, "tekst: must not contain { or }"),
        ({"url": "https://x"}, "url: is not a known field"),
    ],
)
def test_invalid_notices_are_refused_with_a_clear_message(changes, problem):
    fields = {key: value for key, value in {**NOTICE, **changes}.items() if value is not None}
    with pytest.raises(NoticeError) as refused:
        parse_notice(fields, NOW)
    assert problem in str(refused.value)


def test_twente_means_all_municipalities():
    notice = parse_notice({**NOTICE, "gemeenten": "twente"}, NOW)
    assert notice.municipalities == ("Twente",)
    assert notice.concerns("Losser", "Twente")


def test_the_municipalities_are_those_of_the_sources():
    sources = " ".join(p.read_text() for p in (ROOT / "docs" / "sources").iterdir())
    municipalities = load_municipalities()
    assert len(municipalities.names) == 14
    assert all(name in sources for name in municipalities.names)


@pytest.mark.parametrize(
    "question, found",
    [
        ("wat is er aan de hand in Hengelo?", "Hengelo"),
        ("is de rook gevaarlijk in rijssen holten", "Rijssen-Holten"),
        ("wat is er in Hof van Twente", "Hof van Twente"),
        ("wat is er aan de hand in twente", None),
        ("moet ik mijn ramen dicht doen", None),
    ],
)
def test_a_municipality_is_found_in_a_question(question, found):
    assert load_municipalities().find_in_text(question) == found


def test_publish_list_end_and_audit_through_the_command(tmp_path, endpoints, capsys):
    published = subprocess.run(
        [sys.executable, "-m", "vrt.notices", "--endpoints", str(endpoints), "publish",
         str(notice_file(tmp_path, einde="2099-01-01 12:00"))],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    assert "published notice #1" in published.stdout and "[active] Grote brand in Hengelo" in published.stdout

    assert cli.main(["--endpoints", str(endpoints), "list"]) == 0
    assert "#1 [active] Grote brand in Hengelo" in capsys.readouterr().out

    assert cli.main(["--endpoints", str(endpoints), "end", "1", "--door", "Piet"]) == 0
    assert "#1 [ended]" in capsys.readouterr().out
    assert cli.main(["--endpoints", str(endpoints), "list"]) == 0
    assert "no notices" in capsys.readouterr().out
    assert cli.main(["--endpoints", str(endpoints), "list", "--all"]) == 0
    assert "ended by Piet" in capsys.readouterr().out

    assert cli.main(["--endpoints", str(endpoints), "end", "1"]) == 1
    assert "notice 1 has already ended" in capsys.readouterr().err
    assert cli.main(["--endpoints", str(endpoints), "end", "7"]) == 1
    assert "there is no notice 7" in capsys.readouterr().err

    audit = open_store(endpoints).audit()
    assert [(e["action"], e["notice_id"], e["by"]) for e in audit] == [
        ("publish", 1, "Team Communicatie"),
        ("end", 1, "Piet"),
    ]
    assert audit[0]["notice"]["text"] == NOTICE["tekst"]


def test_an_invalid_notice_is_refused_and_not_stored(tmp_path, endpoints, capsys):
    assert cli.main(["--endpoints", str(endpoints), "publish", str(notice_file(tmp_path, einde=None))]) == 2
    assert "a notice without an end time is refused" in capsys.readouterr().err
    assert open_store(endpoints).notices() == []
    assert cli.main(["--endpoints", str(endpoints), "publish", str(tmp_path / "missing.yml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_notice_vanishes_at_its_end_time_from_the_cache(endpoints):
    store = open_store(endpoints)
    assert isinstance(store, SQLNoticeStore)
    now = time.time()
    store.publish(parse_notice({**NOTICE, "begin": None, "einde": None} | {"einde": _local(now + 60)}, now))
    active = ActiveNotices(lambda: store, seconds=3600)
    assert [n.title for n in active(now)] == [NOTICE["titel"]]
    # Read once, kept for an hour, and still gone after its end time.
    assert active(now + 61) == []


def _local(timestamp):
    return datetime.fromtimestamp(timestamp, LOCAL_TIME).isoformat()


def run_action(store, load_tracker, domain, text):
    action = ActionActueleMelding(active=ActiveNotices(lambda: store, seconds=0))
    tracker = load_tracker("beleidsplan_zonder_thema", latest_message={"text": text, "entities": []})
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages


def test_action_without_a_notice_says_so(endpoints, load_tracker, domain):
    messages = run_action(open_store(endpoints), load_tracker, domain, "wat is er aan de hand?")
    assert [m["response"] for m in messages] == ["utter_melding_geen"]


def test_action_gives_the_notice_and_filters_by_municipality(endpoints, load_tracker, domain):
    store = open_store(endpoints)
    now = time.time()
    store.publish(parse_notice({**NOTICE, "einde": _local(now + 3600)}, now))

    (answer,) = run_action(store, load_tracker, domain, "is die rook gevaarlijk in hengelo?")
    assert answer["response"] == "utter_melding_met_link" and answer["tekst"] == NOTICE["tekst"]
    assert answer["response"] in domain["responses"]

    messages = run_action(store, load_tracker, domain, "wat is er aan de hand in Losser")
    assert [m["response"] for m in messages] == ["utter_melding_geen_gemeente", "utter_melding_wijzer"]
    assert messages[0]["gemeente"] == "Losser" and messages[1]["titels"] == NOTICE["titel"]


def test_action_never_says_no_notice_when_the_store_is_down(load_tracker, domain, tmp_path):
    class Down:
        def not_ended(self, now):
            raise OSError("database down")

    messages = run_action(Down(), load_tracker, domain, "wat is er aan de hand?")
    assert [m["response"] for m in messages] == ["utter_melding_onbekend"]
