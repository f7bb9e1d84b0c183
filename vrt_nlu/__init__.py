"""Custom Rasa NLU components for VRT Assistent.

Referenced from config.yml by module path, e.g. `vrt_nlu.DutchSpacyNLP`. The components are
imported on first use, so that the action server can use vrt_nlu.text without loading
Rasa's NLU stack.
"""

import importlib

_MODULES = {
    "CopyingCRFEntityExtractor": "vrt_nlu.crf_entities",
    "DutchSpacyNLP": "vrt_nlu.dutch_spacy",
    "SpacyPipelineRecord": "vrt_nlu.dutch_spacy",
    "EmergencyKeywordClassifier": "vrt_nlu.emergency",
    "FaqConfidenceGate": "vrt_nlu.faq_gate",
    "FaqPayloadHandler": "vrt_nlu.faq_payload",
    "LexicalIntentClassifier": "vrt_nlu.lexical_classifier",
    "OpeningMessageClassifier": "vrt_nlu.opening",
    "NluTrace": "vrt_nlu.nlu_trace",
    "OutOfScopeVeto": "vrt_nlu.out_of_scope",
    "LanguageDetector": "vrt_nlu.language_detector",
    "RecentTurnsRulePolicy": "vrt_nlu.recent_rules",
}

__all__ = list(_MODULES)
_prepared = False


def prepare_tensorflow() -> None:
    """Set up TensorFlow once, before Rasa trains or loads a model (vrt_nlu/base.py calls it:
    every component imports base, and Rasa imports all components before it builds a model).

    - Deterministic kernels, so the same data and config.yml train the same model. TensorFlow's
      multi-threaded CPU kernels are otherwise not bit-for-bit reproducible: two trainings of
      the same data moved the held-out figures and make test's gates (docs/bench.md).
    """
    global _prepared
    if not _prepared:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        _prepared = True


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module 'vrt_nlu' has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULES[name]), name)
