"""Rasa's RulePolicy, matching the rules against the last turns of a conversation only.

Rasa's RulePolicy builds the states of the whole session at every prediction (two per
message), replaying every event: 1.2 ms of CPU at turn 2, 11 ms at turn 55 here, the reply
time grows with every turn (docs/bench.md, "training time, model load and the cost of a
message"). A rule cannot look further back than that: with `restrict_rules` (Rasa's default)
a rule holds at most one user message, so it spans the actions before that message, the
message and the actions after it. This policy gives RulePolicy a tracker with the last
`turns` user turns (from the `action_listen` before the first of them), which has the same
last states. It refuses to load rules that need more: a rule from the conversation's start
(`conversation_start: true`) or with more than one user message. Training is RulePolicy's.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.rule_policy import RULES, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from vrt.knowledge import FAQ_RESPONSE_PREFIX, load_follow_up_questions
from vrt.nlu import lexicon
from vrt.nlu.text import normalise


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class RecentTurnsRulePolicy(RulePolicy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Two turns hold every rule of at most one user message; one more to be safe.
        return {**RulePolicy.get_default_config(), "turns": 3}

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        return super()._prediction_states(
            recent_turns(tracker, int(self.config["turns"])),
            domain,
            use_text_for_last_user_input=use_text_for_last_user_input,
            rule_only_data=rule_only_data,
        )

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        resource = super().train(training_trackers, domain, **kwargs)
        self.check_rules()
        return resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RecentTurnsRulePolicy:
        policy = super().load(config, model_storage, resource, execution_context, **kwargs)
        policy.check_rules()
        return policy

    def check_rules(self) -> None:
        """Raises when a rule may need more of the conversation than the last `turns` turns."""
        if not self.config["restrict_rules"]:
            raise ValueError("RecentTurnsRulePolicy needs restrict_rules: true (one user message a rule)")
        for key in self.lookup.get(RULES, {}):
            states = self._rule_key_to_state(key)
            if states and not states[0]:
                raise ValueError(
                    f"RecentTurnsRulePolicy cannot match a rule from the conversation's start: {key}"
                )


def recent_turns(tracker: DialogueStateTracker, turns: int) -> DialogueStateTracker:
    """The tracker from the `action_listen` before its `turns`-th last user message; the tracker
    itself when it is not longer than that."""
    events = tracker.events
    users = 0
    start = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered):
            users += 1
        elif users >= turns and isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME:
            start = index
            break
    if start is None:
        return tracker
    recent = tracker.init_copy()
    for index in range(start, len(events)):
        recent.update(events[index])
    return recent


class FollowUpPolicy(Policy):
    """A policy that learns nothing from the stories: its config (defaults, then config.yml) and
    the data files it reads decide. The base of the three follow-up policies below."""

    def __init__(self, config: Dict[Text, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__({**self.get_default_config(), **config}, *args, **kwargs)

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def answer(self, tracker: DialogueStateTracker) -> Optional[Text]:
        """The action that answers the latest message in context, or None (abstain)."""
        raise NotImplementedError

    def nlu_unsure(self, message: UserUttered) -> bool:
        """The NLU was unsure: an intent of `unsure_intents`, or an FAQ answer below `faq_confidence`."""
        intent = (message.intent or {}).get("name")
        return intent in self.config["unsure_intents"] or (
            intent == "faq" and faq_confidence(message.parse_data) < float(self.config["faq_confidence"])
        )

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """`answer` with confidence 1.0 while the bot has not answered the message, then
        action_listen after it; all zeros otherwise."""
        probabilities = self._default_predictions(domain)
        done = actions_since_message(tracker)
        answer = self.answer(tracker) if len(done) <= 1 else None
        if answer is not None:
            wanted = ACTION_LISTEN_NAME if done == [answer] else answer if not done else None
            if wanted in domain.action_names_or_texts:
                probabilities[domain.index_for_action(wanted)] = 1.0
        return self._prediction(probabilities)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class EmergencyFollowUpPolicy(FollowUpPolicy):
    """The 112 answer again, first, for what a resident asks right after an emergency answer.

    Why: the rules hold one user message, so the emergency was forgotten one message later.
    After "er komt rook uit de schuur van de buren!" (112 first), "wat moet ik doen" got "Daar
    weet ik helaas geen antwoord op", and "en nu?" after "mijn opa is net flauwgevallen" got
    "Waarover wil je meer weten?": 2 of 6 such follow-ups got 112 first (measured from outside).
    A resident who asks what to do in an emergency needs 112 again, not a fallback.

    Predicts `action` (utter_noodgeval) with confidence 1.0 when the bot is listening, it said
    `action` within the last `turns` user messages (this one included), and the new message
    matches a `what_now` pattern (lexicon/regex/na_noodgeval.yml, Dutch and English) or has at
    most `short_words` words and is not one of `except_intents` ("bedankt", "doei", "tell me
    more": a story of tests/stories/ wants the details there; and a question the NLU understood,
    "wat doet vrt?" right after "er is brand!": tests/e2e/test_notice.py wants its answer and the
    notice pointer, and a resident asking it has moved on). Then
    action_listen after its own `action`. Abstains (all zeros) otherwise, also when the NLU
    itself found an emergency or the `noodsignaal` entity: the rules answer 112 first there.
    Its priority is above RulePolicy's (6) and TopicFollowUpPolicy's (7), so it wins the tie at
    confidence 1.0. Nothing to
    train: the patterns are read when the model is loaded, like the emergency net's.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Above TopicFollowUpPolicy (7): after an emergency, 112 comes first.
            "priority": 8,
            "action": "utter_noodgeval",
            "turns": 3,
            "short_words": 4,
            "emergency_intent": "noodgeval",
            "emergency_entity": "noodsignaal",
            "except_intents": [
                "bedankt",
                "afscheid",
                "feedback",
                "vertel_meer",
                "faq",
                "beleidsplan",
                "actuele_melding",
                "plaats",
            ],
        }

    def __init__(self, config: Dict[Text, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.what_now = [re.compile(p) for p in lexicon.emergency_follow_ups()]

    def is_follow_up(self, text: Optional[Text], intent: Optional[Text]) -> bool:
        """A "what now" message, or a short one that is not thanks or goodbye."""
        folded = normalise(text or "")
        if any(p.search(folded) for p in self.what_now):
            return True
        return 0 < len(folded.split()) <= int(self.config["short_words"]) and intent not in set(
            self.config["except_intents"]
        )

    def emergency_recently(self, tracker: DialogueStateTracker) -> bool:
        """`action` happened before one of the last `turns` user messages."""
        users = 0
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                users += 1
                if users > int(self.config["turns"]):
                    return False
            elif isinstance(event, ActionExecuted) and event.action_name == self.config["action"]:
                return users > 0
        return False

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.config["action"]
        last = tracker.latest_action_name
        message = tracker.latest_message
        intent = (message.intent or {}).get("name") if message else None
        entities = {e.get("entity") for e in (message.entities if message else [])}
        if last == action and self._said_after_message(tracker):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif (
            last == ACTION_LISTEN_NAME
            and message is not None
            and intent != self.config["emergency_intent"]
            and self.config["emergency_entity"] not in entities
            and self.emergency_recently(tracker)
            and self.is_follow_up(message.text, intent)
        ):
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def _said_after_message(self, tracker: DialogueStateTracker) -> bool:
        """Whether `action` was this policy's: said in answer to a follow-up, not to an emergency
        (then RulePolicy's rule goes on, which predicts action_listen too)."""
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                intent = (event.intent or {}).get("name")
                entities = {e.get("entity") for e in event.entities}
                return (
                    intent != self.config["emergency_intent"]
                    and self.config["emergency_entity"] not in entities
                )
        return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class TopicFollowUpPolicy(FollowUpPolicy):
    """A follow-up question without a topic, read in the context of the last FAQ answer.

    Why: the rules hold one user message, and the NLU reads each message alone. "En wie betaalt
    dat?" after the answer about the IVZ platform got "Bedoel je ...?", "hoort dat ook bij
    jullie?" got the list of municipalities, "waarom?" got "Sorry, dat begrijp ik niet": on the
    residents' voices set 0.579 of such follow-ups were right (bench.voices,
    `followup_by_kind.topic`).

    When one of the last `turns` bot turns gave an FAQ answer (`utter_faq/<topic>`), and the new
    message asks a kind of follow-up question (lexicon/regex/vervolgvraag.yml: who pays, since
    when, why, ...), this policy predicts the answer that knowledge/vervolgvragen.yml gives for
    that kind after that topic (often the same answer again: it holds the fact asked for), with
    confidence 1.0, then action_listen. It acts only on messages whose intent is one of
    `intents`, with at most `max_words` words, and
    - that are the question and nothing else: around the pattern only filler and referring words
      (lexicon/lookups/vervolgvraag.yml), or `extra_words` more words and a referring word
      ("waarom is dat nodig?"); then it overrides even a sure FAQ answer, which the NLU gave
      without knowing what "dat" is;
    - or that hold a referring word and the NLU was unsure (`unsure_intents`, or an FAQ answer
      below `faq_confidence`).
    A kind the file has no answer for after that topic gets `no_answer` (an honest "Meer heb ik
    hier niet over") when the NLU found nothing (`no_answer_intents`); else the policy abstains
    and the rules answer as before (action_vertel_meer for "vertel meer", the clarifying question,
    the NLU's own FAQ answer). Emergencies and places are not its intents; EmergencyFollowUpPolicy
    has a higher priority. Nothing to train: the files are read when the model is loaded.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            "turns": 2,
            "max_words": 12,
            "extra_words": 2,
            "intents": ["faq", "nlu_fallback", "buiten_bereik", "verduidelijk", "vertel_meer"],
            "unsure_intents": ["nlu_fallback", "buiten_bereik", "verduidelijk", "vertel_meer"],
            "no_answer_intents": ["nlu_fallback", "buiten_bereik"],
            "faq_confidence": 0.5,
            "faq_action": "utter_faq",
            "no_answer": "utter_vertel_meer_geen_details",
            "pass_over": [
                "utter_default",
                "utter_buiten_bereik",
                "utter_verduidelijk",
                "utter_vertel_meer_geen_details",
            ],
            "emergency_entity": "noodsignaal",
        }

    def __init__(self, config: Dict[Text, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.kinds = {
            kind: [re.compile(p) for p in patterns] for kind, patterns in lexicon.follow_up_kinds().items()
        }
        words = lexicon.follow_up_words()
        self.referring = set(words["referring_words"])
        self.fillers = set(words["filler_words"]) | self.referring
        self.answers = load_follow_up_questions(kinds=set(self.kinds))

    def kind_of(self, text: Optional[Text]) -> Optional[Tuple[Text, bool, bool]]:
        """The kind of follow-up question, whether the message is that question and nothing else,
        and whether it has a referring word; None when it is not a follow-up question."""
        folded = normalise(text or "")
        words = folded.split()
        if not words or len(words) > int(self.config["max_words"]):
            return None
        referring = any(w in self.referring for w in words)
        for kind, patterns in self.kinds.items():
            for pattern in patterns:
                match = pattern.search(folded)
                if match:
                    rest = (folded[: match.start()] + " " + folded[match.end() :]).split()
                    own = [w for w in rest if w not in self.fillers]
                    bare = not own or (referring and len(own) <= int(self.config["extra_words"]))
                    return kind, bare, referring
        return None

    def answer(self, tracker: DialogueStateTracker) -> Optional[Text]:
        """The action that answers the latest message in context, or None."""
        message = tracker.latest_message
        if message is None:
            return None
        intent = (message.intent or {}).get("name")
        entities = {e.get("entity") for e in message.entities}
        if intent not in self.config["intents"] or self.config["emergency_entity"] in entities:
            return None
        topic = last_faq_topic(
            tracker, int(self.config["turns"]), self.config["faq_action"], self.config["pass_over"]
        )
        found = self.kind_of(message.text) if topic else None
        if found is None:
            return None
        kind, bare, referring = found
        if not (bare or (referring and self.nlu_unsure(message))):
            return None
        answer = self.answers.get(topic, {}).get(kind)
        if answer is None and intent in self.config["no_answer_intents"]:
            return self.config["no_answer"]
        return answer


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class PlaceFollowUpPolicy(FollowUpPolicy):
    """A follow-up about a place, read in the context of the last answer.

    Why: the NLU reads each message alone, and a message that is only a place counts as a place
    question there only for a known Dutch municipality ("en Zwolle?"). After "Ja, Tubbergen is een
    van de 14 gemeenten", "en Ootmarsum?" got "Daar weet ik helaas geen antwoord op", "and
    Gronau?" got "Sorry, dat begrijp ik niet", and "hoort dat ook bij jullie?" the list; on the
    residents' voices set 0.609 of the place follow-ups were right (bench.voices,
    `followup_by_kind.places`).

    When the last answer, in the last `turns` user turns, was a place answer (one of `after`) or
    an FAQ answer about the municipalities or the region (`after_topics`), this policy predicts
    `action` (action_plaats) with confidence 1.0, then action_listen, for
    - a message that is only a place, any place ("en Delden?", "ook Deventer?", "and Nordhorn?":
      `PlaceQuestions.follow_up_place`, patterns and word lists in lexicon/regex/plaatsen.yml);
    - a message that says where the resident lives, and nothing else ("ik woon in Markelo"), or
      more when the NLU was unsure (`unsure_intents`, or an FAQ answer below `faq_confidence`);
    - after a place answer: a question whether "that" belongs to VRT too, at most `max_words`
      words ("hoort dat ook bij jullie?": the kinds `referring_kinds` of
      lexicon/regex/vervolgvraag.yml with a word of `plaats_verwijzing`); action_plaats then
      answers about the place named before (after the list of municipalities,
      knowledge/vervolgvragen.yml sends these to action_plaats through TopicFollowUpPolicy);
    - after another FAQ answer: that question when the message before named a place ("ik woon
      in Goor, wat doen jullie?") and knowledge/vervolgvragen.yml has no answer for it after that
      topic (it has one after the Zorg- en Veiligheidshuis: "that" is the ZVH there).
    It abstains for a message the NLU already read as a place question with its place (the rule
    answers it), for `except_intents` and for an emergency signal; EmergencyFollowUpPolicy has a
    higher priority. Nothing to train: the patterns are read when the model is loaded.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            "action": "action_plaats",
            "turns": 2,
            "max_words": 10,
            "after": ["action_plaats", "utter_plaats_ja", "utter_plaats_nee", "utter_plaats_onbekend"],
            "after_topics": ["gemeenten"],
            "referring_kinds": ["hoort_bij_jullie", "een_van"],
            # Where the resident lives ("en als ik in Goor woon?") counts when the NLU was unsure.
            "unsure_intents": ["nlu_fallback", "buiten_bereik", "verduidelijk", "vertel_meer", "plaats"],
            "faq_confidence": 0.5,
            "except_intents": [
                "noodgeval",
                "groet",
                "afscheid",
                "bedankt",
                "feedback",
                "taal_kiezen",
                "ben_je_een_mens",
            ],
            "faq_action": "utter_faq",
            # Answers that did not understand: the thread goes on across them.
            "pass_over": [
                "utter_default",
                "utter_buiten_bereik",
                "utter_verduidelijk",
                "action_verduidelijk",
            ],
            "place_intent": "plaats",
            "place_entity": "plaats",
            "emergency_entity": "noodsignaal",
        }

    def __init__(self, config: Dict[Text, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        from vrt.nlu.places import place_questions

        self.places = place_questions()
        kinds = lexicon.follow_up_kinds()
        self.referring_questions = {
            kind: [re.compile(p) for p in kinds[kind]] for kind in self.config["referring_kinds"]
        }
        self.topic_answers = load_follow_up_questions(kinds=set(kinds))

    def after_place_answer(self, tracker: DialogueStateTracker) -> bool:
        """Whether the last answer, in the last `turns` user turns, was a place answer."""
        events = list(tracker.events)
        users = [i for i, e in enumerate(events) if isinstance(e, UserUttered)]
        if not users:
            return False
        seen = 0
        after = set(self.config["after"])
        pass_over = set(self.config["pass_over"])
        for event in reversed(events[: users[-1]]):
            if isinstance(event, BotUttered):
                action = (event.metadata or {}).get("utter_action") or ""
                if action in after:
                    return True
                if action and action not in pass_over:
                    return False
            elif isinstance(event, ActionExecuted):
                name = event.action_name or ""
                if name in after:
                    return True
                if (
                    name
                    and name not in pass_over
                    and name not in (ACTION_LISTEN_NAME, "action_session_start")
                ):
                    return False
            elif isinstance(event, UserUttered):
                seen += 1
                if seen >= int(self.config["turns"]):
                    return False
        return False

    def refers_back(self, text: Optional[Text]) -> Optional[Text]:
        """ "hoort dat ook bij jullie?": the kind of question (`referring_kinds`) when it asks whether
        a place named before belongs to VRT, else None."""
        folded = normalise(text or "")
        if not (
            0 < len(folded.split()) <= int(self.config["max_words"]) and self.places.refers_to_a_place(folded)
        ):
            return None
        for kind, patterns in self.referring_questions.items():
            if any(p.search(folded) for p in patterns):
                return kind
        return None

    def place_named_before(self, tracker: DialogueStateTracker) -> bool:
        """Whether the user message before the latest one named a place ("ik woon in Goor, wat
        doen jullie?")."""
        users = [e for e in tracker.events if isinstance(e, UserUttered)]
        if len(users) < 2:
            return False
        before = users[-2]
        return self.places.place_in_message(before.text or "", before.entities) is not None

    def wants_place_answer(self, tracker: DialogueStateTracker) -> bool:
        message = tracker.latest_message
        if message is None or not message.text:
            return False
        intent = (message.intent or {}).get("name")
        entities = {e.get("entity") for e in message.entities}
        if intent in self.config["except_intents"] or self.config["emergency_entity"] in entities:
            return False
        if intent == self.config["place_intent"] and self.config["place_entity"] in entities:
            return False
        if self.after_place_answer(tracker):
            return self.about_a_place(message) or self.refers_back(message.text) is not None
        topic = last_faq_topic(
            tracker, int(self.config["turns"]), self.config["faq_action"], self.config["pass_over"]
        )
        if topic in self.config["after_topics"] and self.about_a_place(message):
            return True
        # After another FAQ answer, "hoort dat ook bij jullie?" is about the place the question
        # before named, unless knowledge/vervolgvragen.yml answers it for that topic (the ZVH).
        kind = self.refers_back(message.text) if topic else None
        return (
            kind is not None
            and self.topic_answers.get(topic, {}).get(kind) is None
            and self.place_named_before(tracker)
        )

    def about_a_place(self, message: UserUttered) -> bool:
        """A message that is only a place, or says where the resident lives."""
        text = message.text or ""
        if self.places.follow_up_place(text) or self.places.place_named(text, alone=True):
            return True
        # "maar ik woon in Goor, en nu?": more words only when the NLU was unsure.
        return (
            self.nlu_unsure(message)
            and len(text.split()) <= int(self.config["max_words"])
            and self.places.place_named(text) is not None
        )

    def answer(self, tracker: DialogueStateTracker) -> Optional[Text]:
        return self.config["action"] if self.wants_place_answer(tracker) else None


def actions_since_message(tracker: DialogueStateTracker) -> List[Text]:
    """The actions after the latest user message; [] while the bot has not answered it yet."""
    actions: List[Text] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            actions.insert(0, event.action_name)
    return actions


def retrieval_topic(event: UserUttered) -> Optional[Text]:
    """The FAQ topic the NLU picked for a message (`faq/<topic>`), if any."""
    full = (event.intent or {}).get("full_retrieval_intent_name")
    if not full:
        for selector in ((event.parse_data or {}).get("response_selector") or {}).values():
            if isinstance(selector, dict):
                full = (selector.get("response") or {}).get("intent_response_key") or full
    if full and "/" in full:
        return full.split("/", 1)[1]
    return None


def faq_confidence(parse_data: Optional[Dict[Text, Any]]) -> float:
    """The FAQ answer's confidence in the parse data (0.0 without one)."""
    for selector in ((parse_data or {}).get("response_selector") or {}).values():
        if isinstance(selector, dict):
            return float((selector.get("response") or {}).get("confidence") or 0.0)
    return 0.0


def last_faq_topic(
    tracker: DialogueStateTracker,
    turns: int,
    faq_action: Text = "utter_faq",
    pass_over: Sequence[Text] = (),
) -> Optional[Text]:
    """The FAQ topic of the last FAQ answer in the `turns` bot turns before the latest user message.
    Only answers that did not understand (`pass_over`: "Sorry, dat begrijp ik niet") may stand
    between it and the message: after any other answer the thread is another one.

    An answer shows as a bot message whose `utter_action` is `utter_faq/<topic>` (in a
    conversation, also from the custom actions), as the action `utter_faq/<topic>` (this policy's
    answer), or, in test stories where no bot message is recorded, as the action `utter_faq` after
    a message the NLU gave that topic.
    """
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if isinstance(e, UserUttered)]
    if not users:
        return None
    pending = False
    seen = 0
    for event in reversed(events[: users[-1]]):
        if isinstance(event, BotUttered):
            action = (event.metadata or {}).get("utter_action") or ""
            if action.startswith(FAQ_RESPONSE_PREFIX):
                return action[len(FAQ_RESPONSE_PREFIX) :]
            if action and action not in pass_over:
                return None
        elif isinstance(event, ActionExecuted):
            name = event.action_name or ""
            if name.startswith(FAQ_RESPONSE_PREFIX):
                return name[len(FAQ_RESPONSE_PREFIX) :]
            pending = pending or name == faq_action
        elif isinstance(event, UserUttered):
            if pending:
                return retrieval_topic(event)
            seen += 1
            if seen >= turns:
                return None
    return None
