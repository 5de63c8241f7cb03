"""A new user meets the bot: greeting, disclaimer, safety screen."""

from __future__ import annotations

from bot.emulator import BotApiEmulator, ChatUser
from bot.runtime.deps import BotApp


async def test_new_user_gets_greeting_disclaimer_and_safety_screen(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("/start")
    greeting = await user.expect_message("BackCoach")
    assert "Alex" in greeting.plain
    assert "not a substitute" in greeting.plain or "no substitute" in greeting.plain
    screen = await user.expect_message("safety check")
    assert "Numbness around your genitals or buttocks" in screen.plain
    assert "Constant pain that is worse at night" in screen.plain
    assert screen.button_labels == ["✅ None of these apply", "⚠️ One of these applies"]


async def test_commands_are_registered_at_startup(bot: BotApp, emulator: BotApiEmulator) -> None:
    names = [c["command"] for c in emulator.commands]
    assert {"routine", "help", "cancel", "reminder", "ask"} <= set(names)
    assert {"progress", "goal", "export"} <= set(names)
