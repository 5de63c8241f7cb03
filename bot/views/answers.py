"""The words of the question answerer: topic answers, "not sure", small talk, red flags.

`AnswerTexts` is what `bot.core.answers.AnswerMatcher` asks for the text of each reply (it
implements the core's `ReplyTexts`); the matcher decides *which* reply, this module says it.
`source_line` is the one place that says where an answer comes from; the routine's Why
button uses it too.

Pure: content in, strings out. No telegram, no db.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.content import AnswerTopic, Content
from bot.core.redflags import RedFlag

EMPTY_TEXT = (
    "Send me a question in words, for example <i>why glute bridge?</i> or "
    "<i>how often should I do the routine?</i>"
)
CONTROL_TEXT = (
    "To go through the exercises, send /routine; during a routine, use its buttons. "
    "Send /help to see everything I can do."
)
UNSURE_WITH_SUGGESTIONS = "I'm not sure I understood. Did you mean one of these?"
UNSURE_NO_SUGGESTIONS = (
    "I'm not sure I can answer that. I can explain why and how to do each of the five "
    "exercises, how often to do them, and when to see a doctor. Try <i>why glute bridge?</i>"
)
SMALLTALK_TEXTS: dict[str, str] = {
    "greeting": (
        "Hi! Ask me anything about your exercises, for example <i>why glute bridge?</i> "
        "or <i>how long do I hold the back flexion stretch?</i>"
    ),
    "thanks": "You're welcome! Ask me anything about the exercises whenever you like.",
    "bye": "Bye for now. Take it gently!",
    "ack": "👍 I'm here if you have a question about the exercises.",
    "how_are_you": "I'm well, thanks! I hope your back is too. Ask me about the exercises.",
}
# Said under every answer whose content is marked source = "general".
GENERAL_SOURCE_LINE = "General advice, not from the article."


def source_line(source: str) -> str | None:
    """One short line saying an answer is not from the article, or None when it is.

    "general" advice gets the line; the article's own facts ("seed") and facts about
    BackCoach itself ("bot": privacy, the routine's length) need none.
    """
    return GENERAL_SOURCE_LINE if source == "general" else None


def join_names(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def render_topic(content: Content, topic: AnswerTopic) -> str:
    """A topic's answer with its placeholders filled and its source line, ready to send.

    Placeholders keep each fact in one home: `{why}` is the linked exercise's why text in
    exercises.toml, `{minutes}` the routine's length, and so on (see content/answers.toml).
    """
    safety = content.safety
    values = {
        "{why}": content.exercise(topic.exercise).why.text if topic.exercise else "",
        "{minutes}": str(content.routine_minutes),
        "{exercises}": join_names([e.name.lower() for e in content.exercises]),
        "{urgent_flags}": "\n".join(f"• {flag}" for flag in safety.red_flags.urgent),
        "{see_doctor_flags}": "\n".join(f"• {flag}" for flag in safety.red_flags.see_doctor),
    }
    answer = topic.answer
    for placeholder, value in values.items():
        answer = answer.replace(placeholder, value)
    line = source_line(topic.source)
    return f"{answer}\n\n<i>{line}</i>" if line else answer


class AnswerTexts:
    """Every text the answerer sends, built once from the content (topic answers cached)."""

    empty = EMPTY_TEXT
    control = CONTROL_TEXT

    def __init__(self, content: Content) -> None:
        self._content = content
        self._topics = {topic.id: render_topic(content, topic) for topic in content.answers}

    def topic(self, topic: AnswerTopic) -> str:
        return self._topics[topic.id]

    def unsure(self, suggestions: Sequence[AnswerTopic]) -> str:
        return UNSURE_WITH_SUGGESTIONS if suggestions else UNSURE_NO_SUGGESTIONS

    def smalltalk(self, kind: str) -> str:
        return SMALLTALK_TEXTS[kind]

    def red_flag(self, flag: RedFlag) -> str:
        safety = self._content.safety
        advice = safety.urgent_advice if flag.level == "urgent" else safety.see_doctor_advice
        return f"You mentioned <b>{flag.label}</b>. {advice}"
