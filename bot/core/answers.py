"""Answer free-text questions from content/answers.toml, and never with a confident wrong answer.

Public API (everything else here is private)::

    matcher = AnswerMatcher(content)          # once at start-up; precomputes everything
    matcher.match(text, exercise=None) -> Reply
        # exercise: the routine's current exercise id, used when the text names none
        # ("how long do I hold this?" during the knee hug)
    matcher.topic_for_exercise(exercise_id, kind="why" | "how") -> AnswerTopic
    matcher.reply_for_topic(topic_id) -> Reply  # e.g. a "did you mean" button, /why, Why button
    matcher.find_exercise(text) -> str | None    # the exercise a text names ("/why bridge")

    Reply.kind: "red_flag" | "answer" | "unsure" | "smalltalk" | "empty"
    Reply.text: ready to send (Telegram HTML, well under 4096 characters)
    Reply.topic / .suggestions (up to 3, for "unsure") / .red_flag / .score

How a message is matched, in order:
1. red flags (bot.core.redflags) win over everything else in the message;
2. no letters or digits at all (emoji, punctuation) -> "empty";
3. just a command or control word ("pause", "next one", "start", "menu": see
   bot.core.commands) -> "unsure" with no suggestions; mid-routine the handler acts on it;
4. only greetings/thanks/ok/bye/sorry -> "smalltalk";
5. otherwise every topic gets a score: TF-IDF cosine between the message and the topic's
   examples (and how much of the message the topic's words cover), plus a bonus for each
   keyword phrase found. Exercise names and aliases are found first (token n-grams, any word
   order for two-word names, plurals, and typos repaired with rapidfuzz against the content's
   own words); only that exercise's why_/how_ topics stay in the race, and they are told apart
   by intent words pooled from all why_ (or how_) topics. Words no topic knows ("bitcoin")
   and a lone common word ("why") make general topics less believable. Below `THRESHOLD`,
   or for a request to do something unknown ("can you book me a physio"), the reply is
   "unsure" with up to three closest topics as suggestions.
6. just an exercise's name ("glute bridge?") gets its how-to.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import AnswerTopic, Content, ContentError
from bot.core.commands import COMMAND_WORDS, is_control_message
from bot.core.redflags import RedFlag, detect_red_flag
from bot.core.text import normalise

Kind = Literal["red_flag", "answer", "unsure", "smalltalk", "empty"]
TopicKind = Literal["why", "how"]

# Tuned on tests/unit/fixtures/questions.toml; see test_answers_accuracy.py.
THRESHOLD = 0.30
LEXICAL_WEIGHT = 0.6
COSINE_SHARE = 0.5
UNKNOWN_PENALTY = 0.7
MIN_EVIDENCE = 4.0
EXERCISE_EVIDENCE = 2.0
KEYWORD_WEIGHT = 0.5
EXERCISE_BONUS = 0.25
MAX_SUGGESTIONS = 3
# Only the start of a very long message is matched (red flags are checked on far more).
MAX_MATCH_CHARS = 500

# Short forms people type, expanded before anything else.
_SLANG: dict[str, str] = {
    "y": "why", "wat": "what", "wut": "what", "wht": "what", "waht": "what", "whta": "what",
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks",
    "ty": "thanks", "tnx": "thanks", "thanx": "thanks", "hw": "how", "hwo": "how",
    "abt": "about", "bc": "because", "cuz": "because", "coz": "because", "whats": "what is",
    "hows": "how is", "whys": "why is", "wheres": "where is", "cant": "can not",
    "dont": "do not", "doesnt": "does not", "isnt": "is not", "im": "i am", "ive": "i have",
    "its": "it is", "sec": "seconds", "secs": "seconds", "min": "minutes", "mins": "minutes",
    "howto": "how to", "info": "information", "bout": "about", "gonna": "going to",
}  # fmt: skip
# Stems that mean the same thing here, mapped to one (after stemming).
_SYNONYMS: dict[str, str] = {
    "sore": "hurt", "sorenes": "hurt", "ach": "hurt", "achy": "hurt", "painful": "hurt",
    "agony": "hurt", "er": "hospital", "physiotherapist": "physio", "gp": "doctor",
    "doc": "doctor", "repetition": "rep", "sec": "second", "butt": "glute", "bum": "glute",
    "buttock": "glute", "glut": "glute",
}  # fmt: skip


def _words(text: str) -> frozenset[str]:
    """A word set written as one string, which keeps the long lists below readable."""
    return frozenset(text.split())


# Words that carry no meaning for matching (intent words such as "how"/"why" stay).
_STOPWORDS = _words(
    """a an the i me my mine myself you your yours it its is are am be been being was were to
    of and or in on at this that these those with can could would will shall please just so
    very really also have has had there here we us our get got some any about from by as if
    then than too do does did doing done not one thing things ok okay hey hi hello thanks
    thank cheers anyway actually exactly like mean kind sort bit little lol haha um uh hmm
    know tell want wanna need sorry start begin"""
)
# Dropped from the keyword sequence so "what is the knee hug for" reads "what is for".
_FILLERS = _words("a an the this that these those my your one actually even really just exactly")
# Dropped before looking for exercise names, so "knees to my chest" is "knees to chest".
_ALIAS_FILLERS = _words("a an the my your")
# Words of exercise names too generic to name an exercise on their own.
_GENERIC_NAME_WORDS = _words("back stretch knee knees exercise lower hip hips")

# A message made only of these words is small talk.
_SMALLTALK_WORDS = _words(
    """hi hello hey hiya heya yo howdy hallo hola there morning evening afternoon good day all
    thanks thank you thankyou cheers much so very lot appreciate it that great a bye goodbye
    cya see ya later night for now take care ok okay k kk alright cool nice awesome perfect
    sure got yes yep yeah fine understood right noted lol haha done sorry"""
)
# Its kind is the first whose trigger words it contains ("ack" needs none).
_SMALLTALK_TRIGGERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("bye", _words("bye goodbye cya later night")),
    ("thanks", _words("thanks thank thankyou cheers appreciate")),
    ("greeting", _words("hi hello hey hiya heya yo howdy hallo hola morning evening afternoon")),
    ("ack", frozenset()),
)
_HOW_ARE_YOU = re.compile(r"^(?:hi |hey |hello )?how (?:are|r) (?:you|u)(?: doing| today)?$")
_SMALLTALK_REPLIES: dict[str, str] = {
    "greeting": (
        "Hi! Ask me anything about your exercises, for example <i>why glute bridge?</i> "
        "or <i>how long do I hold the knee hug?</i>"
    ),
    "thanks": "You're welcome! Ask me anything about the exercises whenever you like.",
    "bye": "Bye for now. Take it gently!",
    "ack": "👍 I'm here if you have a question about the exercises.",
    "how_are_you": "I'm well, thanks! I hope your back is too. Ask me about the exercises.",
}

# "can you / could you (please) <verb>": the verb says what the person wants done.
_REQUEST = re.compile(r"^(?:please )?(?:can|could|would|will) you (?:please |just )?(\w+)")

_EMPTY_TEXT = (
    "Send me a question in words, for example <i>why glute bridge?</i> or "
    "<i>how often should I do the routine?</i>"
)
_CONTROL_TEXT = (
    "To go through the exercises, send /routine; during a routine, use its buttons. "
    "Send /help to see everything I can do."
)
_UNSURE_WITH_SUGGESTIONS = "I'm not sure I understood. Did you mean one of these?"
_UNSURE_NO_SUGGESTIONS = (
    "I'm not sure I can answer that. I can explain why and how to do each of the five "
    "exercises, how often to do them, and when to see a doctor. Try <i>why glute bridge?</i>"
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say to a free-text message, and why (the kind)."""

    kind: Kind
    text: str
    topic: AnswerTopic | None = None
    suggestions: tuple[AnswerTopic, ...] = ()
    red_flag: RedFlag | None = None
    # The winning topic's score (0 when no topic was scored); useful in logs and tuning.
    score: float = 0.0


def _stem(word: str) -> str:
    """A deliberately tiny stemmer: plurals and -ing/-ed, so 'bridges' meets 'bridge'."""
    if len(word) <= 3 or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouylsz":
        word = word[:-1]  # "hugging" -> "hugg" -> "hug"
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return _SYNONYMS.get(word, word)


# The word lists above are compared with stems too.
_STOPWORDS = _STOPWORDS | frozenset(_stem(word) for word in _STOPWORDS)
_FILLERS = _FILLERS | frozenset(_stem(word) for word in _FILLERS)


def _raw_words(text: str) -> list[str]:
    """Normalised words with slang and contractions expanded (no typo repair yet)."""
    words: list[str] = []
    for word in normalise(text).split():
        words.extend(_SLANG.get(word, word).split())
    # "how come" asks why, not how.
    return " ".join(words).replace("how come", "why").split()


@dataclass(slots=True)
class _Parsed:
    """A message after normalisation: stems, where exercises were named, what is left."""

    stems: list[str]
    exercise: str | None
    # Stems that are not part of an exercise name, in order (for keyword phrases).
    rest: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Scored:
    """Precomputed matching data for one topic (why_/how_ share their kind's pooled data)."""

    topic: AnswerTopic
    examples: tuple[dict[str, float], ...]
    keywords: tuple[tuple[str, ...], ...]
    # Every content word of the examples and keywords: how much of a message the topic covers.
    vocab: frozenset[str]


class AnswerMatcher:
    """Matches messages to answer topics. Build once; `match` is then pure and fast."""

    def __init__(self, content: Content) -> None:
        self._content = content
        self._topics = {topic.id: topic for topic in content.answers}
        self._texts = {topic.id: self._render(topic) for topic in content.answers}
        self._check_exercise_topics()
        self._vocab, self._vocab_set, self._repair_targets = self._build_vocab()
        self._known_stems = frozenset(_stem(word) for word in self._vocab)
        self._typo_cache: dict[str, str] = {}
        self._aliases, self._alias_len = self._build_aliases()
        self._idf, self._unknown_idf = self._build_idf()
        self._scored = self._build_scored()

    # --- public -------------------------------------------------------------------------

    def match(self, text: str, exercise: str | None = None) -> Reply:
        """The reply to a free-text message. Never raises for any string."""
        flag = detect_red_flag(text)
        if flag is not None:
            return self._red_flag_reply(flag)
        raw = _raw_words(text[:MAX_MATCH_CHARS])
        if not raw:
            return Reply(kind="empty", text=_EMPTY_TEXT)
        if is_control_message(text):
            # "pause", "next one", "start": never answered from a topic ("pause" is one
            # letter from "cause"); mid-routine the handler turns it into the action.
            return Reply(kind="unsure", text=_CONTROL_TEXT)
        smalltalk = self._smalltalk(raw)
        if smalltalk is not None:
            return Reply(kind="smalltalk", text=_SMALLTALK_REPLIES[smalltalk])
        parsed = self._parse(raw)
        if parsed.exercise is None and exercise is not None and exercise in self._exercise_ids():
            parsed.exercise = exercise
            bare = False
        else:
            bare = parsed.exercise is not None
        ranked = self._rank(parsed)
        if bare and not self._content_words(parsed.rest) and ranked[0][0] < THRESHOLD:
            # Just an exercise's name ("glute bridge?"): say what it is and how to do it.
            assert parsed.exercise is not None
            return self.reply_for_topic(f"how_{parsed.exercise}")
        best_score, best = ranked[0]
        if best_score >= THRESHOLD and not self._asks_for_action(raw, parsed):
            return Reply(kind="answer", text=self._texts[best.id], topic=best, score=best_score)
        suggestions = tuple(topic for score, topic in ranked[:MAX_SUGGESTIONS] if score > 0.05)
        text_out = _UNSURE_WITH_SUGGESTIONS if suggestions else _UNSURE_NO_SUGGESTIONS
        return Reply(kind="unsure", text=text_out, suggestions=suggestions, score=best_score)

    def topic_for_exercise(self, exercise_id: str, kind: TopicKind = "why") -> AnswerTopic:
        """The why_/how_ topic of an exercise (for /why and the routine's Why button)."""
        return self._topics[f"{kind}_{exercise_id}"]

    def reply_for_topic(self, topic_id: str) -> Reply:
        """A ready "answer" reply for a topic id; KeyError if there is no such topic."""
        topic = self._topics[topic_id]
        return Reply(kind="answer", text=self._texts[topic_id], topic=topic, score=1.0)

    def find_exercise(self, text: str) -> str | None:
        """The first exercise named in `text` (name, alias, typo or plural), or None."""
        return self._parse(_raw_words(text[:MAX_MATCH_CHARS])).exercise

    # --- building -----------------------------------------------------------------------

    def _exercise_ids(self) -> list[str]:
        return [exercise.id for exercise in self._content.exercises]

    def _check_exercise_topics(self) -> None:
        for exercise_id in self._exercise_ids():
            for kind in ("why", "how"):
                topic = self._topics.get(f"{kind}_{exercise_id}")
                if topic is None or topic.exercise != exercise_id:
                    raise ContentError(
                        f"answers.toml: topic '{kind}_{exercise_id}' is missing or not "
                        f"linked to exercise {exercise_id!r}"
                    )
                why = self._content.exercise(exercise_id).why
                if kind == "why" and "{why}" in topic.answer and topic.source != why.source:
                    raise ContentError(
                        f"answers.toml: topic 'why_{exercise_id}': field 'source': says "
                        f"{topic.source!r} but exercises.toml's why says {why.source!r}"
                    )

    def _render(self, topic: AnswerTopic) -> str:
        """Fill placeholders from the rest of the content, so each fact has one home:
        `{why}` is the linked exercise's why text in exercises.toml."""
        answer = topic.answer
        safety = self._content.safety
        values = {
            "{why}": self._content.exercise(topic.exercise).why.text if topic.exercise else "",
            "{minutes}": str(self._content.routine_minutes),
            "{exercises}": _join_names([e.name.lower() for e in self._content.exercises]),
            "{urgent_flags}": "\n".join(f"• {flag}" for flag in safety.red_flags.urgent),
            "{see_doctor_flags}": "\n".join(f"• {flag}" for flag in safety.red_flags.see_doctor),
        }
        for placeholder, value in values.items():
            answer = answer.replace(placeholder, value)
        return answer

    def _exercise_phrases(self) -> Iterable[tuple[str, str]]:
        """(phrase, exercise id) for every name, alias, id and distinctive name word."""
        name_words: Counter[str] = Counter()
        for exercise in self._content.exercises:
            name_words.update(set(_raw_words(exercise.name)))
        for exercise in self._content.exercises:
            phrases = [exercise.name, exercise.id.replace("_", " "), *exercise.aliases]
            phrases += [
                word
                for word in _raw_words(exercise.name)
                if name_words[word] == 1 and word not in _GENERIC_NAME_WORDS and len(word) >= 5
            ]
            for phrase in phrases:
                yield phrase, exercise.id

    def _build_vocab(self) -> tuple[list[str], frozenset[str], list[str]]:
        """Every word the matcher knows, most frequent first (so typo ties favour them)."""
        counts: Counter[str] = Counter()
        for topic in self._content.answers:
            for text in (topic.title, *topic.examples, *topic.keywords):
                counts.update(_raw_words(text))
        for phrase, _ in self._exercise_phrases():
            words = _raw_words(phrase)
            counts.update(words)
            counts["".join(words)] += 1
        counts.update(_SMALLTALK_WORDS)
        counts.update(_SLANG.values())
        # Known, so never "repaired": "can I pause the routine" is not about a cause.
        counts.update(COMMAND_WORDS)
        vocab = [word for word, _ in counts.most_common() if len(word) >= 3]
        # Typos are repaired only towards longer words: short ones ("list", "last") collide.
        return vocab, frozenset(vocab), [word for word in vocab if len(word) >= 5]

    def _build_aliases(self) -> tuple[dict[tuple[str, ...], str], int]:
        aliases: dict[tuple[str, ...], str] = {}
        for phrase, exercise_id in self._exercise_phrases():
            words = [w for w in _raw_words(phrase) if w not in _ALIAS_FILLERS]
            stems = tuple(_stem(word) for word in words)
            aliases.setdefault(stems, exercise_id)
            aliases.setdefault((_stem("".join(words)),), exercise_id)
            if len(stems) == 2:
                # Word order: "hugging my knees" names the knee hug too.
                aliases.setdefault(tuple(sorted(stems)), exercise_id)
        return aliases, max(len(key) for key in aliases)

    def _build_idf(self) -> tuple[dict[str, float], float]:
        """IDF over topics: a word in every why_ topic says little, 'sacrum' says a lot."""
        documents: list[set[str]] = []
        for topic in self._content.answers:
            words: set[str] = set()
            for text in (*topic.examples, *topic.keywords):
                words.update(self._content_words(self._parse(_raw_words(text)).rest))
            documents.append(words)
        df: Counter[str] = Counter()
        for words in documents:
            df.update(words)
        total = len(documents)
        idf = {word: math.log(1 + total / count) for word, count in df.items()}
        # A word no topic knows weighs like the rarest one: it pulls off-topic questions down.
        return idf, math.log(1 + total)

    def _build_scored(self) -> list[_Scored]:
        pooled_examples: dict[str, list[dict[str, float]]] = {"why": [], "how": []}
        pooled_keywords: dict[str, set[tuple[str, ...]]] = {"why": set(), "how": set()}
        own: dict[str, tuple[list[dict[str, float]], set[tuple[str, ...]]]] = {}
        for topic in self._content.answers:
            examples = [self._vector(self._parse(_raw_words(text)).rest) for text in topic.examples]
            keywords = {
                tuple(self._keyword_sequence(self._parse(_raw_words(k)).rest))
                for k in topic.keywords
            }
            keywords.discard(())
            own[topic.id] = ([e for e in examples if e], keywords)
            kind = _topic_kind(topic)
            if kind is not None:
                pooled_examples[kind].extend(e for e in examples if e)
                pooled_keywords[kind].update(keywords)
        scored: list[_Scored] = []
        for topic in self._content.answers:
            kind = _topic_kind(topic)
            examples, keywords = own[topic.id]
            if kind is not None:
                examples, keywords = pooled_examples[kind], pooled_keywords[kind] | keywords
            vocab = frozenset(word for example in examples for word in example) | frozenset(
                word for keyword in keywords for word in self._content_words(keyword)
            )
            scored.append(
                _Scored(
                    topic=topic,
                    examples=tuple(examples),
                    keywords=tuple(sorted(keywords)),
                    vocab=vocab,
                )
            )
        return scored

    # --- matching -----------------------------------------------------------------------

    def _repair(self, word: str) -> str:
        """A known word for a typo ('brige' -> 'bridge'); unknown words are left alone."""
        if len(word) < 4 or not word.isascii() or not word.isalpha():
            return word
        if word in self._vocab_set or _stem(word) in self._known_stems or word in _STOPWORDS:
            return word  # "hugging" is "hug", not a typo of "hurting"; "sorry" is not "worry"
        cached = self._typo_cache.get(word)
        if cached is not None:
            return cached
        max_edits = 1 if len(word) < 8 else 2
        found = process.extractOne(
            word, self._repair_targets, scorer=OSA.distance, score_cutoff=max_edits
        )
        repaired = word
        if found is not None and (found[1] <= 1 or found[0][0] == word[0]):
            repaired = found[0]
        if len(self._typo_cache) > 50_000:
            self._typo_cache.clear()
        self._typo_cache[word] = repaired
        return repaired

    def _parse(self, raw: Sequence[str]) -> _Parsed:
        stems = [_stem(self._repair(word)) for word in raw if word not in _ALIAS_FILLERS]
        parsed = _Parsed(stems=stems, exercise=None)
        index = 0
        while index < len(stems):
            for length in range(min(self._alias_len, len(stems) - index), 0, -1):
                key = tuple(stems[index : index + length])
                exercise_id = self._aliases.get(key)
                if exercise_id is None and length == 2:
                    exercise_id = self._aliases.get(tuple(sorted(key)))
                if exercise_id is None and length in (2, 3):
                    exercise_id = self._aliases.get((_stem("".join(key)),))
                if exercise_id is not None:
                    parsed.exercise = parsed.exercise or exercise_id
                    index += length
                    break
            else:
                parsed.rest.append(stems[index])
                index += 1
        return parsed

    @staticmethod
    def _content_words(stems: Iterable[str]) -> list[str]:
        return [stem for stem in stems if stem not in _STOPWORDS]

    @staticmethod
    def _keyword_sequence(stems: Iterable[str]) -> list[str]:
        return [stem for stem in stems if stem not in _FILLERS]

    def _vector(self, stems: Iterable[str]) -> dict[str, float]:
        weights = {
            word: self._idf.get(word, self._unknown_idf) for word in self._content_words(stems)
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {word: w / norm for word, w in weights.items()} if norm else {}

    def _rank(self, parsed: _Parsed) -> list[tuple[float, AnswerTopic]]:
        query = self._vector(parsed.rest)
        idf = {word: self._idf.get(word, self._unknown_idf) for word in query}
        # Words no topic knows ("book", "uber") make any match less believable.
        known = sum(w * w for word, w in query.items() if word in self._idf) if query else 1.0
        believability = 1 - UNKNOWN_PENALTY * (1 - known)
        sequence = self._keyword_sequence(parsed.rest)
        grams = {
            tuple(sequence[i : i + n]) for n in range(1, 5) for i in range(len(sequence) - n + 1)
        }
        ranked: list[tuple[float, AnswerTopic]] = []
        for item in self._scored:
            topic = item.topic
            if topic.exercise is not None and topic.exercise != parsed.exercise:
                continue
            cosine = max(
                (
                    sum(w * example.get(word, 0.0) for word, w in query.items())
                    for example in item.examples
                ),
                default=0.0,
            )
            # The query is unit-length, so squared weights of the covered words sum to <= 1.
            coverage = sum(w * w for word, w in query.items() if word in item.vocab)
            lexical = COSINE_SHARE * cosine + (1 - COSINE_SHARE) * coverage
            matched = [keyword for keyword in item.keywords if keyword in grams]
            hits = len(matched)
            score = LEXICAL_WEIGHT * lexical + KEYWORD_WEIGHT * (1 - 0.5**hits)
            if topic.exercise is not None:
                score += EXERCISE_BONUS  # naming the exercise is evidence enough to believe
            else:
                # A lone common word ("why", "routine") is too little to go on.
                evidence = sum(idf[word] for word in query if word in item.vocab)
                evidence += sum(len(keyword) for keyword in matched)
                if parsed.exercise is not None:
                    evidence += EXERCISE_EVIDENCE  # "the twist is painful" is about exercising
                score *= believability * min(1.0, evidence / MIN_EVIDENCE)
            ranked.append((score, topic))
        ranked.sort(key=lambda pair: pair[0], reverse=True)
        return ranked

    def _asks_for_action(self, raw: Sequence[str], parsed: _Parsed) -> bool:
        """'can you book me a physio': a request to do something no topic knows about."""
        found = _REQUEST.match(" ".join(raw))
        if found is None or parsed.exercise is not None:
            return False
        verb = _stem(found.group(1))
        return verb not in self._idf and verb not in _STOPWORDS

    def _smalltalk(self, raw: Sequence[str]) -> str | None:
        joined = " ".join(raw)
        if _HOW_ARE_YOU.match(joined):
            return "how_are_you"
        if len(raw) > 6:
            return None
        words = {self._repair(word) for word in raw}
        if not words <= _SMALLTALK_WORDS:
            return None
        for kind, triggers in _SMALLTALK_TRIGGERS:
            if not triggers or triggers & words:
                return kind
        return None

    def _red_flag_reply(self, flag: RedFlag) -> Reply:
        safety = self._content.safety
        advice = safety.urgent_advice if flag.level == "urgent" else safety.see_doctor_advice
        return Reply(
            kind="red_flag", text=f"You mentioned <b>{flag.label}</b>. {advice}", red_flag=flag
        )


def _topic_kind(topic: AnswerTopic) -> TopicKind | None:
    if topic.exercise is None:
        return None
    if topic.id == f"why_{topic.exercise}":
        return "why"
    if topic.id == f"how_{topic.exercise}":
        return "how"
    return None


def _join_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
