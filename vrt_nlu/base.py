"""Plumbing shared by the custom components: Rasa's GraphComponent constructors."""

from __future__ import annotations

import json
from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from vrt_nlu import prepare_tensorflow

prepare_tensorflow()


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
            (directory / self.STATE_FILE).write_text(json.dumps(state, indent=2))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        with model_storage.read_from(resource) as directory:
            state = json.loads((directory / cls.STATE_FILE).read_text())
        component = cls(model_storage, resource, state)
        component.check_loaded_state()
        return component

    def check_loaded_state(self) -> None:
        """Hook: raise here when the stored state cannot be served."""
