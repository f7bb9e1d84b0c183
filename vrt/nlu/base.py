"""Plumbing shared by the custom components: Rasa's GraphComponent constructors."""

from __future__ import annotations

import json
from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class ConfiguredComponent(GraphComponent):
    """A component that keeps nothing in the model: it is built from its config alone."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls({**cls.get_default_config(), **config})


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
