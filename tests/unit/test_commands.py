"""Routine commands typed as text: "next", "pause please", "stop it"."""

from __future__ import annotations

import pytest

from bot.core.commands import command_word, is_control_message


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("next", "next"),
        ("next one", "next"),
        ("done", "next"),
        ("ok next", "next"),
        ("Next!", "next"),
        ("next exercise please", "next"),
        ("pause", "pause"),
        ("pause please", "pause"),
        ("wait", "pause"),
        ("hold on", "pause"),
        ("stop", "stop"),
        ("stop it", "stop"),
        ("quit", "stop"),
        ("end", "stop"),
        ("cancel", "stop"),
        ("skip", "skip"),
        ("skip this", "skip"),
        ("skip it", "skip"),
        ("skip this one please", "skip"),
        ("resume", "resume"),
        ("continue", "resume"),
        ("go on", "resume"),
        ("carry on", "resume"),
        ("  RESUME 👍 ", "resume"),
    ],
)
def test_a_command_message_gives_its_command(text: str, command: str) -> None:
    assert command_word(text) == command, text


@pytest.mark.parametrize(
    ("text", "command"),
    [("pasue", "pause"), ("resme", "resume"), ("contniue", "resume"), ("cancle", "stop")],
)
def test_typos_are_forgiven_in_words_of_five_letters_or_more(text: str, command: str) -> None:
    assert command_word(text) == command, text


@pytest.mark.parametrize(
    "text",
    [
        "nxet",  # typo in a short word: not forgiven
        "skp",
        "stpo",
        "cause",  # a real word one letter from "pause"
        "cancer",  # a red-flag word one letter from "cancel"
        "I'm done",  # finished the exercise, or the whole thing? ambiguous
        "done for today",
        "stop pause",  # two different commands
        "can I pause in the middle?",  # a question, not a command
        "why do we stop after the bridge",
        "wait what",
        "hold",
        "ok",
        "please",
        "",
        "🙂",
        "next, my legs are numb",  # a red flag is never a command
        "stop " + "please " * 40,  # too long to be a command
    ],
)
def test_anything_else_is_not_a_command(text: str) -> None:
    assert command_word(text) is None, text


@pytest.mark.parametrize("text", ["start", "menu", "help", "go back", "back", "go", "pause"])
def test_control_messages_include_bare_start_menu_help(text: str) -> None:
    assert is_control_message(text), text


@pytest.mark.parametrize("text", ["how do I start", "my back", "help me with the bridge", ""])
def test_questions_are_not_control_messages(text: str) -> None:
    assert not is_control_message(text), text
