"""Resolve the Dutch spaCy pipeline: nl_core_news_sm first, an offline pipeline second.

nl_core_news_sm is not on PyPI and its official download (GitHub releases) is not
reachable from every machine. When it is missing we build a pipeline from what PyPI
has: spaCy's Dutch tokenizer plus the Dutch lemma lookup table of spacy-lookups-data.
That pipeline has its own name and is never presented as nl_core_news_sm.

Run `python -m vrt.nlu.spacy_pipeline` to see which pipeline is in use, or
`python vrt/nlu/spacy_pipeline.py --name` for its name alone (fast).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

OFFICIAL_PIPELINE = "nl_core_news_sm"
OFFICIAL_VERSION = "3.4.0"
OFFLINE_PIPELINE = "nl_vrt_offline_lookup"
# Set to "offline" to force the offline pipeline even when nl_core_news_sm is installed.
PIPELINE_ENV = "VRT_SPACY_PIPELINE"

OFFLINE_BANNER = (
    "!! OFFLINE spaCy PIPELINE IN USE: '%s' (spacy.blank('nl') + lookup lemmatizer from "
    "spacy-lookups-data). nl_core_news_sm %s is NOT installed, so there is no POS tagging "
    "and no tensors. Install it with `make install` where GitHub is reachable, or set "
    "NL_CORE_NEWS_SM_WHEEL to a local wheel. !!"
)


@dataclass(frozen=True)
class ResolvedPipeline:
    nlp: "Language"
    name: str
    version: str
    official: bool

    @property
    def label(self) -> str:
        kind = "official" if self.official else "offline stand-in"
        return f"{self.name} {self.version} ({kind})"


def official_available() -> bool:
    # find_spec, not spacy.util.is_package: importing spaCy also imports TensorFlow (~8 s).
    return importlib.util.find_spec(OFFICIAL_PIPELINE) is not None


def build_offline_pipeline() -> "Language":
    """spaCy's Dutch tokenizer plus the Dutch lookup lemmatizer (spacy-lookups-data)."""
    import spacy

    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma_lookup table from spacy-lookups-data
    nlp.meta["name"] = OFFLINE_PIPELINE.removeprefix("nl_")
    nlp.meta["version"] = spacy.about.__version__
    nlp.meta["description"] = "Offline stand-in for nl_core_news_sm: Dutch tokenizer and lookup lemmas only."
    return nlp


def _add_tensor_vectors(nlp: "Language") -> None:
    """Expose tok2vec tensors as token/doc vectors.

    The sm pipelines ship no static word vectors, so without this SpacyFeaturizer
    would add nothing; with it, the contextual tensors become dense features.
    """
    import numpy as np

    def doc_tensor_vector(doc):
        if doc.tensor is None or not len(doc.tensor):
            return np.zeros((0,), dtype="float32")
        return doc.tensor.mean(axis=0)

    def add_hooks(doc):
        doc.user_hooks["vector"] = doc_tensor_vector
        doc.user_span_hooks["vector"] = lambda span: span.doc.tensor[span.start : span.end].mean(axis=0)
        doc.user_token_hooks["vector"] = lambda token: token.doc.tensor[token.i]
        return doc

    from spacy.language import Language

    if not Language.has_factory("vrt_tensor_vectors"):
        Language.component("vrt_tensor_vectors", func=add_hooks)
    if "vrt_tensor_vectors" not in nlp.pipe_names:
        nlp.add_pipe("vrt_tensor_vectors", last=True)


# One pipeline per process: Rasa builds DutchSpacyNLP for two graph nodes, and a
# second copy of the pipeline only costs memory (about 75 MB).
_RESOLVED: Dict[str, ResolvedPipeline] = {}


def resolve_pipeline(requested: str = "auto") -> ResolvedPipeline:
    """Load nl_core_news_sm if it is installed, else build the offline pipeline.

    `requested` is "auto", OFFICIAL_PIPELINE or OFFLINE_PIPELINE. The environment
    variable VRT_SPACY_PIPELINE=offline forces the offline pipeline.
    """
    if os.environ.get(PIPELINE_ENV, "").lower() == "offline":
        requested = OFFLINE_PIPELINE
    if requested not in _RESOLVED:
        _RESOLVED[requested] = _load_pipeline(requested)
    return _RESOLVED[requested]


def _load_pipeline(requested: str) -> ResolvedPipeline:
    import spacy

    if requested in ("auto", OFFICIAL_PIPELINE) and official_available():
        nlp = spacy.load(OFFICIAL_PIPELINE, disable=["parser", "ner"])
        _add_tensor_vectors(nlp)
        return ResolvedPipeline(nlp, OFFICIAL_PIPELINE, nlp.meta.get("version", "?"), True)
    if requested == OFFICIAL_PIPELINE:
        raise OSError(f"{OFFICIAL_PIPELINE} is required but not installed. Run `make install`.")
    logger.warning(OFFLINE_BANNER, OFFLINE_PIPELINE, OFFICIAL_VERSION)
    return ResolvedPipeline(build_offline_pipeline(), OFFLINE_PIPELINE, spacy.about.__version__, False)


def resolved_name() -> str:
    """Name of the pipeline resolve_pipeline() would load, without loading it."""
    if os.environ.get(PIPELINE_ENV, "").lower() == "offline":
        return OFFLINE_PIPELINE
    return OFFICIAL_PIPELINE if official_available() else OFFLINE_PIPELINE


def main() -> int:
    if sys.argv[1:] == ["--name"]:  # for scripts/common.sh: the name only, no spaCy import
        print(resolved_name())
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    resolved = resolve_pipeline()
    sample = "brandweerkazernes vrijwilligers"
    lemmas = [t.lemma_ for t in resolved.nlp(sample)]
    print(f"spaCy pipeline: {resolved.label}")
    print(f"lemmas of '{sample}': {lemmas}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
