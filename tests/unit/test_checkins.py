"""The morning check-in's schedule: once a local day, never twice after a crash, retried
after a failed send, skipped when hours late, off for a user who blocked the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock, ScaledClock
from bot.services.checkins import CheckinService, DueCheckIn, queue_key
from bot.services.reminders import SendOutcome
from db import progress, users
from db.connection import Database

USER = 7
# Monday 3 June 2024, 08:00 in Berlin.
START = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 6, day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


class Queue:
    """The paced queue's interface; attempts run when the test says so."""

    on_low: Callable[[], None] | None = None
    low_water = 0

    def __init__(self) -> None:
        self.items: dict[int, Callable[[], Awaitable[None]]] = {}

    def __contains__(self, key: int) -> bool:
        return key in self.items

    @property
    def backlog(self) -> int:
        return len(self.items)

    def submit(self, key: int, attempt: Callable[[], Awaitable[None]]) -> bool:
        if key in self.items:
            return False
        self.items[key] = attempt
        return True

    def start(self) -> None:
        pass

    async def stop(self, grace: float = 5.0) -> None:
        pass

    async def run(self) -> None:
        items, self.items = self.items, {}
        for attempt in items.values():
            await attempt()


class Phone:
    """What the deliver callable sees; `outcome` or `error` decides how the send goes."""

    def __init__(self) -> None:
        self.sent: list[date] = []
        self.outcome = SendOutcome.SENT
        self.error: Exception | None = None

    async def deliver(self, due: DueCheckIn, day: date) -> SendOutcome:
        if self.error is not None:
            raise self.error
        self.sent.append(day)
        return self.outcome


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    await users.upsert(database, USER, USER, "Sam", 0.0)
    await database.execute("UPDATE users SET timezone = 'Europe/Berlin'")
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def phone() -> Phone:
    return Phone()


@pytest.fixture
async def service(db: Database, clock: FakeClock, phone: Phone) -> CheckinService[Queue]:
    checkins = CheckinService(db, ScaledClock(1.0, clock), Queue(), phone.deliver)
    scheduled = await checkins.turn_on(USER, time(7, 15))
    assert scheduled is not None and scheduled.first == berlin(4, 7, 15)
    return checkins


async def sweep(service: CheckinService[Queue], clock: FakeClock, when: datetime) -> None:
    clock.set(when)
    await service.sweep()
    await service.sender.run()


async def test_asked_at_local_time_once_a_day(
    service: CheckinService[Queue], clock: FakeClock, phone: Phone
) -> None:
    await sweep(service, clock, berlin(4, 7, 14))
    assert phone.sent == []
    await sweep(service, clock, berlin(4, 7, 15))
    await sweep(service, clock, berlin(4, 9, 0))
    assert phone.sent == [date(2024, 6, 4)]
    settings = await service.settings(USER)
    assert settings.checkin_next_due == berlin(5, 7, 15).timestamp()
    # Turned off and on again the same morning: not a second time that day.
    await service.turn_off(USER)
    scheduled = await service.turn_on(USER, time(9, 30))
    assert scheduled is not None and scheduled.first == berlin(5, 9, 30)


async def test_a_failed_send_is_retried_and_a_blocked_bot_turns_it_off(
    service: CheckinService[Queue], clock: FakeClock, phone: Phone, db: Database
) -> None:
    clock.set(berlin(4, 7, 15))
    await service.sweep()
    phone.error = ConnectionError("network down")
    with pytest.raises(ConnectionError):
        await service.sender.run()
    assert (await service.settings(USER)).checkin_sending_at is None  # released
    phone.error = None
    await sweep(service, clock, berlin(4, 7, 16))
    assert phone.sent == [date(2024, 6, 4)]

    phone.outcome = SendOutcome.BLOCKED
    await sweep(service, clock, berlin(5, 7, 15))
    assert not (await service.settings(USER)).checkin_enabled


async def test_hours_late_it_is_skipped_and_a_crash_mid_send_counts_as_sent(
    service: CheckinService[Queue], clock: FakeClock, phone: Phone, db: Database
) -> None:
    await sweep(service, clock, berlin(4, 10, 0))  # the bot was down 07:15 to 10:00
    assert phone.sent == []
    assert (await service.settings(USER)).checkin_last_date == "2024-06-04"

    due = berlin(5, 7, 15).timestamp()
    assert await progress.claim_checkin(db, USER, due, due)  # then the process died
    clock.set(berlin(5, 7, 20))
    assert await service.recover_interrupted() == 1
    settings = await service.settings(USER)
    assert settings.checkin_last_date == "2024-06-05"
    assert settings.checkin_next_due == berlin(6, 7, 15).timestamp()
    assert queue_key(USER) == -USER  # never the reminder's key
