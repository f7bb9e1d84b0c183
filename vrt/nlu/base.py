"""Plumbing shared by the custom components: Rasa's GraphComponent constructors."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from vrt.nlu.settings import component_settings
from vrt.paths import CONFIG

logger = logging.getLogger(__name__)


class ConfiguredComponent(GraphComponent):
    """A component that keeps nothing in the model: it is built from its config and, where it
    has them, its data lists (`data_settings`), read again whenever a model is loaded."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def data_settings(cls) -> Dict[Text, Any]:
        """Hook: settings read from data files (vrt/nlu/lexicon.py), never from config.yml."""
        return {}

    @classmethod
    def built_config(cls, settings: Dict[Text, Any]) -> Dict[Text, Any]:
        """The defaults, config.yml's settings and the data lists: what `create` builds from.

        The data lists win: a model trained before they left config.yml (2026-12-03) still loads,
        with the same nets as the channel's guard (tests/unit/test_lexicon.py checks that
        config.yml has none of them)."""
        data = cls.data_settings()
        in_both = sorted(set(data) & set(settings))
        if in_both:
            logger.warning(
                "%s: %s in the config ignored: they come from data files (vrt/nlu/lexicon.py)",
                cls.__name__,
                ", ".join(in_both),
            )
        return {**cls.get_default_config(), **settings, **data}

    @classmethod
    def config_from_file(cls, config: Path = CONFIG) -> Dict[Text, Any]:
        return cls.built_config(component_settings(cls, config))

    @classmethod
    def from_config_file(cls, config: Path = CONFIG) -> "ConfiguredComponent":
        """The component as Rasa builds it from config.yml (`create`), without a model: for the
        channel's guard, the benchmarks and the tests."""
        return cls(cls.config_from_file(config))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(cls.built_config(config))


class JsonStateComponent(GraphComponent):
    """A trainable component whose whole state is one JSON value stored in the model."""

    STATE_FILE = "state.json"

    def __init__(self, model_storage: ModelStorage, resource: Resource, state: Any = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.state = state

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(model_storage, resource)

    def persist_state(self, state: Any) -> Resource:
        self.state = state
        with self._model_storage.write_to(self._resource) as directory:
            # Compact: json's C encoder (with `indent` it falls back to Python, ~2 s for the
            # lexical classifier's coefficients).
            (directory / self.STATE_FILE).write_text(json.dumps(state))
        return self._resource

    @classmethod
    def read_state(cls, model_storage: ModelStorage, resource: Resource) -> Any:
        with model_storage.read_from(resource) as directory:
            return json.loads((directory / cls.STATE_FILE).read_text())

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        component = cls(model_storage, resource, cls.read_state(model_storage, resource))
        component.check_loaded_state()
        return component

    def check_loaded_state(self) -> None:
        """Hook: raise here when the stored state cannot be served."""


class ConfiguredJsonStateComponent(JsonStateComponent):
    """A JsonStateComponent with a config too: `get_default_config()` and config.yml's settings."""

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Any = None,
    ) -> None:
        super().__init__(model_storage, resource, state)
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        component = cls(config, model_storage, resource, cls.read_state(model_storage, resource))
        component.check_loaded_state()
        return component
