"""Per-message language detection with lingua, restricted to Dutch, English and German.

Writes `taal` into the message's parse data (vrt/nlu/language.py) when it is sure, and:
- a message that is only a language name ("English", "Nederlands", "in english please")
  gets the intent `taal_kiezen` with the entity `taal`, so the bot confirms the switch;
- a German message gets the intent `duits` (one short German pointer: 112, Dutch and English,
  www.vrtwente.nl). The emergency net runs after this component, so a German message with an
  emergency word still gets the 112 answer.

lingua ships its language models inside the wheel (works offline); they are loaded once,
when the model is loaded. Thresholds are in config.yml, the word lists in
lexicon/lookups/taal.yml and knowledge/gemeenten.yml (vrt/nlu/lexicon.py); `python -m
bench.language` measures them on the held-out messages of both languages.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu import lexicon
from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.intent import override_intent
from vrt.nlu.language import DUTCH, ENGLISH, GERMAN, LANGUAGE_GUESS_KEY, LANGUAGE_KEY, SWITCH_INTENT
from vrt.nlu.text import normalise

LINGUA_NAMES = {"nl": "DUTCH", "en": "ENGLISH", "de": "GERMAN"}


@lru_cache(maxsize=None)
def lingua_detector(languages: Tuple[str, ...], low_accuracy_mode: bool):
    from lingua import Language, LanguageDetectorBuilder

    chosen = [getattr(Language, LINGUA_NAMES[code]) for code in languages]
    builder = LanguageDetectorBuilder.from_languages(*chosen)
    # Low accuracy mode: trigram models only, +14 MiB RSS instead of +668 MiB (README, "English").
    if low_accuracy_mode:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


class MessageLanguage:
    """lingua with the project's thresholds; also used by bench/language.py.

    Names that are the same in every language ("Veiligheidsregio Twente", "Enschede", "Twente
    Safety Campus") are removed first: lingua reads "what does the Veiligheidsbureau do" as
    Dutch otherwise. German must be lingua's first choice with `german_confidence`, and the
    message must have none of `not_german_words`; between Dutch and English, the share of
    the one over both must reach `minimum_confidence`.
    """

    def __init__(
        self,
        languages: List[str],
        minimum_words: int,
        minimum_confidence: float,
        german_confidence: float = 0.9,
        neutral_terms: Iterable[str] = (),
        low_accuracy_mode: bool = True,
        shared_words: Iterable[str] = (),
        language_words: Optional[Dict[str, Iterable[str]]] = None,
        not_german_words: Iterable[str] = (),
    ) -> None:
        self.codes = {LINGUA_NAMES[code]: code for code in languages}
        self.detector = lingua_detector(tuple(languages), low_accuracy_mode)
        self.minimum_words = minimum_words
        self.minimum_confidence = minimum_confidence
        self.german_confidence = german_confidence
        self.shared_words = {normalise(w) for w in shared_words}
        self.language_words = {
            code: {normalise(w) for w in words} for code, words in (language_words or {}).items()
        }
        self.not_german_words = {normalise(w) for w in not_german_words}
        terms = sorted({normalise(t) for t in neutral_terms if normalise(t)}, key=len, reverse=True)
        self.neutral = (
            re.compile(r"\b(" + "|".join(r"[\s-]+".join(map(re.escape, t.split())) for t in terms) + r")\b")
            if terms
            else None
        )

    def words(self, text: Text) -> Text:
        """The message without punctuation, digits and language-neutral names."""
        folded = re.sub(r"[^\w\s-]|\d", " ", text.lower())
        if self.neutral:
            folded = (
                self.neutral.sub(" ", normalise(folded)) if self.neutral.search(normalise(folded)) else folded
            )
        return " ".join(word for word in folded.split() if re.search(r"[^\W\d_]", word))

    def scores(self, text: Text) -> Dict[str, float]:
        return {
            self.codes[c.language.name]: c.value
            for c in self.detector.compute_language_confidence_values(text)
        }

    def detect(self, text: Text, loose: bool = False) -> Optional[str]:
        """The language of the text, or None when it is too short or lingua is unsure.

        `loose`: without the shared words, one word is enough and Dutch or English wins by any
        margin (the emergency net's guess for "fire!"); None when no word is left."""
        words = self.words(text)
        if loose:
            words = " ".join(w for w in words.split() if w not in self.shared_words)
        if len(words.split()) < (1 if loose else self.minimum_words):
            return None if loose else self.by_words(words)
        if loose:
            scores = self.scores(words)
            dutch, english = scores.get(DUTCH, 0.0), scores.get(ENGLISH, 0.0)
            if dutch == english:
                return None
            return ENGLISH if english > dutch else DUTCH
        scores = self.scores(words)
        german_top = scores and max(scores, key=scores.get) == GERMAN
        # German answers with a pointer, not the answer: it needs a longer message, more certainty
        # and no Dutch or English word ("valt oldenzaal onder twente of onder ijsselland?" and
        # "what kind of organisation is VRT" were read as German).
        if (
            german_top
            and len(words.split()) >= 3
            and scores[GERMAN] >= self.german_confidence
            and not self.not_german_words.intersection(words.split())
        ):
            return GERMAN
        dutch, english = scores.get(DUTCH, 0.0), scores.get(ENGLISH, 0.0)
        if dutch + english <= 0:
            return None
        # Function words of only one language overrule lingua's trigrams, which read short
        # Dutch messages with a loanword as English ("is de vrt innovatief?").
        own_words = self.by_words(words)
        if own_words:
            return own_words
        if english / (dutch + english) >= self.minimum_confidence:
            return ENGLISH
        if dutch / (dutch + english) >= self.minimum_confidence:
            return DUTCH
        return None

    def by_words(self, words: Text) -> Optional[str]:
        """The one language whose own words (`language_words`) occur in the message, or None."""
        found = {code for code, own in self.language_words.items() if own.intersection(words.split())}
        return found.pop() if len(found) == 1 else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageDetector(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "languages": ["nl", "en", "de"],
            "minimum_words": 3,
            "minimum_confidence": 0.8,
            "german_confidence": 0.9,
            "low_accuracy_mode": True,
            "german_intent": "duits",
            # The word lists are data (`data_settings`): neutral_terms, switch_phrases,
            # shared_words, language_words, not_german_words.
        }

    @classmethod
    def data_settings(cls) -> Dict[Text, Any]:
        return lexicon.language_lists()

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.language = MessageLanguage(
            config["languages"],
            config["minimum_words"],
            config["minimum_confidence"],
            config["german_confidence"],
            config["neutral_terms"],
            config["low_accuracy_mode"],
            config["shared_words"],
            config["language_words"],
            config["not_german_words"],
        )
        self.switch = {
            normalise(phrase): code
            for code, phrases in config["switch_phrases"].items()
            for phrase in phrases
        }
        self.german_intent = config["german_intent"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.lstrip().startswith("/"):
                continue
            switch_to = self.switch.get(normalise(text))
            if switch_to:
                override_intent(message, SWITCH_INTENT)
                entity = {
                    "entity": LANGUAGE_KEY,
                    "value": switch_to,
                    "start": 0,
                    "end": len(text),
                    "extractor": self.__class__.__name__,
                }
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
                message.set(LANGUAGE_KEY, switch_to, add_to_output=True)
                continue
            language = self.language.detect(text)
            if language is None:
                guess = self.language.detect(text, loose=True)
                if guess:
                    # For the emergency net only; the conversation does not follow it.
                    message.set(LANGUAGE_GUESS_KEY, guess)
                continue
            message.set(LANGUAGE_KEY, language, add_to_output=True)
            if language == GERMAN:
                override_intent(message, self.german_intent)
        return messages
