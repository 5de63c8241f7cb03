"""A "Release now" owed by the hold timer is saved with the release and settled once
(on both engines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.content import load_content
from bot.core.clock import FakeClock, ScaledClock
from bot.core.routine import Action, Plan, RoutineState, Transition
from bot.services.routine import RoutineService
from db import users
from db.connection import Database
from tests.pg import both_engines

pytestmark = both_engines
PLAN = Plan.from_content(load_content())


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 6, 3, 6, 0, tzinfo=UTC))


async def released_by_the_timer(
    service: RoutineService, db: Database, clock: FakeClock
) -> RoutineState:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    state, _ = await service.begin(7, 7)
    for action, value in ((Action.PAIN, 5), (Action.SHOW_ALL, None), (Action.START_HOLD, None)):
        result = await service.perform(state, action, value=value)
        assert isinstance(result, Transition)
        state = result.state
    clock.advance(timedelta(seconds=20))
    result = await service.perform(state, Action.RELEASE, announce=True)
    assert isinstance(result, Transition)
    return result.state


async def test_a_release_owed_at_a_crash_is_announced_if_the_restart_is_soon(
    db: Database, clock: FakeClock
) -> None:
    service = RoutineService(db, PLAN, ScaledClock(1.0, clock))
    released = await released_by_the_timer(service, db, clock)
    clock.advance(timedelta(seconds=5))
    [owed] = await service.owed_releases()
    assert owed.announce and owed.state.version == released.version
    clock.advance(timedelta(seconds=30))  # later than a late timer's grace
    [owed] = await service.owed_releases()
    assert not owed.announce  # closed quietly instead


async def test_a_release_that_may_have_gone_out_is_never_announced_again(
    db: Database, clock: FakeClock
) -> None:
    service = RoutineService(db, PLAN, ScaledClock(1.0, clock))
    released = await released_by_the_timer(service, db, clock)
    assert await service.claim_announcement(released.run_id)
    assert not await service.claim_announcement(released.run_id)  # once
    [owed] = await service.owed_releases()
    assert not owed.announce
    await service.announced(released.run_id)
    assert await service.owed_releases() == []


async def test_any_later_change_settles_what_was_owed(db: Database, clock: FakeClock) -> None:
    service = RoutineService(db, PLAN, ScaledClock(1.0, clock))
    released = await released_by_the_timer(service, db, clock)
    assert isinstance(await service.perform(released, Action.NEXT), Transition)
    assert await service.owed_releases() == []


async def test_settling_a_sent_release_saves_its_message_as_the_live_one_in_the_same_write(
    db: Database, clock: FakeClock
) -> None:
    service = RoutineService(db, PLAN, ScaledClock(1.0, clock))
    released = await released_by_the_timer(service, db, clock)
    await service.set_message(released.run_id, 41)  # the countdown
    assert await service.claim_announcement(released.run_id)
    await service.announced(released.run_id, 42)  # "Release now" went out as message 42
    loaded = await service.load(released.run_id)
    assert loaded is not None and loaded.message_id == 42
    assert await service.owed_releases() == []
    # Closed quietly (no message sent): the live message stays what it was.
    await service.announced(released.run_id)
    loaded = await service.load(released.run_id)
    assert loaded is not None and loaded.message_id == 42

