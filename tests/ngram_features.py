"""Helpers for the tests of the lexical models: the real n-gram featurizer
(vrt.nlu.ngrams.NgramFeaturizer), trained and run the way Rasa's graph does."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vrt.nlu.ngrams import NgramFeaturizer

CONTEXT = ExecutionContext(GraphSchema({}), "test")


def trained_featurizer(training_data: TrainingData, storage_dir: Path) -> NgramFeaturizer:
    """Trained on the data, then loaded from the model storage and run on the same data (its
    examples get their features), as `rasa train` does."""
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir)
    NgramFeaturizer.create({}, storage, Resource("ngrams"), CONTEXT).train(training_data)
    featurizer = NgramFeaturizer.load({}, storage, Resource("ngrams"), CONTEXT)
    featurizer.process_training_data(training_data)
    return featurizer


def featurized(featurizer: NgramFeaturizer, texts: Iterable[str]) -> List[Message]:
    """New messages with the texts, after the featurizer (as at the start of a parse)."""
    messages = [Message(data={"text": text}) for text in texts]
    featurizer.process(messages)
    return messages


def copies(messages: Iterable[Message]) -> List[Message]:
    """The messages without their features, so a featurizer can fit on a part of the data
    without changing the features of the shared fixture's messages."""
    return [Message(data=dict(m.data)) for m in messages]
