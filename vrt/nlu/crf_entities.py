"""Rasa's CRFEntityExtractor, trained on a copy of the training data, on tokens alone.

A copy: Rasa 3.6's `CRFEntityExtractor.train` writes BILOU tags into the messages it is given:
the same training data that the classifiers after it receive.
Rasa's training cache had recorded that data before the tags were added, so those components
were cached under keys that no later `rasa train` computes: the next training of the same data
trained them all again (make test's step 9 after step 4: one more cold training, about 440 s
here). On a copy, the data stays as the cache recorded it.

Tokens alone: Rasa's extractor skips every message without featurizer output, although its
configured features (`low`, `prefix5`, `title`, ...) come from the tokens and it reads only
dense features, which this pipeline has none of. Without that check no featurizer has to run
before it (a LexicalSyntacticFeaturizer did: about 7 s of every training, and its features
were never read). `train` and `extract_entities` are Rasa 3.6.21's, without the check.

The trained CRFs themselves are stored: Rasa's extractor stores its training tokens and trains
the CRFs again at every model load (about 5 s of every server start here). The stored files
are crfsuite's own model format, read back with crfsuite. A model stored by Rasa's way (the
training tokens only) still loads, by training again.
"""

from __future__ import annotations

import shutil
from collections import OrderedDict
from typing import Any, Dict, List, Text

import rasa.nlu.utils.bilou_utils as bilou_utils
import rasa.shared.utils.io
import sklearn_crfsuite
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.nlu.constants import ENTITY_ATTRIBUTE_TYPE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import BILOU_FLAG


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class CopyingCRFEntityExtractor(CRFEntityExtractor):
    def train(self, training_data: TrainingData) -> Resource:
        training_data = copy_of_nlu_examples(training_data)
        if not training_data.entity_examples:
            return self._resource
        self.check_correct_entity_annotations(training_data)
        if self.component_config[BILOU_FLAG]:
            bilou_utils.apply_bilou_schema(training_data)
        self._update_crf_order(training_data)
        examples = [
            m for m in self.filter_trainable_entities(training_data.nlu_examples) if m.get(TOKENS_NAMES[TEXT])
        ]
        dataset = [self._convert_to_crf_tokens(example) for example in examples]
        self.entity_taggers = self.train_model(dataset, self.component_config, self.crf_order)
        self.persist(dataset)
        return self._resource

    def persist(self, dataset: List[List[CRFToken]]) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / ORDER_FILE, self.crf_order)
            for tag_name, tagger in self.entity_taggers.items():
                shutil.copyfile(tagger.modelfile.name, directory / model_file(tag_name))

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                crf_order = rasa.shared.utils.io.read_json_file(directory / ORDER_FILE)
                files = [directory / model_file(tag_name) for tag_name in crf_order]
                if not all(path.is_file() for path in files):
                    return super().load(config, model_storage, resource, execution_context, **kwargs)
                taggers = OrderedDict()
                for tag_name, path in zip(crf_order, files, strict=True):
                    tagger = sklearn_crfsuite.CRF(model_filename=str(path))
                    # Opened now, while the file exists (crfsuite reads all of it): Rasa deletes
                    # the unpacked model after loading.
                    tagger.tagger_  # noqa: B018
                    taggers[tag_name] = tagger
        except ValueError:  # nothing stored: no entities in the training data
            return cls(config, model_storage, resource)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor

    def extract_entities(self, message: Message) -> List[Dict[Text, Any]]:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if self.entity_taggers is None or not tokens:
            return []
        crf_tokens = self._convert_to_crf_tokens(message)
        predictions: Dict[Text, List[Dict[Text, float]]] = {}
        for tag_name, entity_tagger in self.entity_taggers.items():
            # predicted entity tags are features of the role and group CRFs
            include_tag_features = tag_name != ENTITY_ATTRIBUTE_TYPE
            if include_tag_features:
                self._add_tag_to_crf_token(crf_tokens, predictions)
            features = self._crf_tokens_to_features(crf_tokens, self.component_config, include_tag_features)
            predictions[tag_name] = entity_tagger.predict_marginals_single(features)
        tags, confidences = self._tag_confidences(tokens, predictions)
        return self.convert_predictions_into_entities(
            message.get(TEXT), tokens, tags, self.split_entities_config, confidences
        )


ORDER_FILE = "crf_order.json"


def model_file(tag_name: Text) -> Text:
    return f"crf_{tag_name}.crfsuite"


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
