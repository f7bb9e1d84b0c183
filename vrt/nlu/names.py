"""A question about one named thing gets that thing's FAQ answer: "wat is de GHOR", "ghor??",
"en de risk factory?", "what is the GHOR", "wat betekent IVZ".

The names and everyday words come from lexicon/lookups/namen.yml (one table per FAQ topic), the
question words around them from lexicon/lookups/naamvragen.yml (vrt/nlu/lexicon.py). A message
counts only when it is one name (or a misspelling one letter off a long name) and question words,
nothing else: a longer question that merely contains a name keeps the classifier's understanding.
Why: with a name and little else the classifier has only the question words to go on, and
"wat is de <word>" is the out-of-scope set's favourite shape ("wat is de GHOR" went to
buiten_bereik at 0.72 while "GHOR?" alone got its answer). Measured on the same machine
(bench.answers / bench.voices, 2026-12-04): held-out answer accuracy 0.954 -> 0.956, out of
scope wrong 0.048 -> 0.048; voices answer accuracy 0.806 -> 0.808, out of scope wrong unchanged.

After the out-of-scope veto and asking back, which would otherwise undo a sure name; before the
language detector and the emergency net, which keeps the last word. A place question and an
emergency the classifier saw are left alone; a button payload is no name.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.clarify import CANDIDATES_KEY
from vrt.nlu.faq_payload import select_answer
from vrt.nlu.intent import override_intent
from vrt.nlu.lexicon import faq_names, name_question_words
from vrt.nlu.text import normalise

# Names this long (without spaces) also match with one letter wrong, missing or extra.
FUZZY_LENGTH = 8


def words_of(text: Text) -> List[Text]:
    """Lower case words without punctuation or diacritics; hyphens split ("oost-nederland")."""
    return normalise(text).replace("-", " ").replace("_", " ").split()


def one_edit_apart(a: Text, b: Text) -> bool:
    """At most one letter changed, missing or extra."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


class NameIndex:
    """The names of every FAQ topic, looked up as words and with the spaces removed."""

    def __init__(self, names: Dict[Text, List[Text]], fillers: List[Text]) -> None:
        self.fillers = {w for filler in fillers for w in words_of(filler)}
        self.topics: Dict[Text, Text] = {}
        for topic, entries in names.items():
            for entry in entries:
                self.topics["".join(words_of(entry))] = topic

    def topic_of_span(self, span: List[Text]) -> Optional[Text]:
        squashed = "".join(span)
        if squashed in self.topics:
            return self.topics[squashed]
        if len(squashed) < FUZZY_LENGTH:
            return None
        near = {
            t
            for name, t in self.topics.items()
            if len(name) >= FUZZY_LENGTH and one_edit_apart(name, squashed)
        }
        return near.pop() if len(near) == 1 else None

    def topic(self, text: Text, max_words: int) -> Optional[Text]:
        """The topic of the one name in `text` when every other word is a question word."""
        words = words_of(text)
        if not words or len(words) > max_words:
            return None
        found: List[Tuple[int, Text]] = []
        for start in range(len(words)):
            if any(w not in self.fillers for w in words[:start]):
                break
            for end in range(len(words), start, -1):
                if any(w not in self.fillers for w in words[end:]):
                    break
                span = words[start:end]
                if all(w in self.fillers for w in span):
                    continue
                topic = self.topic_of_span(span)
                if topic:
                    found.append((end - start, topic))
        if not found:
            return None
        longest = max(length for length, _ in found)
        topics = {t for length, t in found if length == longest}
        return topics.pop() if len(topics) == 1 else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NameQuestionClassifier(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            # Never overridden: a place question, an emergency the classifier saw.
            "keep_intents": ["plaats", "noodgeval"],
            # A name and a few question words; longer messages are more than a name.
            "max_words": 12,
        }

    @classmethod
    def data_settings(cls) -> Dict[Text, Any]:
        return {"names": faq_names(), "question_words": name_question_words()}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.index = NameIndex(config["names"], config["question_words"])

    def topic(self, text: Text) -> Optional[Text]:
        """The FAQ topic of a message that is one name and question words, else None."""
        if re.match(r"\s*/", text):
            return None
        return self.index.topic(text, self.config["max_words"])

    def process(self, messages: List[Message]) -> List[Message]:
        intent_name = self.config["retrieval_intent"]
        for message in messages:
            if (message.get(INTENT) or {}).get("name") in self.config["keep_intents"]:
                continue
            topic = self.topic(message.get(TEXT) or "")
            if topic is None:
                continue
            override_intent(message, intent_name)
            select_answer(message, intent_name, f"{intent_name}/{topic}")
            if message.get(CANDIDATES_KEY):
                message.set(CANDIDATES_KEY, [], add_to_output=True)
        return messages
