"""The question inside a long message: residents write a story and ask their question last.

"Gisteren reed er een brandweerauto door onze straat en mijn zoon wil nu alles weten over de
brandweer. Hoeveel kazernes zijn er eigenlijk?" The lexical classifier reads the n-grams of the
whole message, and the story's words drown the question's: it answers with the fallback or
"that I don't know". QuestionPartFinder, placed before the n-gram featurizer, finds the question
part of a message of at least `min_characters` characters and sets it as `question_part`; the
featurizer computes its n-grams too (vrt/nlu/ngrams.py) and the classifier takes the surer of
the whole message and the message with the part weighing more (vrt/nlu/lexical_classifier.py:
a question like "wanneer is dat opgericht?" names its topic only in the story). Everything after the
classifier that reads the text itself (the out-of-scope veto, the language, the emergency net)
still reads the whole message.

How the part is found (the words: lexicon/lookups/vraagwoorden.yml, read by vrt/nlu/lexicon.py):
- dictation's question mark ("vraagteken", "question mark") is read as "?";
- the message is split into sentences (after . ! ? and at line breaks), and at a comma that a
  question follows ("mijn auto staat bij de kazerne, wat is de safety campus?");
- the question sentence is the last one with a question mark; else the last sentence when it
  asks (it starts with a question word or a question verb, after small words like "en", or has a
  lead-in like "ik vraag me af", or a question word inside); else the last sentence that starts
  like a question;
- question sentences right before it join it ("Wie zit in het bestuur? En wat doen ze?"),
  up to `max_words` words;
- a sentence longer than `max_words` words (an unpunctuated message is one sentence) is cut at
  the first question word, or after the first lead-in, that leaves at most `max_words` words:
  "... en toen vroeg ik me af hoeveel kazernes hebben jullie" -> "hoeveel kazernes hebben jullie";
- a part shorter than `min_words` words gets the sentence before it ("Ik las over de Safety
  Campus. Wat is dat?"); a part that is still that short, or the whole message, is no part.

Measured with `python -m bench.long_messages` (docs/bench.md, "Issue 26: the question in a long
message") and the voices set.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.text import normalise

# The message attribute with the question part (in the parse data too, for the trace and
# `make report`).
QUESTION_PART_KEY = "question_part"

# A sentence ends after . ! ? or an ellipsis followed by white space, or at a line break.
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
CLAUSE_BREAK = re.compile(r"\s*[,;]\s+")
WORD = re.compile(r"\S+")


def _phrases(entries: Iterable[Text]) -> List[Tuple[Text, ...]]:
    """Lead-ins as tuples of normalised words, longest first (a longer one wins where both fit)."""
    phrases = {tuple(normalise(entry).split()) for entry in entries}
    return sorted((p for p in phrases if p), key=lambda p: (-len(p), p))


class QuestionFinder:
    """Finds the question part of a message (the module's docstring); no Rasa in it."""

    def __init__(
        self,
        question_words: Sequence[Text],
        question_starters: Sequence[Text],
        question_lead_ins: Sequence[Text],
        question_openers: Sequence[Text],
        dictated_question_marks: Sequence[Text],
        min_characters: int = 100,
        min_clause_characters: int = 60,
        min_words: int = 3,
        max_words: int = 15,
    ) -> None:
        self.question_words = {normalise(w) for w in question_words}
        self.question_starters = {normalise(w) for w in question_starters}
        self.lead_ins = _phrases(question_lead_ins)
        self.openers = {normalise(w) for w in question_openers}
        marks = sorted((m.strip() for m in dictated_question_marks if m.strip()), key=len, reverse=True)
        self.dictated = (
            re.compile(
                r"\s*\b(?:" + "|".join(r"\s+".join(map(re.escape, m.split())) for m in marks) + r")\b",
                re.IGNORECASE,
            )
            if marks
            else None
        )
        self.min_characters = int(min_characters)
        self.min_clause_characters = min(int(min_clause_characters), self.min_characters)
        self.min_words = int(min_words)
        self.max_words = int(max_words)

    @classmethod
    def from_config(cls, config: Dict[Text, Any]) -> "QuestionFinder":
        return cls(
            config["question_words"],
            config["question_starters"],
            config["question_lead_ins"],
            config["question_openers"],
            config["dictated_question_marks"],
            config["min_characters"],
            config["min_clause_characters"],
            config["min_words"],
            config["max_words"],
        )

    # -- words -------------------------------------------------------------------------------

    @staticmethod
    def _words(sentence: Text) -> List[Tuple[int, Text]]:
        """(start, normalised word) of each word; punctuation alone is no word."""
        found = []
        for match in WORD.finditer(sentence):
            word = normalise(match.group())
            if word:
                found.append((match.start(), word))
        return found

    def _lead_in_ends(self, words: List[Text]) -> List[int]:
        """The word positions right after each lead-in."""
        ends = []
        for i in range(len(words)):
            for phrase in self.lead_ins:
                if tuple(words[i : i + len(phrase)]) == phrase:
                    ends.append(i + len(phrase))
                    break
        return ends

    def _cut_positions(self, words: List[Text]) -> List[int]:
        """Where a question may start inside a sentence: at a question word, after a lead-in."""
        at_question_words = [i for i, word in enumerate(words) if word in self.question_words]
        return sorted(set(at_question_words + self._lead_in_ends(words)))

    def _starts_question(self, words: List[Text]) -> bool:
        rest = list(words)
        while rest and rest[0] in self.openers:
            rest.pop(0)
        return bool(rest) and (rest[0] in self.question_words or rest[0] in self.question_starters)

    def _asks(self, sentence: Text, last: bool) -> bool:
        if "?" in sentence:
            return True
        words = [w for _, w in self._words(sentence)]
        if self._starts_question(words) or self._lead_in_ends(words):
            return True
        return last and bool(self._cut_positions(words))

    def _clauses(self, sentence: Text) -> List[Text]:
        """The sentence split at each comma that a question follows ("mijn auto staat bij de
        kazerne, wat is de safety campus?"): the question after the comma is a sentence of its own."""
        pieces = CLAUSE_BREAK.split(sentence)
        clauses = [pieces[0]]
        for piece in pieces[1:]:
            if self._starts_question([w for _, w in self._words(piece)]):
                clauses.append(piece)
            else:
                clauses[-1] = f"{clauses[-1]}, {piece}"
        return clauses

    # -- the part ----------------------------------------------------------------------------

    def _question_sentence(self, sentences: List[Text]) -> Optional[int]:
        for i in reversed(range(len(sentences))):
            if "?" in sentences[i]:
                return i
        last = len(sentences) - 1
        if self._asks(sentences[last], last=True):
            return last
        for i in reversed(range(last)):
            if self._asks(sentences[i], last=False):
                return i
        return None

    def _cut(self, sentence: Text) -> Text:
        """A sentence of more than `max_words` words from its first question start that leaves at
        most `max_words` words (and at least `min_words`); else the sentence as it is."""
        words = self._words(sentence)
        if len(words) <= self.max_words:
            return sentence
        for position in self._cut_positions([w for _, w in words]):
            left = len(words) - position
            if self.min_words <= left <= self.max_words:
                return sentence[words[position][0] :]
        return sentence

    def _word_count(self, text: Text) -> int:
        return len(self._words(text))

    def find(self, text: Text) -> Optional[Text]:
        """The question part of `text`, or None for a short message or no part apart from the whole."""
        if len(text.strip()) < self.min_clause_characters:
            return None
        marked = self.dictated.sub("?", text) if self.dictated else text
        sentences = [
            clause
            for sentence in SENTENCE_BREAK.split(marked)
            if sentence and sentence.strip()
            for clause in self._clauses(sentence.strip())
        ]
        if len(text.strip()) < self.min_characters:
            # A shorter message: only a question after a comma, at its end ("mijn auto staat bij
            # de kazerne, wat is de safety campus?"), is a part.
            whole_sentences = [x for x in SENTENCE_BREAK.split(marked) if x and x.strip()]
            if len(whole_sentences) != 1 or len(sentences) < 2 or not sentences[-1].rstrip().endswith("?"):
                return None
        if not sentences:
            return None
        end = self._question_sentence(sentences)
        if end is None:
            return None
        start = end
        while (
            start > 0
            and self._asks(sentences[start - 1], last=False)
            and self._word_count(" ".join(sentences[start - 1 : end + 1])) <= self.max_words
        ):
            start -= 1
        part = self._cut(" ".join(sentences[start : end + 1]))
        while self._word_count(part) < self.min_words and start > 0:
            start -= 1
            part = " ".join(sentences[start : end + 1])
        if self._word_count(part) < self.min_words or normalise(part) == normalise(text):
            return None
        return part


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionPartFinder(ConfiguredComponent):
    """Sets `question_part` on long messages (the module's docstring). Before
    vrt.nlu.ngrams.NgramFeaturizer in config.yml, which computes the part's n-grams."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # min_characters: shorter messages are read whole; min_words / max_words: the length
        # of a question part (docs/bench.md, "Issue 26").
        return {"min_characters": 100, "min_clause_characters": 60, "min_words": 3, "max_words": 15}

    @classmethod
    def data_settings(cls) -> Dict[Text, Any]:
        from vrt.nlu import lexicon

        return lexicon.question_lists()

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.finder = QuestionFinder.from_config(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # buttons and commands
                continue
            part = self.finder.find(text)
            if part:
                message.set(QUESTION_PART_KEY, part, add_to_output=True)
        return messages
