"""Custom Rasa NLU components for VRT Assistent.

Referenced from config.yml by module path, e.g. `vrt_nlu.DutchSpacyNLP`.
"""
from vrt_nlu.dutch_spacy import DutchSpacyNLP, SpacyPipelineRecord
from vrt_nlu.emergency import EmergencyKeywordClassifier
from vrt_nlu.faq_gate import FaqConfidenceGate
from vrt_nlu.faq_payload import FaqPayloadHandler

__all__ = [
    "DutchSpacyNLP",
    "SpacyPipelineRecord",
    "EmergencyKeywordClassifier",
    "FaqConfidenceGate",
    "FaqPayloadHandler",
]
