"""answers.toml is checked once, at load: a mistake stops start-up with one line naming
the file, the topic and the field, before any user can meet it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import CONTENT_DIR, ContentError, load_content
from bot.core.answers.lexicon import FILLERS, raw_words, stem


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(content_copy: Path, old: str, new: str) -> None:
    path = content_copy / "answers.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _error(content_copy: Path) -> str:
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    message = str(error.value)
    assert "answers.toml" in message and "\n" not in message
    return message


def test_a_misspelt_placeholder_is_named(content_copy: Path) -> None:
    _edit(content_copy, "about <b>{minutes} minutes</b>", "about <b>{minuts} minutes</b>")
    message = _error(content_copy)
    assert "'routine_length'" in message and "{minuts}" in message


def test_an_exercise_without_its_why_topic_stops_start_up(content_copy: Path) -> None:
    _edit(content_copy, 'id = "why_knee_rocks"', 'id = "why_knee_rockz"')
    assert "'why_knee_rocks' is missing" in _error(content_copy)


def test_a_why_topic_cannot_claim_the_article_for_general_advice(content_copy: Path) -> None:
    _edit(
        content_copy,
        'id = "why_cat_cow"\nexercise = "cat_cow"\ntitle = "Why cat/cow?"\nsource = "general"',
        'id = "why_cat_cow"\nexercise = "cat_cow"\ntitle = "Why cat/cow?"\nsource = "seed"',
    )
    message = _error(content_copy)
    assert "'why_cat_cow'" in message and "field 'source'" in message


def test_a_repeated_topic_id_is_named(content_copy: Path) -> None:
    _edit(content_copy, 'id = "privacy"', 'id = "about_bot"')
    assert "'about_bot': field 'id': repeats" in _error(content_copy)


def test_an_unknown_exercise_is_named(content_copy: Path) -> None:
    _edit(content_copy, 'exercise = "knee_rocks"', 'exercise = "knee_rockz"')
    assert "unknown exercise 'knee_rockz'" in _error(content_copy)


def test_every_keyword_is_short_enough_to_ever_match() -> None:
    """The matcher looks for keyword phrases of up to four words (fillers left out): a
    longer one would silently never match."""
    for topic in load_content().answers:
        for keyword in topic.keywords:
            words = [w for w in raw_words(keyword) if stem(w) not in FILLERS]
            assert len(words) <= 4, (topic.id, keyword)
