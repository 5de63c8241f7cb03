"""Shared fixtures for the core's unit tests."""

from __future__ import annotations

import pytest

from bot.content import Content, load_content
from bot.core.answers import AnswerMatcher
from bot.views.answers import AnswerTexts


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def matcher(content: Content) -> AnswerMatcher:
    return AnswerMatcher(content, AnswerTexts(content))
