"""The reminders table, on both engines: atomic changes, claims, and guarded advances."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from db import reminders, routines, users
from db.connection import Database
from db.reminders import Reminder
from tests.pg import both_engines

pytestmark = both_engines


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    await users.upsert(database, 1, 1, "Alex", 0.0)
    yield database
    await database.close()


def set_0730(zone: str | None, current: Reminder | None) -> Reminder:
    return Reminder(user_id=1, local_time="07:30", next_due=100.0)


async def test_modify_sets_zone_and_reminder_in_one_go(db: Database) -> None:
    zone, stored = await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")
    assert zone == "Europe/Berlin" and stored is not None and stored.next_due == 100.0
    assert await reminders.get(db, 1) == ("Europe/Berlin", stored)
    assert await reminders.modify(db, 999, set_0730, 0.0) == (None, None)


async def test_a_failing_change_leaves_everything_as_it_was(db: Database) -> None:
    await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")

    def broken(zone: str | None, current: Reminder | None) -> Reminder:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await reminders.modify(db, 1, broken, 0.0, zone="Asia/Tokyo")
    assert (await reminders.get(db, 1))[0] == "Europe/Berlin"


async def test_a_claim_needs_the_row_unchanged_and_hides_it_from_the_sweep(db: Database) -> None:
    await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")
    assert [d.reminder.user_id for d in await reminders.due(db, 100.0, 10)] == [1]
    assert not await reminders.claim(db, 1, 99.0, 5.0)  # the user changed it meanwhile
    assert await reminders.claim(db, 1, 100.0, 5.0)
    assert not await reminders.claim(db, 1, 100.0, 6.0)  # never two sends at once
    assert await reminders.due(db, 100.0, 10) == []
    assert [d.reminder.sending_at for d in await reminders.interrupted(db)] == [5.0]
    await reminders.release(db, 1, 5.0)
    assert len(await reminders.due(db, 100.0, 10)) == 1


async def test_advance_skips_rows_that_changed(db: Database) -> None:
    await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")
    assert await reminders.advance_many(db, [(1, 50.0, 200.0, "2024-06-03")], 1.0) == 0
    assert await reminders.advance_many(db, [(1, 100.0, 200.0, "2024-06-03")], 1.0) == 1
    _, stored = await reminders.get(db, 1)
    assert stored == replace(set_0730(None, None), next_due=200.0, last_date="2024-06-03")


async def test_forgetting_a_user_deletes_their_reminder(db: Database) -> None:
    await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")
    await users.forget(db, 1)
    assert await reminders.due(db, 1e12, 10) == []
    row = await db.fetchone("SELECT COUNT(*) AS n FROM reminders")
    assert row is not None and row["n"] == 0


async def test_a_claim_can_also_require_no_routine_finished_in_a_window(db: Database) -> None:
    await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")
    run = await routines.create(db, 1, 1, 40.0)
    await db.execute(
        "UPDATE routine_runs SET status = 'finished', ended_at = 50.0 WHERE id = ?",
        (run["id"],),
    )
    assert not await reminders.claim(db, 1, 100.0, 5.0, unless_finished=(0.0, 86.0))
    assert await reminders.due(db, 100.0, 10) != []  # not claimed: still due
    assert await reminders.claim(db, 1, 100.0, 5.0, unless_finished=(60.0, 86.0))


async def test_modify_many_changes_each_row_from_what_it_is_now_in_one_go(db: Database) -> None:
    await users.upsert(db, 2, 2, "Sam", 0.0)
    await users.upsert(db, 3, 3, "Kim", 0.0)  # no reminder: left alone
    await reminders.modify(db, 1, set_0730, 0.0, zone="Europe/Berlin")
    at_0800 = Reminder(user_id=2, local_time="08:00", next_due=100.0)
    await reminders.modify(db, 2, lambda zone, current: at_0800, 0.0, zone="Asia/Tokyo")
    assert await reminders.claim(db, 1, 100.0, 5.0)
    seen: dict[int, tuple[str | None, Reminder | None]] = {}

    def sent(zone: str | None, current: Reminder | None) -> Reminder | None:
        assert current is not None
        seen[current.user_id] = (zone, current)
        return replace(current, next_due=200.0, last_date="2024-06-03")

    def unchanged(zone: str | None, current: Reminder | None) -> Reminder | None:
        return current

    assert await reminders.modify_many(db, {1: sent, 2: unchanged, 3: sent}, 1.0) == 1
    assert seen[1][0] == "Europe/Berlin" and seen[1][1] is not None
    assert seen[1][1].sending_at == 5.0 and 3 not in seen
    _, first = await reminders.get(db, 1)
    assert first == replace(set_0730(None, None), next_due=200.0, last_date="2024-06-03")
    _, second = await reminders.get(db, 2)
    assert second is not None and second.next_due == 100.0
    assert await reminders.modify_many(db, {}, 1.0) == 0
