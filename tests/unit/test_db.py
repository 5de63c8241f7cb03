"""The data-access layer on both engines: migrations, optimistic saves, constraints,
transactions, and the building blocks for several workers (claims, advisory locks).
SQLite's file handling is in test_db_sqlite.py; PostgreSQL's connection in
test_db_postgres.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.content import load_content
from bot.core.routine import Action, Plan, RoutineState, apply
from db import progress, routines, users
from db.connection import Database, IntegrityError, migrations
from tests.pg import both_engines

PLAN = Plan.from_content(load_content())

pytestmark = both_engines


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    yield database
    await database.close()


async def test_opening_applies_every_migration_and_reopening_keeps_the_data(
    database_url: str,
) -> None:
    first = await Database.open(database_url)
    assert await first.schema_version() == len(migrations())
    await users.upsert(first, 1, 1, "Alex", 0.0)
    await first.close()
    second = await Database.open(database_url)
    assert (await users.get(second, 1)) is not None
    assert await second.schema_version() == len(migrations())
    await second.close()


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


async def test_a_routine_is_read_with_its_users_safety_answer_and_text_only_choice(
    db: Database,
) -> None:
    """One read for a press: the routine, its outcomes, and what of its user the press
    needs (the picture of the next card reads no "Text only" of its own)."""
    await users.upsert(db, 7, 7, "Sam", 0.0)
    run_id = (await routines.create(db, 7, 7, 1.0))["id"]
    loaded = await routines.load(db, run_id)
    assert loaded is not None and loaded.text_only is False and loaded.safety_status is None
    await users.set_safety(db, 7, "cleared", 2.0)
    await db.execute("UPDATE users SET text_only = 1 WHERE user_id = 7")
    loaded = await routines.load_open(db, 7)
    assert loaded is not None and loaded.text_only is True
    assert loaded.safety_status == "cleared" and "user_text_only" not in loaded.row
    user = await users.get(db, 7)
    assert user is not None and user.text_only is True


async def test_a_routines_doses_are_written_in_one_statement_that_returns_them(
    db: Database,
) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    run_id = (await routines.create(db, 7, 7, 1.0))["id"]
    doses = {"flexion": (25, "easy_twice"), "cat_cow": (15, None)}
    assert await progress.record_doses(db, run_id, 7, doses, 1.0) == doses
    # Written once: a second call (a retried start) changes nothing and returns nothing.
    assert await progress.record_doses(db, run_id, 7, {"flexion": (20, None)}, 2.0) == {}
    assert await progress.run_doses(db, run_id) == doses


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


async def test_telegram_sized_ids_and_exact_instants_round_trip(db: Database) -> None:
    # User ids pass 2^31 already; supergroup chat ids are large negative numbers.
    user_id, chat_id = 7_123_456_789, -1_001_234_567_890
    await users.upsert(db, user_id, chat_id, "Kim", 1_718_000_000.123456)
    run = await routines.create(db, user_id, chat_id, 1_718_000_000.987654)
    assert run["user_id"] == user_id and run["chat_id"] == chat_id
    assert run["started_at"] == 1_718_000_000.987654
    stored = await users.get(db, user_id)
    assert stored is not None and stored.chat_id == chat_id


async def test_rows_read_by_name_and_position_and_convert_to_dicts(db: Database) -> None:
    await users.upsert(db, 7, 8, "Sam", 0.0)
    row = await db.fetchone("SELECT user_id, chat_id FROM users WHERE user_id = ?", (7,))
    assert row is not None
    assert (row["user_id"], row[1]) == (7, 8)
    assert dict(row) == {"user_id": 7, "chat_id": 8}
    assert await db.fetchone("SELECT user_id FROM users WHERE user_id = ?", (9,)) is None
    assert [r["user_id"] for r in await db.fetchall("SELECT user_id FROM users")] == [7]


async def test_a_broken_constraint_raises_one_error_type_on_every_engine(db: Database) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    with pytest.raises(IntegrityError):  # a second row with the same primary key
        await db.execute(
            "INSERT INTO users (user_id, chat_id, created_at) VALUES (?, ?, ?)", (7, 7, 0.0)
        )
    with pytest.raises(IntegrityError):  # a routine for nobody: the foreign key says no
        await db.execute(
            "INSERT INTO reminders (user_id, local_time, updated_at) VALUES (?, ?, ?)",
            (404, "07:30", 0.0),
        )
    with pytest.raises(IntegrityError):  # a check constraint
        await db.execute("UPDATE users SET safety_status = 'fine' WHERE user_id = ?", (7,))


async def test_a_transaction_is_all_or_nothing(db: Database) -> None:
    await users.upsert(db, 7, 7, "Sam", 0.0)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            sql = "UPDATE users SET first_name = ? WHERE user_id = ?"
            assert await tx.execute(sql, ("Al", 7)) == 1
            row = await tx.fetchone("SELECT first_name FROM users WHERE user_id = ?", (7,))
            assert row is not None and row["first_name"] == "Al"  # seen inside
            raise RuntimeError("the handler failed half-way")
    stored = await users.get(db, 7)
    assert stored is not None and stored.first_name == "Sam"

    async with db.transaction() as tx:
        assert await tx.executemany(
            "INSERT INTO users (user_id, chat_id, created_at) VALUES (?, ?, ?)",
            [(8, 8, 0.0), (9, 9, 0.0)],
        ) == 2
        assert len(await tx.fetchall("SELECT user_id FROM users")) == 3
    assert len(await db.fetchall("SELECT user_id FROM users")) == 3


async def test_a_claim_takes_each_row_once_in_order(db: Database) -> None:
    for user_id in (1, 2, 3):
        await users.upsert(db, user_id, user_id, None, 0.0)
    await db.execute("UPDATE users SET safety_at = user_id * 10")

    def claim() -> Any:
        return db.claim(
            "users",
            key="user_id",
            set_="safety_status = ?",
            where="safety_status IS NULL AND safety_at <= ?",
            params=("cleared", 25.0),
            order_by="safety_at",
            limit=1,
        )

    first = await claim()
    second = await claim()
    assert [row["user_id"] for row in first] == [1]
    assert first[0]["safety_status"] == "cleared"  # the row as it is after the claim
    assert [row["user_id"] for row in second] == [2]
    assert await claim() == []  # user 3 is not due yet; 1 and 2 are taken


async def test_an_advisory_lock_is_held_by_one_holder_at_a_time(database_url: str) -> None:
    first = await Database.open(database_url)
    second = await Database.open(database_url)
    try:
        async with first.advisory_lock("reminder-sender") as mine:
            assert mine
            async with second.advisory_lock("reminder-sender") as theirs:
                # PostgreSQL: the other worker is told no. SQLite: one process per file,
                # so there is no other worker to exclude.
                assert theirs == (second.engine == "sqlite")
            async with second.advisory_lock("another-lock") as other:
                assert other
        async with second.advisory_lock("reminder-sender") as after:
            assert after  # released with the block
    finally:
        await first.close()
        await second.close()
