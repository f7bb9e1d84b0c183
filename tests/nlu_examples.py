"""NLU examples of a folder, read with Rasa's own loader (the syntax `rasa train` reads)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data


def nlu_examples(folder: Path) -> Dict[str, List[str]]:
    """Plain example texts (entity annotations removed) by intent; retrieval intents as faq/<topic>.

    Only the YAML files: a folder may also hold a README.
    """
    examples: Dict[str, List[str]] = defaultdict(list)
    for path in sorted(folder.glob("*.yml")):
        for message in load_data(str(path)).intent_examples:
            examples[message.get_full_intent()].append(message.get(TEXT))
    return examples
