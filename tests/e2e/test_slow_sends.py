"""A reminder is sent once even when Telegram's answer is slow or lost, and is retried
while Telegram cannot be reached at all.

Telegram has no idempotency key: once a send may have reached it, trying again could
deliver it twice. Only a send that never left (no connection) is retried.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.core.clock import FakeClock
from bot.emulator import BotApiEmulator, ChatUser
from bot.runtime.deps import BotApp
from tests.conftest import BotStarter
from tests.e2e.reminder_steps import (
    MONDAY_0800_BERLIN,
    REMINDER_TEXT,
    berlin,
    set_berlin_0730,
    stored,
)
from tests.e2e.test_reminders import reminders_received, service


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_0800_BERLIN)


@pytest.fixture
async def app(start_bot: BotStarter, clock: FakeClock) -> BotApp:
    return await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)


def is_reminder(params: dict[str, object]) -> bool:
    return REMINDER_TEXT in str(params.get("text", "")).lower()


async def reminder_time(app: BotApp, clock: FakeClock) -> None:
    """Tuesday 07:30 in Berlin: the sweep hands the reminder to the send queue."""
    clock.set(berlin(4, 7, 30))
    await service(app).sweep()
    await service(app).sender.join()


async def test_a_reminder_whose_answer_is_lost_is_not_sent_again(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await set_berlin_0730(user)
    service(app).sender.base_backoff = 0.05
    # Telegram delivers the reminder, then the connection drops before its answer.
    emulator.lose_answers("sendMessage", when=is_reminder)
    await reminder_time(app, clock)
    await user.expect_message(REMINDER_TEXT)
    await service(app).sweep()  # the next sweeps must not find it due either
    await service(app).sender.join()

    assert reminders_received(user) == 1
    assert (await stored(app, user)).last_date == "2024-06-04"  # counted as sent
    assert service(app).sender.stats.network_errors == 0


@pytest.mark.slow
async def test_a_reminder_answered_after_seven_seconds_is_sent_once(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    """Past PTB's default 5 s read timeout, which used to retry it: two reminders."""
    await set_berlin_0730(user)
    service(app).sender.base_backoff = 0.05
    emulator.answer_slowly(7, times=1)
    await reminder_time(app, clock)

    assert emulator.slow_answered == 1
    assert reminders_received(user) == 1
    reminder = await stored(app, user)
    assert reminder.last_date == "2024-06-04" and reminder.sending_at is None


async def test_a_reminder_is_retried_while_telegram_cannot_be_reached(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await set_berlin_0730(user)
    service(app).sender.base_backoff = 0.2
    await emulator.go_offline()  # connections are refused: nothing can have arrived
    clock.set(berlin(4, 7, 30))
    await service(app).sweep()
    await asyncio.sleep(0.5)  # a few tries meet a closed port
    await emulator.go_online()
    await user.expect_message(REMINDER_TEXT, timeout=10)
    await service(app).sender.join()

    assert service(app).sender.stats.network_errors >= 1
    assert reminders_received(user) == 1
    assert (await stored(app, user)).last_date == "2024-06-04"
