"""Keyword safety net for emergencies.

Runs last in the NLU pipeline, with two kinds of patterns, read from
lexicon/regex/noodgeval.yml (vrt/nlu/lexicon.py) whenever a model is loaded, so the bot and the
channel's guard (vrt/privacy/guard.py) use the same net:

The English net (`english_patterns`, `english_short_patterns`, `english_unsure_patterns`,
`english_ordinary_question`) is added to the Dutch one: both apply to every message. It also
decides the language of the 112 answer when the language detector left it open:
- an `english_patterns` match ("i smell gas", "not breathing") makes the message English;
- an `english_short_patterns` match ("fire!", "smoke") makes it English when the detector's
  loose guess, over the words that are not Dutch too ("gas", "help"), is English; when only such
  words are left ("help!!", "gas") the message gets the hint `taal_gok: en`, which the
  conversation follows only when no earlier message had a clear language (vrt/nlu/language.py).

- `patterns` describe a situation happening now ("ik ruik gas", "er is brand"). A match
  makes the intent `noodgeval` with confidence 1.0, whatever the intent classifier or the fallback
  classifier said, so the rule answers "bel 112" first even at low NLU confidence.
- `unsure_patterns` are words that also occur in ordinary questions ("hoe voorkom ik
  brand?"), and `patterns` matches in a message with words of an ordinary question
  (`ordinary_question`: "vorig jaar", "oefenen"). When only these match and the model
  understood the message as one of `answer_after_112`, the intent stays and the entity
  `noodsignaal` is added: the rules
  then put the 112 line first and the answer after it. The same for `ask_after_112`
  (`verduidelijk`: the 112 line, then the buttons; `nlu_fallback`: the 112 line, then "say it
  differently"), `nlu_fallback` only with words of an ordinary question: a message the model
  did not understand, with an alarm word and nothing ordinary about it, gets the 112 answer.
  When the model itself said `noodgeval` and the message has words of an ordinary question
  ("hoe voorkom ik brand", "vorig jaar", "in een film"), the whole 112 answer comes first (the
  model may be right) and the best intent of the ranking in `answer_after_112` answers after it
  (entities `noodsignaal` and `model_entity`); so too for a `patterns` match in an ordinary
  question, and in a message of `long_message_words` words or more (a story, a question with
  its background), after the intent the model chose. Residents' voices, issue 26: the 13
  ordinary questions that still got only 112 had 14 to 42 words; the emergencies among them
  keep the whole 112 answer first. Otherwise the intent becomes
  `noodgeval`, as for a sure match: a false alarm is safer than a missed emergency.
  Issue 26: 9 of 54 questions of the residents' voices with an alarm word got only the 112
  answer; the probes of tests/unit/emergency_probes.yml measure it (21 of 101 before).

When no pattern matches, or only an unsure one, but the model's own `noodgeval` probability
reached `model_emergency_share` while another intent won, in a message of at least
`long_message_words` words (issue 26: after ~1,500 FAQ and
out-of-scope examples in residents' voices, long stories of an emergency now, ending in "wat moet
ik doen" or "mag ik dat melden bij jullie", went to those intents with `noodgeval` second at
0.40-0.44), the whole 112 answer comes first and that intent's answer after it (level `model`).
So too when the model itself said `noodgeval` below `model_unsure_below`, without an alarm word,
in a message with words of an ordinary question ("wat kan ik doen als iemand door het ijs zakt").

The output key `emergency_net` records the pattern and what the model said before the
net (bench/answers.py measures the model alone with it).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Pattern, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from vrt.nlu import lexicon
from vrt.nlu.base import ConfiguredComponent
from vrt.nlu.intent import override_intent
from vrt.nlu.language import DUTCH, ENGLISH, GERMAN, LANGUAGE_GUESS_KEY, LANGUAGE_KEY
from vrt.nlu.text import normalise

logger = logging.getLogger(__name__)

NET_OUTPUT = "emergency_net"
SURE = "zeker"
UNSURE = "onzeker"
# No pattern matched, but the model's own `noodgeval` probability reached `model_emergency_share`.
MODEL = "model"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyKeywordClassifier(ConfiguredComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The pattern lists are data (`data_settings`).
        return {
            "intent": "noodgeval",
            "answer_after_112": [],
            "ask_after_112": [],
            "ordinary_only": [],
            "entity": "noodsignaal",
            "model_entity": "noodsituatie",
            "long_message_words": 12,
            "model_emergency_share": 1.01,
            "model_unsure_below": 0.0,
        }

    @classmethod
    def data_settings(cls) -> Dict[Text, Any]:
        return lexicon.emergency_nets()

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.intent = config["intent"]
        if not config["patterns"]:
            raise ValueError("EmergencyKeywordClassifier needs at least one pattern.")
        self.patterns = [
            re.compile(p)
            for p in config["patterns"] + config["english_patterns"] + config["english_short_patterns"]
        ]
        self.unsure_patterns = [
            re.compile(p) for p in config["unsure_patterns"] + config["english_unsure_patterns"]
        ]
        self.english_patterns = [re.compile(p) for p in config["english_patterns"]]
        self.english_short_patterns = [re.compile(p) for p in config["english_short_patterns"]]
        ordinary = "|".join(
            f"(?:{p})" for p in config["ordinary_question"] + config["english_ordinary_question"]
        )
        self.ordinary_question = re.compile(ordinary) if ordinary else None
        self.answer_after_112 = set(config["answer_after_112"])
        self.ask_after_112 = set(config["ask_after_112"])
        self.ordinary_only = set(config["ordinary_only"])
        self.entity = config["entity"]
        self.model_entity = config["model_entity"]
        self.long_message_words = int(config["long_message_words"])
        self.model_emergency_share = float(config["model_emergency_share"])
        self.model_unsure_below = float(config["model_unsure_below"])

    @staticmethod
    def prepare(text: Text) -> Text:
        """Normalised text; " ?" at the end keeps a question recognisable for the patterns."""
        return normalise(text) + (" ?" if "?" in text else "")

    @staticmethod
    def _first_match(patterns: List[Pattern], folded: Text) -> Optional[re.Match]:
        for pattern in patterns:
            found = pattern.search(folded)
            if found:
                return found
        return None

    def _set_emergency_language(self, message: Message, folded: Text) -> None:
        """English for the 112 answer when the English net matched and the message is not clearly
        Dutch (or German); see the module docstring."""
        if message.get(LANGUAGE_KEY) in (DUTCH, GERMAN):
            return
        if self._first_match(self.english_patterns, folded):
            message.set(LANGUAGE_KEY, ENGLISH, add_to_output=True)
        elif self._first_match(self.english_short_patterns, folded):
            guess = message.get(LANGUAGE_GUESS_KEY)
            if guess == ENGLISH:
                message.set(LANGUAGE_KEY, ENGLISH, add_to_output=True)
            elif guess is None and not message.get(LANGUAGE_KEY):
                message.set(LANGUAGE_GUESS_KEY, ENGLISH, add_to_output=True)

    def match(self, text: Optional[Text]) -> Optional[Text]:
        """The first sure pattern that matches the folded text, or None."""
        if not text:
            return None
        folded = self.prepare(text)
        if self.ordinary_question and self.ordinary_question.search(folded):
            return None
        found = self._first_match(self.patterns, folded)
        return found.re.pattern if found else None

    def _answer_after_112(self, previous: Optional[Text], ordinary: bool) -> Optional[Text]:
        """The intent that answers after the 112 line when the net is unsure, or None (112 only)."""
        if previous in self.answer_after_112:
            return previous
        if previous in self.ask_after_112 and (ordinary or previous not in self.ordinary_only):
            return previous
        return None

    def _answer_after_emergency(self, message: Message) -> Optional[Text]:
        """The best intent of the ranking that answers an ordinary question, or None."""
        for entry in message.get(INTENT_RANKING_KEY) or []:
            if entry.get(INTENT_NAME_KEY) in self.answer_after_112:
                return entry[INTENT_NAME_KEY]
        return None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            folded = self.prepare(text)
            previous = (message.get(INTENT) or {}).get("name")
            sure = self._first_match(self.patterns, folded)
            unsure = None if sure else self._first_match(self.unsure_patterns, folded)
            ordinary = bool(self.ordinary_question and self.ordinary_question.search(folded))
            demoted = sure is not None and ordinary
            if demoted:
                sure, unsure = None, sure
            # The model's own emergency reading, when another intent only just beat it (a story
            # with a question at the end, "mag ik dat melden"): the whole 112 answer, then the answer.
            # Only in a message of `long_message_words` words or more: a short one the model does
            # not know spreads its probability ("en delden?": noodgeval 0.41).
            model_heard = (
                previous != self.intent
                and len(folded.split()) >= self.long_message_words
                and _confidence_of(message, self.intent) >= self.model_emergency_share
                and self._answer_after_112(previous, True) is not None
            )
            # The model said `noodgeval`, but unsure, without an alarm word of the nets, in an
            # ordinary question ("wat kan ik doen als iemand door het ijs zakt", 0.39): as with
            # an alarm word.
            model_said = (
                previous == self.intent
                and ordinary
                and _confidence_of(message, self.intent) < self.model_unsure_below
            )
            if sure is None and unsure is None and not (model_heard or model_said):
                continue
            level = SURE if sure else UNSURE if unsure else MODEL
            found = sure or unsure
            message.set(
                NET_OUTPUT,
                {
                    "pattern": found.re.pattern if found else None,
                    "model_intent": previous,
                    "level": level,
                },
                add_to_output=True,
            )
            self._set_emergency_language(message, folded)
            # A long message (a story, a question with its background) may well be ordinary even
            # when it describes a situation: the whole 112 answer, then the answer.
            long = len(folded.split()) >= self.long_message_words
            situation = True
            if previous == self.intent:
                # The model heard an emergency: with words of an ordinary question or in a long
                # message, the whole 112 answer, then the best answer; otherwise 112 only.
                answer = self._answer_after_emergency(message) if ordinary or long else None
            elif sure is not None or demoted:
                # A situation: 112 only, unless it is in an ordinary question or a long message.
                answer = self._answer_after_112(previous, True) if demoted or long else None
            elif model_heard:
                answer = self._answer_after_112(previous, True)
            else:
                # Alarm words only: the 112 line, then the answer.
                answer = self._answer_after_112(previous, ordinary)
                situation = answer is None and long
                if situation:
                    answer = self._answer_after_112(previous, True)
            signals = [self.entity, self.model_entity] if situation else [self.entity]
            if answer is not None:
                if answer != previous:
                    override_intent(message, answer, _confidence_of(message, answer))
                # The span of the matched words in the original text, where it can be found.
                words = found.group(0) if found else text
                start = text.lower().find(words)
                start, end = (start, start + len(words)) if start >= 0 else (0, len(text))
                entities = [
                    {
                        "entity": name,
                        "value": words,
                        "start": start,
                        "end": end,
                        "extractor": self.__class__.__name__,
                    }
                    for name in signals
                ]
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities], add_to_output=True)
                continue
            if previous != self.intent:
                logger.info("Emergency pattern %r overrides intent %r", found.re.pattern, previous)
            override_intent(message, self.intent)
        return messages


def _confidence_of(message: Message, name: Text) -> float:
    for entry in message.get(INTENT_RANKING_KEY) or []:
        if entry.get(INTENT_NAME_KEY) == name:
            return float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return 0.0


# --- the same net in the browser ---------------------------------------------------------
# The widget (web/vrt-chat.js) shows "Bel nu 112" before the server answers when a typed
# message matches `patterns` (and not `ordinary_question`), as EmergencyKeywordClassifier.match
# does. The Rasa server serves them (GET /webhooks/rest/emergency) translated to JavaScript
# regular expressions with the `u` flag: Python's \w, \W and \b are Unicode-aware, JavaScript's
# are ASCII only, so they become Unicode property classes and look-arounds.
JS_WORD = r"[\p{L}\p{N}_]"
JS_NOT_WORD = r"[^\p{L}\p{N}_]"
JS_BOUNDARY = rf"(?:(?<={JS_WORD})(?!{JS_WORD})|(?<!{JS_WORD})(?={JS_WORD}))"
_JS_ESCAPES = {"w": JS_WORD, "W": JS_NOT_WORD, "b": JS_BOUNDARY}
# Escapes that mean the same in both (with the `u` flag); anything else is refused.
_SAME_ESCAPES = set("sSdD.?*+()[]{}|^$\\-/")


def js_regex(pattern: Text) -> Text:
    """A Python pattern of the net as a JavaScript pattern (flag `u`) that matches the same texts.

    Raises ValueError for constructs whose meaning differs (named groups, inline flags,
    \\A, \\Z, \\w inside [...]), so a new pattern cannot silently match differently.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in _JS_ESCAPES and not in_class:
                out.append(_JS_ESCAPES[nxt])
            elif nxt in _SAME_ESCAPES:
                out.append(ch + nxt)
            else:
                raise ValueError(f"no faithful JavaScript for '\\{nxt}' in {pattern!r}")
            i += 2
            continue
        if ch == "(" and pattern[i + 1 : i + 2] == "?" and pattern[i + 2 : i + 3] not in (":", "=", "!"):
            raise ValueError(f"no faithful JavaScript for '(?{pattern[i + 2 : i + 3]}' in {pattern!r}")
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def client_net(classifier: "EmergencyKeywordClassifier") -> Dict[Text, Any]:
    """What the widget needs to match as `classifier.match` does."""
    ordinary = classifier.ordinary_question
    return {
        "flags": "u",
        "patterns": [js_regex(p.pattern) for p in classifier.patterns],
        # A match of these makes the immediate 112 line English (as `_set_emergency_language`; the
        # short patterns share words with Dutch, "gas", "help", so they keep the widget's language).
        "english_patterns": [js_regex(p.pattern) for p in classifier.english_patterns],
        "ordinary_question": js_regex(ordinary.pattern) if ordinary else None,
    }
