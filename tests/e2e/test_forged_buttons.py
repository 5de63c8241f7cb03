"""Forged button data, as an attacker would send it, gets a short answer and changes
nothing: never an exception (issue 9: a run id past SQLite's integers raised
OverflowError, a zone that is a folder of the zone database raised IsADirectoryError)."""

from __future__ import annotations

import logging

import pytest

from bot.emulator import ChatUser
from bot.runtime.deps import BotApp
from tests.conftest import clear_safety

FORGED = [
    "r:9223372036854775808:0:n",  # one past the largest SQLite integer
    "r:99999999999999999999999:0:n",
    "r:-1:0:n",
    "r:1:0:v11",  # a pain score out of range
    "z:set:America",  # a folder of the zone database, not a zone
    "z:set:America/",
    "z:set:../../../etc/passwd",
    "z:set:Europe/Berlin/../../..",
    "m:p:99999999999999999999",
    "m:go:20241399",  # no such day
    "s:",
    "f:maybe",
    "",
]


async def test_forged_buttons_get_a_toast_and_no_traceback(
    bot: BotApp, user: ChatUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await clear_safety(user)
    await user.send("/routine")
    message = await user.expect_message("How is your pain right now")
    for data in FORGED:
        answer = await user.press_data(data, message)
        assert "no longer works" in answer.text or "ended" in answer.text, (data, answer.text)
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], [r.getMessage() for r in problems]
    # Nothing changed, and the bot is fine afterwards.
    await user.press("5", message)
    await user.expect_message("Back flexion stretch")
    await user.send("/help")
    await user.expect_message("What I can do")
