"""The data-access layer: migrations, WAL, optimistic saves, and corrupt files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content import load_content
from bot.core.routine import Action, Plan, RoutineState, apply
from db import routines, users
from db.connection import Database, DatabaseError, migrations

PLAN = Plan.from_content(load_content())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "nested" / "bot.sqlite3")
    yield database
    await database.close()


async def test_opening_creates_the_folder_uses_wal_and_applies_every_migration(
    db: Database,
) -> None:
    assert db.path.parent.is_dir()
    mode = await db.fetchone("PRAGMA journal_mode")
    assert mode is not None and mode[0] == "wal"
    version = await db.fetchone("PRAGMA user_version")
    assert version is not None and version[0] == len(migrations())


async def test_reopening_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Database.open(path)
    await users.upsert(first, 1, 1, "Alex", 0.0)
    await first.close()
    second = await Database.open(path)
    assert (await users.get(second, 1)) is not None
    await second.close()


async def test_a_corrupt_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseError, match="not a usable SQLite database"):
        await Database.open(path)
    assert path.read_bytes() == garbage


async def test_a_routine_saves_only_from_the_version_it_was_loaded_at(db: Database) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    state = RoutineState.from_row(await routines.create(db, 7, 7, 1.0))
    result = apply(state, Action.PAIN, PLAN, now=2.0, value=5)
    assert await routines.save(
        db, result.state.to_row(), expected_version=state.version, outcome=None, now=2.0
    )
    # The same change again (a double tap) finds a newer version and writes nothing.
    assert not await routines.save(
        db, result.state.to_row(), expected_version=state.version, outcome=None, now=2.0
    )


async def test_outcome_and_state_are_written_together(db: Database) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    state = RoutineState.from_row(await routines.create(db, 7, 7, 1.0))
    state = apply(state, Action.PAIN, PLAN, now=2.0, value=5).state
    await routines.save(db, state.to_row(), expected_version=0, outcome=None, now=2.0)
    result = apply(state, Action.SKIP, PLAN, now=3.0)
    await routines.save(
        db, result.state.to_row(), expected_version=state.version, outcome=result.outcome, now=3.0
    )
    assert await routines.outcomes(db, state.run_id) == [("flexion", "skipped")]
    saved = await routines.get(db, state.run_id)
    assert saved is not None and saved["exercise_index"] == 1


async def test_a_user_never_has_two_open_routines(db: Database) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    await routines.create(db, 7, 7, 1.0)
    with pytest.raises(routines.AlreadyOpen):
        await routines.create(db, 7, 7, 2.0)
    rows = await db.fetchall("SELECT id FROM routine_runs")
    assert len(rows) == 1


async def test_forget_deletes_the_user_and_their_routines(db: Database) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    await routines.create(db, 7, 7, 1.0)
    await users.forget(db, 7)
    assert await db.fetchall("SELECT * FROM routine_runs") == []
    assert await users.get(db, 7) is None


async def test_finished_within_counts_only_finished_routines_in_the_window(
    db: Database,
) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    state = RoutineState.from_row(await routines.create(db, 7, 7, 100.0))
    state = apply(state, Action.PAIN, PLAN, now=101.0, value=5).state
    for _ in range(5):
        state = apply(state, Action.SKIP, PLAN, now=102.0).state
    state = apply(state, Action.PAIN, PLAN, now=200.0, value=4).state
    await routines.save(db, state.to_row(), expected_version=0, outcome=None, now=200.0)
    assert await routines.finished_within(db, {7: (150.0, 250.0)}) == {7}
    assert await routines.finished_within(db, {7: (250.0, 350.0)}) == set()


async def test_a_routine_whose_step_was_edited_away_is_stopped_not_crashed(
    db: Database,
) -> None:
    from bot.core.clock import ScaledClock
    from bot.services.routine import RoutineService

    service = RoutineService(db, PLAN, ScaledClock())
    await users.upsert(db, 7, 7, "Sam", 0.0)
    row = await routines.create(db, 7, 7, 1.0)
    await db.execute(
        "UPDATE routine_runs SET phase = 'exercise', exercise_index = 9 WHERE id = ?", (row["id"],)
    )
    state = await service.load(row["id"])
    assert state is not None and state.status.value == "stopped"


async def test_a_database_with_a_damaged_schema_is_reported_and_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    await database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await database.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the rest of page 1: the schema table
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="left untouched"):
        await Database.open(path)
    assert path.read_bytes() == bytes(data)


async def test_finished_within_checks_each_users_own_day_in_one_go(db: Database) -> None:
    for user_id, ended in ((7, 200.0), (8, 300.0)):
        await users.upsert(db, user_id, user_id, None, 0.0)
        state = RoutineState.from_row(await routines.create(db, user_id, user_id, 100.0))
        state = apply(state, Action.PAIN, PLAN, now=101.0, value=5).state
        for _ in range(5):
            state = apply(state, Action.SKIP, PLAN, now=102.0).state
        state = apply(state, Action.PAIN, PLAN, now=ended, value=4).state
        await routines.save(db, state.to_row(), expected_version=0, outcome=None, now=ended)
    windows = {7: (150.0, 250.0), 8: (150.0, 250.0), 9: (0.0, 1000.0)}
    assert await routines.finished_within(db, windows) == {7}
    assert await routines.finished_within(db, {}) == set()


async def finish(db: Database, user_id: int, ended: float, before: int, after: int) -> None:
    """A routine of `user_id` finished at `ended` with these pain scores."""
    await users.upsert(db, user_id, user_id, None, 0.0)
    state = RoutineState.from_row(await routines.create(db, user_id, user_id, ended - 100))
    state = apply(state, Action.PAIN, PLAN, now=ended - 99, value=before).state
    for _ in range(5):
        state = apply(state, Action.SKIP, PLAN, now=ended - 98).state
    state = apply(state, Action.PAIN, PLAN, now=ended, value=after).state
    await routines.save(db, state.to_row(), expected_version=0, outcome=None, now=ended)


async def test_the_last_pains_of_a_day_and_the_last_finish(db: Database) -> None:
    await finish(db, 7, 1000.0, 4, 6)
    await finish(db, 7, 2000.0, 6, 5)  # the same day, later: this one counts
    await finish(db, 8, 1500.0, 3, 8)
    windows = {7: (0.0, 3000.0), 8: (1600.0, 3000.0), 9: (0.0, 3000.0)}
    assert await routines.last_pains_within(db, windows) == {7: (6, 5)}
    assert await routines.last_pains_within(db, {7: (0.0, 1500.0)}) == {7: (4, 6)}
    assert await routines.finished_between(db, 7, 0.0, 1500.0) == [(1000.0, 4, 6)]
    assert await routines.last_finished_at(db, 7) == 2000.0
    assert await routines.last_finished_at(db, 9) is None


async def test_the_reminder_set_up_row_is_one_per_user_and_goes_with_forget(
    db: Database,
) -> None:
    from db import setup

    await users.upsert(db, 7, 7, "Sam", 0.0)
    await setup.put(db, setup.SetupRow(7, "zone", "07:30", None, 1.0))
    await setup.put(db, setup.SetupRow(7, "days", "19:00", True, 2.0))
    assert await setup.get(db, 7) == setup.SetupRow(7, "days", "19:00", True, 2.0)
    await users.forget(db, 7)
    assert await setup.get(db, 7) is None
