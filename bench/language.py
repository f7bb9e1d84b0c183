"""Language detection on the held-out messages of both languages (vrt.nlu.language_detector.LanguageDetector).

Every message of tests/nlu/*.yml (Dutch) and tests/nlu/en/*.yml (English) through the
detector with the thresholds of config.yml and the word lists of vrt/nlu/lexicon.py. Per
language: `accuracy` (detected as its own language), `undecided` (too short or unsure: the
conversation keeps its language) and `wrong` (detected as another language: the answer comes in
that language).

    python -m bench.language [--sweep]     # --sweep: thresholds on the training data (data/nlu)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bench.answers import HELDOUT_DIR, load_examples
from vrt.ops.servers import ROOT

ENGLISH_HELDOUT_DIR = HELDOUT_DIR / "en"
SETS = (("nl", HELDOUT_DIR), ("en", ENGLISH_HELDOUT_DIR))


def detector_config(config: Path = ROOT / "config.yml") -> Dict[str, Any]:
    """config.yml's settings and the word lists (vrt/nlu/lexicon.py): what the model's detector
    gets. Without importing the component, whose Rasa import `load_s` has always included."""
    from vrt.nlu import lexicon
    from vrt.nlu.settings import component_settings

    return {
        **component_settings("vrt.nlu.language_detector.LanguageDetector", config),
        **lexicon.language_lists(),
    }


def detector(config: Dict[str, Any], **override: Any):
    from vrt.nlu.language_detector import MessageLanguage

    settings = {**config, **override}
    return MessageLanguage(
        settings["languages"],
        settings["minimum_words"],
        settings["minimum_confidence"],
        settings["german_confidence"],
        settings["neutral_terms"],
        settings.get("low_accuracy_mode", True),
        settings.get("shared_words", ()),
        settings.get("language_words", {}),
        settings.get("not_german_words", ()),
    )


def score(detect, texts_by_language: List[Tuple[str, List[str]]]) -> Dict[str, Any]:
    figures = {}
    for language, texts in texts_by_language:
        found = [detect(text) for text in texts]
        total = len(texts)

        def share(n: int, total: int = total) -> Optional[float]:
            return round(n / total, 3) if total else None

        figures[language] = {
            "messages": len(texts),
            "accuracy": share(sum(f == language for f in found)),
            "undecided": share(sum(f is None for f in found)),
            "wrong": share(sum(f not in (None, language) for f in found)),
            "wrong_examples": [
                (t, f) for t, f in zip(texts, found, strict=True) if f not in (None, language)
            ][:10],
        }
    return figures


def heldout_texts() -> List[Tuple[str, List[str]]]:
    return [(language, [text for _, text in load_examples(folder)]) for language, folder in SETS]


def evaluate() -> Dict[str, Any]:
    config = detector_config()
    started = time.monotonic()
    language = detector(config)
    loaded = time.monotonic() - started
    result = score(language.detect, heldout_texts())
    result["load_s"] = round(loaded, 2)
    return result


def bench_step(bench: Any) -> Dict[str, Any]:
    """The `language` step of `make bench` (bench/run.py): figures under `language_detection`."""
    result = evaluate()
    for figures in result.values():
        if isinstance(figures, dict):
            figures.pop("wrong_examples")
    return {"language_detection": result}


def sweep() -> None:
    """Thresholds on the training data (never on the held-out set)."""
    from rasa.shared.nlu.training_data.loading import load_data

    def texts(english: bool) -> List[str]:
        files = [
            p
            for p in sorted((ROOT / "data" / "nlu").glob("*.yml"))
            if p.name.startswith("english_") == english
        ]
        return [m.get("text") for p in files for m in load_data(str(p)).intent_examples]

    sets = [("nl", texts(False)), ("en", texts(True))]
    config = detector_config()
    for words in (1, 2, 3):
        for confidence in (0.6, 0.7, 0.8, 0.9):
            language = detector(config, minimum_words=words, minimum_confidence=confidence)
            figures = score(language.detect, sets)
            print(
                words,
                confidence,
                {k: (v["accuracy"], v["undecided"], v["wrong"]) for k, v in figures.items()},
            )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.language", description=__doc__)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args(argv)
    if args.sweep:
        sweep()
        return 0
    print(json.dumps(evaluate(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
