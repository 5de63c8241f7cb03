"""A reminder's "sent" mark that cannot be saved for a moment (another process holds
SQLite's write lock) never silences the user's reminders: the save is retried, a mark
left behind is resolved by the running bot's sweep, and setting the reminder again
clears it."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import FakeClock
from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.server import ApiError
from bot.runtime.deps import BotApp, deps_of
from bot.runtime.sending import PacedSender
from bot.services.reminders import ReminderService
from tests.conftest import BotStarter
from tests.e2e.reminder_steps import (
    MONDAY_0800_BERLIN,
    REMINDER_TEXT,
    berlin,
    set_berlin_0730,
    set_time,
    stored,
    sweep_at,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_0800_BERLIN)


@pytest.fixture
async def app(start_bot: BotStarter, clock: FakeClock) -> BotApp:
    bot = await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)
    if deps_of(bot).db.path is None:
        pytest.skip("another process holding the write lock is a SQLite story")
    # Seconds, not minutes: SQLite waits 0.1 s for a lock (not 5 s), retries come quickly.
    await deps_of(bot).db.execute("PRAGMA busy_timeout = 100")
    service(bot).mark_backoff = 0.05
    return bot


def service(app: BotApp) -> ReminderService[PacedSender]:
    return deps_of(app).reminders


class OtherProcess:
    """Another process holding SQLite's write lock (a backup, a second bot by mistake)."""

    def __init__(self, path: Path | None) -> None:
        assert path is not None, "these tests run on SQLite"
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=1.0)

    def lock(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def unlock(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def while_the_reminder_is_sent(emulator: BotApiEmulator, action: Callable[[], None]) -> None:
    """Run `action` when the reminder's sendMessage reaches the Bot API: after the claim
    was committed, before the sent-mark is saved. (The emulator asks `when` of each
    request whether to fail it; this one never fails a request, it only watches.)"""
    done = False

    def watch(params: dict[str, Any]) -> bool:
        nonlocal done
        if not done and REMINDER_TEXT in str(params.get("text", "")).lower():
            done = True
            action()
        return False

    emulator.fail("sendMessage", ApiError(500, "never used"), when=watch)


async def logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 10.0) -> None:
    """Wait until the bot has logged `text` (the bot runs in this process)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(text in record.getMessage() for record in caplog.records):
        assert loop.time() < deadline, f"the bot never logged {text!r}"
        await asyncio.sleep(0.01)


def reminders_received(user: ChatUser) -> int:
    return sum(REMINDER_TEXT in text.lower() for text in user.sent_texts())


async def sent_but_mark_never_saved(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator, caplog: Any
) -> None:
    """Tuesday 07:30: the reminder goes out, and the lock outlasts every save attempt."""
    service(app).mark_tries = 2
    other = OtherProcess(deps_of(app).db.path)
    while_the_reminder_is_sent(emulator, other.lock)
    await sweep_at(app, clock, berlin(4, 7, 30))
    await user.expect_message(REMINDER_TEXT)
    await logged(caplog, "sent-mark failed 2 times")
    other.unlock()
    assert (await stored(app, user)).sending_at is not None  # left marked


async def test_a_sent_mark_that_fails_for_a_moment_is_saved_on_a_retry(
    app: BotApp,
    user: ChatUser,
    clock: FakeClock,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    await set_berlin_0730(user)
    other = OtherProcess(deps_of(app).db.path)
    while_the_reminder_is_sent(emulator, other.lock)
    clock.set(berlin(4, 7, 30))
    await service(app).sweep()
    await user.expect_message(REMINDER_TEXT)
    await logged(caplog, "sent-mark failed")
    other.unlock()
    await service(app).sender.join()
    after = await stored(app, user)
    assert after.sending_at is None and after.last_date == "2024-06-04"
    await sweep_at(app, clock, berlin(5, 7, 30))
    await user.expect_message(REMINDER_TEXT)
    assert reminders_received(user) == 2


async def test_a_mark_left_behind_is_resolved_by_the_running_bot(
    app: BotApp,
    user: ChatUser,
    clock: FakeClock,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    await set_berlin_0730(user)
    await sent_but_mark_never_saved(app, user, clock, emulator, caplog)
    # A minute later the send might still be under way: left alone.
    await sweep_at(app, clock, berlin(4, 7, 31))
    assert (await stored(app, user)).sending_at is not None
    # Past two minutes: it went out (or may have), so it counts as sent, never twice.
    await sweep_at(app, clock, berlin(4, 7, 33))
    after = await stored(app, user)
    assert after.sending_at is None and after.last_date == "2024-06-04"
    assert reminders_received(user) == 1
    await sweep_at(app, clock, berlin(5, 7, 30))
    await user.expect_message(REMINDER_TEXT)
    assert reminders_received(user) == 2


async def test_setting_the_reminder_again_clears_a_mark_left_behind(
    app: BotApp,
    user: ChatUser,
    clock: FakeClock,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    await set_berlin_0730(user)
    await sent_but_mark_never_saved(app, user, clock, emulator, caplog)
    clock.set(berlin(4, 11, 45))
    await set_time(user, "11:49", "Next: today 11:49")
    assert (await stored(app, user)).sending_at is None
    await sweep_at(app, clock, berlin(4, 11, 49))
    await user.expect_message(REMINDER_TEXT)  # what the user was told
    assert reminders_received(user) == 2
