"""What the answerer says: the article's names, and where each answer comes from."""

from __future__ import annotations

import re

import pytest

from bot.content import Content
from bot.core.answers import AnswerMatcher
from bot.views.answers import GENERAL_SOURCE_LINE, join_names, source_line

_GENERAL = "General advice, not from the article"


def test_the_glute_bridge_why_is_the_articles_and_says_nothing_more(
    matcher: AnswerMatcher,
) -> None:
    reply = matcher.match("why glute bridge?")
    assert reply.topic is not None and reply.topic.source == "seed"
    assert _GENERAL not in reply.text


@pytest.mark.parametrize("exercise", ["flexion", "cat_cow", "trunk_twist", "knee_rocks"])
def test_the_other_four_whys_say_they_are_general_advice(
    matcher: AnswerMatcher, exercise: str
) -> None:
    text = matcher.reply_for_topic(f"why_{exercise}").text
    assert text.endswith(f"<i>{_GENERAL}.</i>"), exercise


def test_every_topic_says_general_advice_exactly_when_its_source_is_general(
    matcher: AnswerMatcher, content: Content
) -> None:
    for topic in content.answers:
        text = matcher.reply_for_topic(topic.id).text
        assert (_GENERAL in text) == (topic.source == "general"), topic.id


def test_the_source_line_is_one_pure_function() -> None:
    assert source_line("general") == GENERAL_SOURCE_LINE
    assert source_line("seed") is None
    assert source_line("bot") is None


def test_the_back_flexion_stretch_is_called_by_its_article_name(
    matcher: AnswerMatcher, content: Content
) -> None:
    """One name per exercise: the article's, with another name only in brackets after it."""
    why = matcher.match("why knee hug")
    assert why.topic is not None and why.topic.id == "why_flexion"
    assert why.text.startswith("<b>Why the back flexion stretch (knee hug)?</b>")
    assert matcher.reply_for_topic("how_flexion").text.startswith(
        "<b>Back flexion stretch (knee hug)</b>"
    )
    for topic in content.answers:
        # "knee hug" may appear in examples (how people ask), never unbracketed in what we say.
        said = re.sub(r"\([^)]*\)", "", f"{topic.title} {topic.answer}").lower()
        assert "knee hug" not in said, topic.id


def test_small_talk_names_the_exercise_the_article_way(matcher: AnswerMatcher) -> None:
    assert "back flexion stretch" in matcher.match("hello").text
    assert "knee hug" not in matcher.match("hello").text


def test_names_are_joined_like_a_sentence() -> None:
    assert join_names(["a"]) == "a"
    assert join_names(["a", "b"]) == "a and b"
    assert join_names(["a", "b", "c"]) == "a, b and c"
    assert join_names([]) == ""
