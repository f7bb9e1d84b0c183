"""SpacyNLP that resolves nl_core_news_sm first and the offline Dutch pipeline second.

One config.yml serves both: no hand edit is needed to switch. The resolved name is
the SpacyModel fingerprint, so Rasa retrains when the pipeline changes, and
SpacyPipelineRecord stores it in the trained model.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vrt_nlu.spacy_pipeline import (
    OFFICIAL_PIPELINE,
    OFFICIAL_VERSION,
    OFFLINE_BANNER,
    resolve_pipeline,
    resolved_name,
)

logger = logging.getLogger(__name__)

RECORD_FILE = "spacy_pipeline.json"


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="DutchSpacyNLP",
)
class DutchSpacyNLP(SpacyNLP):
    """Provides the Dutch spaCy pipeline to SpacyTokenizer and SpacyFeaturizer."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # "auto": nl_core_news_sm if installed, else the offline pipeline.
        return {**SpacyNLP.get_default_config(), "model": "auto"}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DutchSpacyNLP":
        config = {**cls.get_default_config(), **config}
        resolved = resolve_pipeline(config["model"])
        logger.info("Dutch spaCy pipeline: %s", resolved.label)
        return cls(SpacyModel(model=resolved.nlp, model_name=resolved.name), config)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=True,
    model_from="DutchSpacyNLP",
)
class SpacyPipelineRecord(GraphComponent):
    """Stores which spaCy pipeline the model was trained with, and checks it on load.

    A model trained on one pipeline gives wrong features on another, so loading a
    model under a different pipeline is an error, not a warning.
    """

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        record: Optional[Dict[Text, Any]] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.record = record or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SpacyPipelineRecord":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        import spacy

        self.record = {
            "pipeline": model.model_name,
            "pipeline_version": model.model.meta.get("version"),
            "official": model.model_name == OFFICIAL_PIPELINE,
            "spacy_version": spacy.about.__version__,
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / RECORD_FILE).write_text(json.dumps(self.record, indent=2))
        if not self.record["official"]:
            logger.warning(OFFLINE_BANNER, model.model_name, OFFICIAL_VERSION)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SpacyPipelineRecord":
        with model_storage.read_from(resource) as directory:
            record = json.loads((directory / RECORD_FILE).read_text())
        logger.info("Model was trained with spaCy pipeline %s", record["pipeline"])
        available = resolved_name()
        if record["pipeline"] != available:
            raise RuntimeError(
                f"This model was trained with spaCy pipeline '{record['pipeline']}' but "
                f"'{available}' is the one available now. Retrain with `make train`."
            )
        if not record.get("official"):
            logger.warning(OFFLINE_BANNER, record["pipeline"], OFFICIAL_VERSION)
        return cls(model_storage, resource, record)

    def process_training_data(
        self, training_data: TrainingData, model: SpacyModel
    ) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        return messages
