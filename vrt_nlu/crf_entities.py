"""Rasa's CRFEntityExtractor, trained on a copy of the training data.

Rasa 3.6's `CRFEntityExtractor.train` writes BILOU tags into the messages it is given: the
same training data that the classifiers after it receive.
Rasa's training cache had recorded that data before the tags were added, so those components
were cached under keys that no later `rasa train` computes: the next training of the same data
trained them all again (make test's step 9 after step 4: one more cold training, about 440 s
here). On a copy, the data stays as the cache recorded it. The extractor itself is unchanged.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class CopyingCRFEntityExtractor(CRFEntityExtractor):
    def train(self, training_data: TrainingData) -> Resource:
        return super().train(copy_of_nlu_examples(training_data))


def copy_of_nlu_examples(training_data: TrainingData) -> TrainingData:
    """The NLU examples as new messages: their own data dicts, the same (unchanged) features."""
    examples = [
        Message(
            data=message.data,  # Message copies the dict
            output_properties=set(message.output_properties),
            time=message.time,
            features=list(message.features),
        )
        for message in training_data.nlu_examples
    ]
    return TrainingData(training_examples=examples, entity_synonyms=training_data.entity_synonyms)
