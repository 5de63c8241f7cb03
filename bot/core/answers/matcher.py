"""`AnswerMatcher`: which reply a free-text message gets (the scoring), never the words.

The words come from a `ReplyTexts` (the view, `bot.views.answers.AnswerTexts`), given at
construction; the word lists and the stemmer from `lexicon`. See the package docstring for
the order in which a message is matched.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import AnswerTopic, Content
from bot.core.answers.lexicon import (
    ALIAS_FILLERS,
    FILLERS,
    GENERIC_NAME_WORDS,
    HOW_ARE_YOU,
    REQUEST,
    SHOPPING,
    SLANG,
    SMALLTALK_TRIGGERS,
    SMALLTALK_WORDS,
    STOPWORDS,
    expand,
    raw_words,
    stem,
)
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
# A typo is repaired within 1 edit (words under 8 letters) or 2 (longer words), for at most
# MAX_REPAIRS new words a message: real questions have a handful.
MAX_EDITS = 2
MAX_REPAIRS = 40
# Telegram's limit: anything longer is cut before any work (red flags see all of it).
MAX_CHARS = 4096
# A message up to this long is matched whole; a longer one by its question parts.
MAX_MATCH_CHARS = 500
# Each question part is matched on its last this-many characters, and at most
# MAX_CANDIDATES parts of a message are tried: the worst case stays a few milliseconds.
MAX_PART_CHARS = 300
MAX_CANDIDATES = 4
# A sentence of a long message with no question mark is answered only on a strong match.
STORY_THRESHOLD = 0.5

# Sentence ends: . ! ? … followed by a space, or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")


class ReplyTexts(Protocol):
    """The words of each reply; `bot.views.answers.AnswerTexts` is the real one."""

    @property
    def empty(self) -> str: ...

    @property
    def control(self) -> str: ...

    def topic(self, topic: AnswerTopic) -> str: ...

    def unsure(self, suggestions: Sequence[AnswerTopic]) -> str: ...

    def smalltalk(self, kind: str) -> str: ...

    def red_flag(self, flag: RedFlag) -> str: ...


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


@dataclass(slots=True)
class _Budget:
    """Fuzzy typo searches one message may still make (each costs tens of microseconds)."""

    left: int = MAX_REPAIRS


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
    """Matches messages to answer topics. Build once; `match` is then pure and fast.

    The content is validated at load (bot.content): every exercise has its why_/how_
    topics, and every placeholder is known.
    """

    def __init__(self, content: Content, texts: ReplyTexts) -> None:
        self._content = content
        self._texts = texts
        self._topics = {topic.id: topic for topic in content.answers}
        self._vocab, self._vocab_set, repair_targets = self._build_vocab()
        # Typo targets by the typo's length: a word more than MAX_EDITS letters longer or
        # shorter can't be within reach, so it is never compared (same result, less work).
        self._repair_targets = {
            length: [w for w in repair_targets if abs(len(w) - length) <= MAX_EDITS]
            for length in range(4, max(map(len, repair_targets), default=4) + MAX_EDITS + 1)
        }
        self._known_stems = frozenset(stem(word) for word in self._vocab)
        self._typo_cache: dict[str, str] = {}
        self._aliases, self._alias_len = self._build_aliases()
        self._idf, self._unknown_idf = self._build_idf()
        self._scored = self._build_scored()

    # --- public -------------------------------------------------------------------------

    def match(self, text: str, exercise: str | None = None) -> Reply:
        """The reply to a free-text message. Never raises for any string.

        Work is bounded whatever the text: red flags read at most `MAX_CHARS` normalised
        characters, and topics at most `MAX_CANDIDATES` parts of `MAX_PART_CHARS` each.
        """
        text = text[:MAX_CHARS]
        flag = detect_red_flag(text)
        if flag is not None:
            return Reply(kind="red_flag", text=self._texts.red_flag(flag), red_flag=flag)
        if len(text) > MAX_MATCH_CHARS:
            return self._match_long(text, exercise)
        raw = expand(normalise(text, limit=MAX_MATCH_CHARS))
        if not raw:
            return Reply(kind="empty", text=self._texts.empty)
        if is_control_message(text):
            # "pause", "next one", "start": never answered from a topic ("pause" is one
            # letter from "cause"); mid-routine the handler turns it into the action.
            return Reply(kind="unsure", text=self._texts.control)
        smalltalk = self._smalltalk(raw)
        if smalltalk is not None:
            return Reply(kind="smalltalk", text=self._texts.smalltalk(smalltalk))
        return self._answer(raw, exercise, _Budget())

    def topic_for_exercise(self, exercise_id: str, kind: TopicKind = "why") -> AnswerTopic:
        """The why_/how_ topic of an exercise (for /why and the routine's Why button)."""
        return self._topics[f"{kind}_{exercise_id}"]

    def reply_for_topic(self, topic_id: str) -> Reply:
        """A ready "answer" reply for a topic id; KeyError if there is no such topic."""
        topic = self._topics[topic_id]
        return Reply(kind="answer", text=self._texts.topic(topic), topic=topic, score=1.0)

    def find_exercise(self, text: str) -> str | None:
        """The first exercise named in `text` (name, alias, typo or plural), or None."""
        return self._parse(expand(normalise(text, limit=MAX_MATCH_CHARS))).exercise

    # --- building -----------------------------------------------------------------------

    def _exercise_ids(self) -> list[str]:
        return [exercise.id for exercise in self._content.exercises]

    def _exercise_phrases(self) -> Iterable[tuple[str, str]]:
        """(phrase, exercise id) for every name, alias, id and distinctive name word."""
        name_words: Counter[str] = Counter()
        for exercise in self._content.exercises:
            name_words.update(set(raw_words(exercise.name)))
        for exercise in self._content.exercises:
            phrases = [exercise.name, exercise.id.replace("_", " "), *exercise.aliases]
            phrases += [
                word
                for word in raw_words(exercise.name)
                if name_words[word] == 1 and word not in GENERIC_NAME_WORDS and len(word) >= 5
            ]
            for phrase in phrases:
                yield phrase, exercise.id

    def _build_vocab(self) -> tuple[list[str], frozenset[str], list[str]]:
        """Every word the matcher knows, most frequent first (so typo ties favour them)."""
        counts: Counter[str] = Counter()
        for topic in self._content.answers:
            for text in (topic.title, *topic.examples, *topic.keywords):
                counts.update(raw_words(text))
        for phrase, _ in self._exercise_phrases():
            words = raw_words(phrase)
            counts.update(words)
            counts["".join(words)] += 1
        counts.update(SMALLTALK_WORDS)
        counts.update(SLANG.values())
        # Known, so never "repaired": "can I pause the routine" is not about a cause.
        counts.update(COMMAND_WORDS)
        vocab = [word for word, _ in counts.most_common() if len(word) >= 3]
        # Typos are repaired only towards longer words: short ones ("list", "last") collide.
        return vocab, frozenset(vocab), [word for word in vocab if len(word) >= 5]

    def _build_aliases(self) -> tuple[dict[tuple[str, ...], str], int]:
        aliases: dict[tuple[str, ...], str] = {}
        for phrase, exercise_id in self._exercise_phrases():
            words = [w for w in raw_words(phrase) if w not in ALIAS_FILLERS]
            stems = tuple(stem(word) for word in words)
            aliases.setdefault(stems, exercise_id)
            aliases.setdefault((stem("".join(words)),), exercise_id)
            if len(stems) == 2:
                # Word order: "hugging my knees" names the back flexion stretch too.
                aliases.setdefault(tuple(sorted(stems)), exercise_id)
        return aliases, max(len(key) for key in aliases)

    def _build_idf(self) -> tuple[dict[str, float], float]:
        """IDF over topics: a word in every why_ topic says little, 'sacrum' says a lot."""
        documents: list[set[str]] = []
        for topic in self._content.answers:
            words: set[str] = set()
            for text in (*topic.examples, *topic.keywords):
                words.update(self._content_words(self._parse(raw_words(text)).rest))
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
            examples = [self._vector(self._parse(raw_words(text)).rest) for text in topic.examples]
            keywords = {
                tuple(self._keyword_sequence(self._parse(raw_words(k)).rest))
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

    def _answer(self, raw: Sequence[str], exercise: str | None, budget: _Budget) -> Reply:
        """The best topic for a question's words, or "unsure" with suggestions."""
        parsed = self._parse(raw, budget)
        if parsed.exercise is None and exercise is not None and exercise in self._exercise_ids():
            parsed.exercise = exercise
            bare = False
        else:
            bare = parsed.exercise is not None
        ranked, named = self._rank(parsed)
        if bare and not self._content_words(parsed.rest) and ranked[0][0] < THRESHOLD:
            # Just an exercise's name ("glute bridge?"): say what it is and how to do it.
            assert parsed.exercise is not None
            return self.reply_for_topic(f"how_{parsed.exercise}")
        # "I'm pregnant, how many bridges?": a check-first topic named by one of its keywords
        # wins over the exercise's answer.
        best_score, best = next(
            (
                (score, topic)
                for score, topic in ranked
                if topic.check_first and score >= THRESHOLD and topic.id in named
            ),
            ranked[0],
        )
        if best_score >= THRESHOLD and not self._asks_for_action(raw, parsed):
            return Reply(kind="answer", text=self._texts.topic(best), topic=best, score=best_score)
        suggestions = tuple(topic for score, topic in ranked[:MAX_SUGGESTIONS] if score > 0.05)
        return Reply(
            kind="unsure",
            text=self._texts.unsure(suggestions),
            suggestions=suggestions,
            score=best_score,
        )

    def _match_long(self, text: str, exercise: str | None) -> Reply:
        """A long message (a story, then a question): answer its question part.

        The last question sentence wins if it is answered. Otherwise the strongest of the
        candidate parts (see `question_parts`); a part without a question mark must match
        strongly (`STORY_THRESHOLD`), so a story's own sentences ("we carried boxes all
        day") are not answered as if they were asked. Else "unsure", with suggestions.
        """
        best: Reply | None = None
        budget = _Budget()
        for index, part in enumerate(question_parts(text)):
            raw = expand(normalise(part, limit=MAX_PART_CHARS))
            if not raw:
                continue
            reply = self._answer(raw, exercise, budget)
            asked = "?" in part
            if reply.kind == "answer" and asked and index == 0:
                return reply
            if reply.kind == "answer" and not asked and reply.score < STORY_THRESHOLD:
                assert reply.topic is not None
                reply = Reply(
                    kind="unsure",
                    text=self._texts.unsure((reply.topic,)),
                    suggestions=(reply.topic,),
                    score=reply.score,
                )
            if best is None or _strength(reply) > _strength(best):
                best = reply
        if best is None:
            if normalise(text, limit=MAX_CHARS):
                return Reply(kind="unsure", text=self._texts.unsure(()))
            return Reply(kind="empty", text=self._texts.empty)
        return best

    def _repair(self, word: str, budget: _Budget | None = None) -> str:
        """A known word for a typo ('brige' -> 'bridge'); unknown words are left alone.
        Each new unknown word spends one of the message's `budget` of fuzzy searches."""
        if len(word) < 4 or not word.isascii() or not word.isalpha():
            return word
        if word in self._vocab_set or stem(word) in self._known_stems or word in STOPWORDS:
            return word  # "hugging" is "hug", not a typo of "hurting"; "sorry" is not "worry"
        cached = self._typo_cache.get(word)
        if cached is not None:
            return cached
        if budget is not None:
            if budget.left <= 0:
                return word  # a wall of made-up words: the rest stay unknown
            budget.left -= 1
        max_edits = 1 if len(word) < 8 else MAX_EDITS
        targets = self._repair_targets.get(len(word), ())
        found = process.extractOne(word, targets, scorer=OSA.distance, score_cutoff=max_edits)
        repaired = word
        if found is not None and (found[1] <= 1 or found[0][0] == word[0]):
            repaired = found[0]
        if len(self._typo_cache) > 50_000:
            self._typo_cache.clear()
        self._typo_cache[word] = repaired
        return repaired

    def _parse(self, raw: Sequence[str], budget: _Budget | None = None) -> _Parsed:
        stems = [stem(self._repair(word, budget)) for word in raw if word not in ALIAS_FILLERS]
        parsed = _Parsed(stems=stems, exercise=None)
        index = 0
        while index < len(stems):
            for length in range(min(self._alias_len, len(stems) - index), 0, -1):
                key = tuple(stems[index : index + length])
                exercise_id = self._aliases.get(key)
                if exercise_id is None and length == 2:
                    exercise_id = self._aliases.get(tuple(sorted(key)))
                if exercise_id is None and length in (2, 3):
                    exercise_id = self._aliases.get((stem("".join(key)),))
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
        return [s for s in stems if s not in STOPWORDS]

    @staticmethod
    def _keyword_sequence(stems: Iterable[str]) -> list[str]:
        return [s for s in stems if s not in FILLERS]

    def _vector(self, stems: Iterable[str]) -> dict[str, float]:
        weights = {
            word: self._idf.get(word, self._unknown_idf) for word in self._content_words(stems)
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {word: w / norm for word, w in weights.items()} if norm else {}

    def _rank(self, parsed: _Parsed) -> tuple[list[tuple[float, AnswerTopic]], set[str]]:
        """(score, topic) for every topic still in the race, best first; and the ids of the
        topics at least one of whose keyword phrases the message contains."""
        vector = self._vector(parsed.rest)
        # Only words some topic knows can be covered or matched: the loops below skip the
        # rest (a wall of made-up words costs nothing there).
        query = {word: w for word, w in vector.items() if word in self._idf}
        idf = {word: self._idf[word] for word in query}
        # Words no topic knows ("book", "uber") make any match less believable.
        known = sum(w * w for w in query.values()) if vector else 1.0
        believability = 1 - UNKNOWN_PENALTY * (1 - known)
        sequence = self._keyword_sequence(parsed.rest)
        grams = {
            tuple(sequence[i : i + n]) for n in range(1, 5) for i in range(len(sequence) - n + 1)
        }
        ranked: list[tuple[float, AnswerTopic]] = []
        named: set[str] = set()
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
            if hits:
                named.add(topic.id)
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
        return ranked, named

    def _asks_for_action(self, raw: Sequence[str], parsed: _Parsed) -> bool:
        """'can you book me a physio': a request to do something no topic knows about;
        'where do I buy a hot water bottle': shopping, which no topic answers."""
        if parsed.exercise is None and not SHOPPING.isdisjoint(raw):
            return True
        found = REQUEST.match(" ".join(raw))
        if found is None or parsed.exercise is not None:
            return False
        verb = stem(found.group(1))
        return verb not in self._idf and verb not in STOPWORDS

    def _smalltalk(self, raw: Sequence[str]) -> str | None:
        joined = " ".join(raw)
        if HOW_ARE_YOU.match(joined):
            return "how_are_you"
        if len(raw) > 6:
            return None
        words = {self._repair(word) for word in raw}
        if not words <= SMALLTALK_WORDS:
            return None
        for kind, triggers in SMALLTALK_TRIGGERS:
            if not triggers or triggers & words:
                return kind
        return None


def _topic_kind(topic: AnswerTopic) -> TopicKind | None:
    if topic.exercise is None:
        return None
    if topic.id == f"why_{topic.exercise}":
        return "why"
    if topic.id == f"how_{topic.exercise}":
        return "how"
    return None


def question_parts(text: str) -> list[str]:
    """Where the question of a long message most likely is, most likely first.

    The last sentences with a question mark (people ask at the end of a story), then the
    last sentence (a question without "?"), then the first (a question, then the story).
    Each part is at most `MAX_PART_CHARS` characters: the end of a long sentence, where its
    question is; the start of the first. At most `MAX_CANDIDATES` parts, no repeats.
    """
    sentences = [s for s in _SENTENCE_END.split(text) if s and not s.isspace()]
    if not sentences:
        return []
    questions = [s for s in reversed(sentences) if "?" in s][: MAX_CANDIDATES - 2]
    parts = [s[-MAX_PART_CHARS:] for s in (*questions, sentences[-1])]
    parts.append(sentences[0][:MAX_PART_CHARS])
    unique: list[str] = []
    for part in parts:
        if part not in unique:
            unique.append(part)
    return unique[:MAX_CANDIDATES]


def _strength(reply: Reply) -> tuple[bool, float]:
    """An answer beats "unsure"; then the higher score."""
    return reply.kind == "answer", reply.score
