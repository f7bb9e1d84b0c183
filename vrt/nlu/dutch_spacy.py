"""SpacyNLP that resolves nl_core_news_sm first and the offline Dutch pipeline second.

One config.yml serves both: no hand edit is needed to switch. The resolved name is
the SpacyModel fingerprint, so Rasa retrains when the pipeline changes, and
SpacyPipelineRecord stores it in the trained model.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vrt.nlu.base import JsonStateComponent
from vrt.nlu.spacy_pipeline import (
    OFFICIAL_PIPELINE,
    OFFICIAL_VERSION,
    OFFLINE_BANNER,
    resolve_pipeline,
    resolved_name,
)

logger = logging.getLogger(__name__)


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
class SpacyPipelineRecord(JsonStateComponent):
    """Stores which spaCy pipeline the model was trained with, and checks it on load.

    A model trained on one pipeline gives wrong features on another, so loading a
    model under a different pipeline is an error, not a warning.
    """

    STATE_FILE = "spacy_pipeline.json"

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        import spacy

        resource = self.persist_state(
            {
                "pipeline": model.model_name,
                "pipeline_version": model.model.meta.get("version"),
                "official": model.model_name == OFFICIAL_PIPELINE,
                "spacy_version": spacy.about.__version__,
            }
        )
        if not self.state["official"]:
            logger.warning(OFFLINE_BANNER, model.model_name, OFFICIAL_VERSION)
        return resource

    def check_loaded_state(self) -> None:
        recorded = self.state["pipeline"]
        logger.info("Model was trained with spaCy pipeline %s", recorded)
        available = resolved_name()
        if recorded != available:
            raise RuntimeError(
                f"This model was trained with spaCy pipeline '{recorded}' but "
                f"'{available}' is the one available now. Retrain with `make train`."
            )
        if not self.state.get("official"):
            logger.warning(OFFLINE_BANNER, recorded, OFFICIAL_VERSION)

    def process_training_data(self, training_data: TrainingData, model: SpacyModel) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        return messages
