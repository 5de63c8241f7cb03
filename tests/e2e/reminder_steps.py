"""What the reminder tests share: Monday 08:00 in Berlin as the start, Berlin wall times,
setting a reminder by command, and running the sweep at a chosen instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.emulator import ChatUser, StoredMessage
from bot.runtime.deps import BotApp, deps_of
from bot.services.reminders import SweepReport
from db import reminders as reminders_db
from db.reminders import Reminder

# Monday 3 June 2024, 06:00 UTC = 08:00 in Berlin.
MONDAY_0800_BERLIN = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)
REMINDER_TEXT = "time for your back routine"


def berlin(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """An instant of 2024 given in Berlin summer time (UTC+2)."""
    return datetime(2024, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


async def sweep_at(app: BotApp, clock: FakeClock, when: datetime) -> SweepReport:
    """Move the clock, run the reminder sweep as its job would, and wait until its sends
    are done."""
    clock.set(when)
    service = deps_of(app).reminders
    report = await service.sweep()
    await service.sender.join()
    return report


async def stored(app: BotApp, user: ChatUser) -> Reminder:
    _, reminder = await reminders_db.get(deps_of(app).db, user.user_id)
    assert reminder is not None
    return reminder


async def set_time(user: ChatUser, typed: str, expected: str = "Done") -> StoredMessage:
    """`/reminder <typed>` and "Every day": the confirmation (containing `expected`)."""
    await user.send(f"/reminder {typed}")
    days = await user.expect_message("Every day, or only on weekdays?")
    await user.press("Every day", days)
    return await user.expect_edit(expected)


async def set_berlin_0730(user: ChatUser) -> None:
    """The quickest way to a reminder: zone by command, time by command."""
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await set_time(user, "7:30", "Next: tomorrow 07:30")
