"""Shared fixtures.

Unit tests use a real rasa-sdk Tracker and CollectingDispatcher, built from JSON
trackers in tests/unit/trackers/, and the project's real domain. End-to-end tests
request `bot`, which starts the real action and Rasa servers once per session.
config.yml is read by one reader, vrt.nlu.settings (`component_settings`, `pipeline`); a
component without a model is built as Rasa builds it, `ConfiguredComponent.from_config_file()`
(config.yml's settings and the data lists of vrt/nlu/lexicon.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vrt.ops.servers import ROOT, BotServers, current_model, free_port

TRACKERS = Path(__file__).parent / "unit" / "trackers"


@pytest.fixture(scope="session")
def domain() -> dict:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml")).as_dict()


@pytest.fixture(scope="session")
def emergency():
    """The emergency net as the model builds it: config.yml and lexicon/regex/noodgeval.yml."""
    from vrt.nlu.emergency import EmergencyKeywordClassifier

    return EmergencyKeywordClassifier.from_config_file()


@pytest.fixture
def dispatcher():
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher()


@pytest.fixture
def load_tracker():
    """Builds a rasa-sdk Tracker from tests/unit/trackers/<name>.json."""
    from rasa_sdk import Tracker

    def load(name: str, **overrides) -> Tracker:
        state = json.loads((TRACKERS / f"{name}.json").read_text())
        state.update(overrides)
        return Tracker.from_dict(state)

    return load


@pytest.fixture(scope="session")
def web_port() -> int:
    """Port of the widget's demo page server in tests/browser; the bot allows its origin (CORS)."""
    return free_port()


@pytest.fixture(scope="session")
def webchat_port() -> int:
    """Port of the rasa-webchat test page in tests/browser; the bot allows its origin (CORS)."""
    return free_port()


@pytest.fixture(scope="session")
def bot(tmp_path_factory, web_port, webchat_port) -> BotServers:
    servers = BotServers(workdir=tmp_path_factory.mktemp("bot"), model=current_model())
    servers.cors_origins += [f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{webchat_port}"]
    servers.start()
    yield servers
    servers.stop()
