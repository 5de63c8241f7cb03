"""Odd updates never end in silence or a traceback: stickers, edits, unknown commands,
unknown buttons, and a failure on our side."""

from __future__ import annotations

import logging

import pytest

from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.server import ApiError
from bot.handlers.errors import APOLOGY
from bot.logs import configure_logging
from bot.runtime.deps import BotApp
from tests.conftest import TEST_TOKEN


async def test_a_sticker_gets_a_short_explanation(bot: BotApp, user: ChatUser) -> None:
    await user.send_update(sticker={
        "file_id": "CAAC", "file_unique_id": "u1", "width": 512, "height": 512,
        "is_animated": False, "is_video": False, "type": "regular",
    })  # fmt: skip
    reply = await user.expect_message()
    assert "only read text" in reply.plain


async def test_an_edited_command_does_not_run_again(bot: BotApp, user: ChatUser) -> None:
    await user.send_update(update_key="edited_message", text="/routine", edit_date=1)
    reply = await user.expect_message()
    assert "edit didn't change anything" in reply.plain
    assert not any("pain" in text for text in user.sent_texts())


async def test_an_unknown_command_gets_the_list_of_commands(bot: BotApp, user: ChatUser) -> None:
    await user.send("/dance")
    reply = await user.expect_message("don't know that command")
    assert "/routine" in reply.plain and "/help" in reply.plain


async def test_help_lists_the_commands(bot: BotApp, user: ChatUser) -> None:
    await user.send("/help")
    reply = await user.expect_message("What I can do")
    for command in ("/routine", "/reminder", "/ask", "/why", "/cancel", "/forget", "/progress"):
        assert command in reply.plain


async def test_a_button_with_unknown_data_is_answered_and_changes_nothing(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("/help")
    message = await user.expect_message()
    answer = await user.press_data("zz:unknown", message)
    assert "no longer works" in answer.text


async def test_a_failure_on_our_side_is_logged_with_the_update_id_and_apologised_for(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.fail("sendMessage", ApiError(500, "Internal Server Error: boom"), times=1)
    with caplog.at_level(logging.WARNING):
        update_id = await user.send("/help")
        apology = await user.expect_message()
    assert apology.plain == APOLOGY
    assert any(f"update {update_id}" in record.getMessage() for record in caplog.records)


async def test_the_token_never_appears_in_the_logs_even_at_debug(
    bot: BotApp, user: ChatUser, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", [TEST_TOKEN])
    try:
        await user.send("/start")
        await user.expect_message("safety check")
    finally:
        logging.getLogger().handlers.clear()
        logging.getLogger().setLevel(logging.WARNING)
    output = capfd.readouterr().err
    assert "sendMessage" in output or "send_message" in output  # DEBUG really logged requests
    assert TEST_TOKEN not in output
