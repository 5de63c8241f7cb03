"""Several workers on one PostgreSQL, in one process: one reminder sender at a time and a
clean hand-over; the hold sweep's claim takes each overdue hold once; a release a dead
worker owed is found."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock, ScaledClock
from bot.runtime.reminder_sender import ReminderSenderLease
from bot.runtime.sending import PacedSender
from bot.services.reminders import Delivery, Due, ReminderService, SendOutcome
from bot.services.routine import RoutineService
from db import routines, users
from db.connection import Database
from tests.unit.test_owed_release import PLAN, released_by_the_timer

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def databases(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two pools on one database: two workers, as far as the server can tell."""
    first, second = await Database.open(database_url), await Database.open(database_url)
    yield first, second
    await first.close()
    await second.close()


async def nothing(due: Due, now: datetime) -> Delivery:
    return Delivery(SendOutcome.SENT)


def lease(db: Database) -> ReminderSenderLease:
    service = ReminderService(db, ScaledClock(), PacedSender(), nothing)
    return ReminderSenderLease(db, service, interval=3600, retry=0.05)


async def test_one_worker_sends_and_another_takes_over_when_it_stops(
    databases: tuple[Database, Database],
) -> None:
    first, second = lease(databases[0]), lease(databases[1])
    await first.start()
    await second.start()
    assert (first.sending, second.sending) == (True, False)
    await first.stop()  # a clean stop lets go of the lock
    for _ in range(100):
        if second.sending:
            break
        await asyncio.sleep(0.05)
    assert second.sending and second.terms == 1
    await second.stop()


async def test_an_overdue_hold_is_claimed_by_one_sweep_only(
    databases: tuple[Database, Database],
) -> None:
    db, other = databases
    await users.upsert(db, 7, 7, "Alex", 0.0)
    row = await routines.create(db, 7, 7, 0.0)
    await db.execute(
        "UPDATE routine_runs SET phase = 'exercise', hold_ends_at = 100.0 WHERE id = ?",
        (row["id"],),
    )
    claims = await asyncio.gather(
        routines.claim_overdue_holds(db, 200.0, 10),
        routines.claim_overdue_holds(other, 200.0, 10),
    )
    # Both may see it in turn (the claim bumps the version; the release is what clears
    # it), but never at the same moment, and each claim is a new version.
    assert sorted(len(c) for c in claims) in ([0, 1], [1, 1])
    after = await db.fetchone("SELECT version FROM routine_runs WHERE id = ?", (row["id"],))
    assert after is not None and after["version"] == sum(len(c) for c in claims)
    assert await routines.claim_overdue_holds(db, 50.0, 10) == []  # not overdue yet then


async def test_a_release_its_dead_worker_owed_is_found_by_the_sweep_and_only_then(
    databases: tuple[Database, Database],
) -> None:
    """The worker saved the timer's release (a "Release now" owed) and died before, or
    while, sending it: the hold sweep of another finds it, once nobody live could be on it."""
    db = databases[0]
    clock = FakeClock(datetime(2024, 6, 3, 6, 0, tzinfo=UTC))
    service = RoutineService(db, PLAN, ScaledClock(1.0, clock))
    released = await released_by_the_timer(service, db, clock)

    def now() -> float:
        return clock.now().timestamp()

    assert await service.abandoned_releases(now() - 0.5, now() - 30) == []  # its worker is on it
    clock.advance(timedelta(seconds=1))
    [owed] = await service.abandoned_releases(now() - 0.5, now() - 30)
    assert owed.announce and owed.state.run_id == released.run_id
    assert await service.claim_announcement(released.run_id)  # a worker is sending it
    assert await service.abandoned_releases(now() - 0.5, now() - 30) == []
    clock.advance(timedelta(seconds=31))  # ...and died during the call
    [owed] = await service.abandoned_releases(now() - 0.5, now() - 30)
    assert not owed.announce  # it may have arrived: closed quietly, never sent twice
