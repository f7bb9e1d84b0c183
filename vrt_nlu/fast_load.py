"""Load DIET and the ResponseSelector for prediction without Rasa's one training step.

Rasa 3.6 (`RasaModel.load`) makes a saved model's variables by training it on one example:
that traces the whole training graph and creates the Adam optimizer's slots, which a server
never uses. For prediction, one eager prediction makes the same variables; the saved weights
then replace their values, and the prediction graph is traced as before. Predictions are the
same to the last digit (tests/e2e/test_fast_load.py); loading is ~6 s faster and the Rasa
server ~230 MiB smaller (docs/bench.md).

Fine-tuning (`rasa train --finetune`) needs the optimizer, so it keeps Rasa's own load, as
does any caller that gives no prediction example.
"""

from __future__ import annotations

from typing import Any

from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

rasa_load = RasaModel.load.__func__


def load_for_prediction(
    cls,
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    if finetune_mode or predict_data_example is None:
        return rasa_load(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    model = cls(*args, **kwargs)
    one_example = RasaBatchDataGenerator(predict_data_example, batch_size=1, shuffle=False)[0][0]
    # Eager, so nothing is traced yet; it also caches label embeddings of the random weights.
    model.predict_step(one_example)
    # The checkpoint also holds the optimizer's slots, which prediction does not need.
    model.load_weights(model_file_name).expect_partial()
    # Forget what the random weights computed; the next call traces the graph with the saved ones.
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


def install() -> None:
    RasaModel.load = classmethod(load_for_prediction)


def uninstall() -> None:
    RasaModel.load = classmethod(rasa_load)
