"""Answer free-text questions from content/answers.toml, and never with a confident wrong answer.

Public API::

    matcher = AnswerMatcher(content, AnswerTexts(content))
        # once at start-up; precomputes everything. The words of every reply come from
        # the view (bot.views.answers.AnswerTexts, a `ReplyTexts`); the matcher only decides.
    matcher.match(text, exercise=None) -> Reply
        # exercise: the routine's current exercise id, used when the text names none
        # ("how long do I hold this?" during the back flexion stretch)
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
   "unsure" with up to three closest topics as suggestions. So is shopping ("where do I
   buy a hot water bottle").
6. just an exercise's name ("glute bridge?") gets its how-to.
7. a `check_first` topic (pregnancy, an operation, osteoporosis, sciatica) named by one of
   its keywords wins over every other topic: "I'm pregnant, how many bridges?" is told to
   check with a midwife first, not "12". An age typed as a number counts ("im 78").

A message longer than `MAX_MATCH_CHARS` (a story, then a question) is matched by its
question parts (`matcher.question_parts`): its last question sentence if that is answered,
else the strongest of a few candidate sentences. Red flags are still checked on all of it.
Every step reads a bounded, normalised prefix, so no input costs more than a few ms.

Modules: `lexicon` (word lists, slang, the stemmer), `matcher` (scoring).
"""

from bot.core.answers.matcher import (
    MAX_MATCH_CHARS,
    THRESHOLD,
    AnswerMatcher,
    Kind,
    Reply,
    ReplyTexts,
    TopicKind,
)

__all__ = [
    "MAX_MATCH_CHARS",
    "THRESHOLD",
    "AnswerMatcher",
    "Kind",
    "Reply",
    "ReplyTexts",
    "TopicKind",
]
