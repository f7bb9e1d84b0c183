"""Text normalisation for matching residents' words (emergency net, policy-plan themes)."""

import re
import unicodedata


def normalise(text: str) -> str:
    """Lower case, no diacritics or punctuation, single spaces.

    "Continuïteit,  RISICO'S!" -> "continuiteit risicos"
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = text.replace("'", "").replace("’", "")
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s-]", " ", text)).strip()
