"""Issue 9's data rules for reminders, on both engines: a stuck "sending" mark is found
by age and cleared by any change; a block's mark is set only on a reminder that was on
and is taken once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from db import reminders, users
from db.connection import Database
from db.reminders import Reminder
from tests.pg import both_engines

pytestmark = both_engines


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    await users.upsert(database, 1, 1, "Alex", 0.0)
    await reminders.modify(
        database,
        1,
        lambda zone, current: Reminder(user_id=1, local_time="07:30", next_due=100.0),
        0.0,
        zone="Europe/Berlin",
    )
    yield database
    await database.close()


async def test_a_stuck_mark_is_found_by_its_age(db: Database) -> None:
    assert await reminders.claim(db, 1, 100.0, 50.0)
    assert [d.reminder.user_id for d in await reminders.interrupted(db)] == [1]
    assert await reminders.interrupted(db, claimed_before=50.0) == []  # not older
    assert [d.reminder.user_id for d in await reminders.interrupted(db, claimed_before=51.0)] == [1]


async def test_any_change_clears_a_sending_mark_even_one_that_changes_nothing_else(
    db: Database,
) -> None:
    assert await reminders.claim(db, 1, 100.0, 50.0)
    _, stored = await reminders.modify(db, 1, lambda zone, current: current, 60.0)
    assert stored is not None and stored.sending_at is None
    assert (await reminders.get(db, 1))[1] == stored


async def test_a_block_marks_a_reminder_that_was_on_and_the_mark_is_taken_once(
    db: Database,
) -> None:
    assert await reminders.turn_off_blocked(db, 1, 10.0)
    assert not await reminders.turn_off_blocked(db, 1, 11.0)  # already off: no new mark
    taken = await reminders.take_blocked_mark(db, 1, 12.0)
    assert taken is not None and taken.local_time == "07:30" and not taken.enabled
    assert await reminders.take_blocked_mark(db, 1, 13.0) is None


async def test_turning_it_off_yourself_leaves_nothing_to_offer_back(db: Database) -> None:
    assert await reminders.turn_off_blocked(db, 1, 10.0)
    await reminders.turn_off(db, 1, 11.0)
    assert await reminders.take_blocked_mark(db, 1, 12.0) is None
