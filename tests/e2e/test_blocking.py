"""A user who blocks the bot: their reminder goes off at once (Telegram's `my_chat_member`
update, not the next failed send); back again, they are offered it once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.routine import Status
from bot.emulator import BotApiEmulator, ChatUser
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import BotStarter, cleared_routine, start_first_hold
from tests.e2e.reminder_steps import (
    MONDAY_0800_BERLIN,
    REMINDER_TEXT,
    set_berlin_0730,
    sweep_at,
)

# Tuesday 07:30 in Berlin is 05:30 UTC.
TUESDAY_0730_BERLIN = datetime(2024, 6, 4, 5, 30, tzinfo=UTC)
WEDNESDAY_0730_BERLIN = datetime(2024, 6, 5, 5, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_0800_BERLIN)


@pytest.fixture
async def app(start_bot: BotStarter, clock: FakeClock) -> BotApp:
    return await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)


@pytest.fixture
def bystander(emulator: BotApiEmulator) -> ChatUser:
    return ChatUser(emulator, user_id=3003, first_name="Kim")


async def handled_so_far(bystander: ChatUser) -> None:
    """Updates are handled in order: once another user's /help is answered, every update
    sent before it was handled (a blocked user gets no reply to wait for)."""
    await bystander.send("/help")
    await bystander.expect_message("What I can do")


def reminder_attempts(emulator: BotApiEmulator, user: ChatUser) -> int:
    """sendMessage calls for this user's reminder, refused ones included."""
    return sum(
        method == "sendMessage"
        and str(params.get("chat_id")) == str(user.chat_id)
        and REMINDER_TEXT in str(params.get("text", "")).lower()
        for method, params in emulator.requests
    )


async def test_blocking_the_bot_turns_the_reminder_off_at_once(
    app: BotApp, user: ChatUser, bystander: ChatUser, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await user.block_bot()
    await handled_so_far(bystander)
    _, reminder = await deps_of(app).reminders.get(user.user_id)
    assert reminder is not None and not reminder.enabled
    await sweep_at(app, clock, TUESDAY_0730_BERLIN)
    assert reminder_attempts(emulator, user) == 0  # not even one refused send


async def test_unblocking_offers_the_reminder_back_once(
    app: BotApp, user: ChatUser, bystander: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await user.block_bot()
    await handled_so_far(bystander)
    await user.unblock_bot()
    offer = await user.expect_message("Welcome back")
    assert "every day at 07:30" in offer.plain
    assert offer.button_labels == ["🔔 Turn it back on", "No, thanks"]
    # Telegram's "Restart" also sends /start: the greeting, not a second offer.
    await user.send("/start")
    await user.expect_message("safety check")
    await handled_so_far(bystander)
    assert sum("Welcome back" in text for text in user.sent_texts()) == 1

    await user.press("Turn it back on", offer)
    done = await user.expect_edit("Done")
    assert "every day at 07:30" in done.plain
    await sweep_at(app, clock, TUESDAY_0730_BERLIN)
    await user.expect_message(REMINDER_TEXT)


async def test_a_block_found_by_a_failed_send_is_offered_back_on_start(
    app: BotApp, user: ChatUser, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    emulator.blocked_chats.add(user.chat_id)  # blocked, and Telegram's update was lost
    await sweep_at(app, clock, TUESDAY_0730_BERLIN)
    emulator.blocked_chats.discard(user.chat_id)
    await user.send("/start")
    offer = await user.expect_message("Welcome back")
    await user.press("No, thanks", offer)
    await user.expect_edit("Reminders are off")
    await sweep_at(app, clock, WEDNESDAY_0730_BERLIN)
    assert not any(REMINDER_TEXT in text.lower() for text in user.sent_texts())


async def test_a_reminder_the_user_turned_off_is_not_offered_after_a_block(
    app: BotApp, user: ChatUser, bystander: ChatUser
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder off")
    await user.expect_message("Reminders are off")
    await user.block_bot()
    await user.unblock_bot()
    await user.send("/start")
    await user.expect_message("safety check")
    await handled_so_far(bystander)
    assert not any("Welcome back" in text for text in user.sent_texts())


async def test_blocking_the_bot_during_a_hold_pauses_the_routine_and_sends_no_release(
    start_bot: BotStarter, user: ChatUser, bystander: ChatUser, emulator: BotApiEmulator
) -> None:
    app = await start_bot(speed=4.0)  # the 20 s hold lasts 5 s
    await cleared_routine(user)
    await start_first_hold(user)
    await user.block_bot()
    await handled_so_far(bystander)
    state = await deps_of(app).routines.load_open(user.user_id)
    assert state is not None and state.status is Status.PAUSED and not state.holding
    await asyncio.sleep(6)  # past the hold's end: no timer is left to fire
    # Not even tried (the emulator refuses sends to a chat that blocked the bot).
    assert not any(
        method == "sendMessage"
        and str(params.get("chat_id")) == str(user.chat_id)
        and "Release now" in str(params.get("text", ""))
        for method, params in emulator.requests
    )
