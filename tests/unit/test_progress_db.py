"""The progress tables: doses and taps, morning check-ins, goal and check-in schedule,
bounded history reads (checked with SQLite's query plans), the export, and /forget."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content
from bot.core.dose import Attempt, plan_doses
from bot.core.progress import (
    CheckIn,
    ExerciseRecord,
    History,
    Routine,
    StreakCache,
    Window,
    report,
)
from bot.core.schedule import next_occurrence
from bot.views.progress import export_csv
from db import progress, users
from db.connection import Database, IntegrityError, Row, Transaction, migrations

BERLIN = ZoneInfo("Europe/Berlin")
ORDER = ["flexion", "cat_cow", "trunk_twist", "knee_rocks", "glute_bridge"]


class RecordingDatabase(Database):
    """Remembers every read, so a test can ask SQLite how it would run each one."""

    engine = "sqlite"

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.path = inner.path
        self.reads: list[tuple[str, tuple[object, ...]]] = []

    @property
    def label(self) -> str:
        return self.inner.label

    async def close(self) -> None:
        await self.inner.close()

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return await self.inner.execute(sql, params)

    async def fetchone(self, sql: str, params: Sequence[object] = ()) -> Row | None:
        self.reads.append((sql, tuple(params)))
        return await self.inner.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        self.reads.append((sql, tuple(params)))
        return await self.inner.fetchall(sql, params)

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        return self.inner.transaction()

    async def erase_deleted(self) -> None:
        await self.inner.erase_deleted()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[RecordingDatabase]:
    database = RecordingDatabase(await Database.open(tmp_path / "bot.sqlite3"))
    await users.upsert(database, 7, 7, "Sam", 0.0)
    await users.upsert(database, 8, 8, "Kim", 0.0)
    yield database
    await database.close()


def at(text: str, zone: ZoneInfo = BERLIN) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


async def add_routine(
    db: Database,
    user_id: int,
    start: str,
    *,
    before: int | None = 5,
    after: int | None = 3,
    status: str = "finished",
    outcomes: Sequence[str] = ("done",) * 5,
) -> int:
    started = at(start)
    ended = started + 480 if status in ("finished", "stopped") else None
    async with db.transaction() as conn:
        row = await conn.fetchone(
            "INSERT INTO routine_runs (user_id, chat_id, status, phase, pain_before, pain_after, "
            "started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                user_id,
                status,
                "finished" if status == "finished" else "exercise",
                before,
                after if status == "finished" else None,
                started,
                ended,
            ),
        )
        assert row is not None
        run_id = int(row["id"])
        for position, outcome in enumerate(outcomes):
            await conn.execute(
                "INSERT INTO exercise_results (run_id, position, exercise_id, outcome, "
                "recorded_at) VALUES (?, ?, ?, ?, ?)",
                (run_id, position, ORDER[position], outcome, started + 60 * position),
            )
    return run_id


async def count(db: Database, table: str, user_id: int) -> int:
    queries = {
        "exercise_feedback": "SELECT count(*) FROM exercise_feedback WHERE user_id = ?",
        "morning_checkins": "SELECT count(*) FROM morning_checkins WHERE user_id = ?",
        "progress_settings": "SELECT count(*) FROM progress_settings WHERE user_id = ?",
        "routine_runs": "SELECT count(*) FROM routine_runs WHERE user_id = ?",
    }
    row = await db.fetchone(queries[table], (user_id,))
    assert row is not None
    return int(row[0])


# -- migrations -------------------------------------------------------------------------------


async def test_the_progress_migration_is_005_after_the_media_placeholder(db: Database) -> None:
    names = [name for _, name, _ in migrations()]
    assert names[3:5] == ["004_media.sql", "005_progress.sql"]
    version = await db.fetchone("PRAGMA user_version")
    assert version is not None and version[0] == len(names)


# -- goal, see-someone, streak cache ----------------------------------------------------------


async def test_the_goal_is_5_until_set_and_only_3_to_7_can_be_stored(db: Database) -> None:
    assert (await progress.get_settings(db, 7)).weekly_goal == 5
    await progress.set_goal(db, 7, 3, now=1.0)
    assert (await progress.get_settings(db, 7)).weekly_goal == 3
    with pytest.raises(IntegrityError):
        await progress.set_goal(db, 7, 8, now=2.0)
    assert (await progress.get_settings(db, 7)).weekly_goal == 3
    assert await progress.goals(db, [7, 8, 999]) == {7: 3, 8: 5, 999: 5}


async def test_a_new_goal_voids_the_streak_cache(db: Database) -> None:
    await progress.save_streak(db, 7, "2024-06-03", 12, 5, "Europe/Berlin", now=1.0)
    assert (await progress.get_settings(db, 7)).streak == ("2024-06-03", 12, 5, "Europe/Berlin")
    await progress.set_goal(db, 7, 4, now=2.0)
    assert (await progress.get_settings(db, 7)).streak is None


async def test_see_someone_is_said_once(db: Database) -> None:
    assert await progress.mark_see_someone(db, 7, now=1.0)
    assert not await progress.mark_see_someone(db, 7, now=2.0)
    assert (await progress.get_settings(db, 7)).see_someone_at == 1.0


# -- the morning check-in ---------------------------------------------------------------------


async def test_the_check_in_is_scheduled_claimed_sent_and_moved_to_the_next_morning(
    db: Database,
) -> None:
    await db.execute("UPDATE users SET timezone = 'Europe/Berlin' WHERE user_id = 7")
    now = datetime(2024, 6, 3, 6, 0, tzinfo=BERLIN)
    first = next_occurrence(now, time(7, 30), BERLIN)
    await progress.set_checkin(db, 7, "07:30", first.timestamp, now=now.timestamp())
    settings = await progress.get_settings(db, 7)
    assert settings.checkin_enabled and settings.checkin_time == "07:30"
    assert await progress.due_checkins(db, first.timestamp - 1, 10) == []
    due = await progress.due_checkins(db, first.timestamp + 5, 10)
    assert [(d.user_id, d.zone, d.local_time) for d in due] == [(7, "Europe/Berlin", "07:30")]
    assert await progress.claim_checkin(db, 7, first.timestamp, now=first.timestamp + 5)
    assert not await progress.claim_checkin(db, 7, first.timestamp, now=first.timestamp + 6)
    assert [d.user_id for d in await progress.interrupted_checkins(db)] == [7]
    nxt = next_occurrence(first.due, time(7, 30), BERLIN, after_date=first.local_date)
    assert await progress.advance_checkin(
        db,
        7,
        expected_due=first.timestamp,
        next_due=nxt.timestamp,
        local_date=first.local_date.isoformat(),
        now=first.timestamp + 6,
    )
    settings = await progress.get_settings(db, 7)
    assert settings.checkin_next_due == at("2024-06-04T07:30")
    assert settings.checkin_last_date == "2024-06-03" and settings.checkin_sending_at is None
    await progress.turn_off_checkin(db, 7, now=first.timestamp + 7)
    settings = await progress.get_settings(db, 7)
    assert not settings.checkin_enabled and settings.checkin_time == "07:30"


async def test_a_failed_send_leaves_the_check_in_due(db: Database) -> None:
    await progress.set_checkin(db, 7, "07:30", 100.0, now=1.0)
    assert await progress.claim_checkin(db, 7, 100.0, now=101.0)
    assert await progress.due_checkins(db, 200.0, 10) == []
    await progress.release_checkin(db, 7, 101.0)
    assert [d.user_id for d in await progress.due_checkins(db, 200.0, 10)] == [7]


async def test_one_check_in_a_day_answering_again_corrects_it(db: Database) -> None:
    assert await progress.record_checkin(db, 7, "2024-06-03", at("2024-06-03T07:31"), 5) is None
    previous = ("2024-06-03", 5)
    assert await progress.record_checkin(db, 7, "2024-06-04", at("2024-06-04T07:31"), 4) == previous
    assert await progress.record_checkin(db, 7, "2024-06-04", at("2024-06-04T07:40"), 3) == previous
    assert await count(db, "morning_checkins", 7) == 2
    with pytest.raises(IntegrityError):
        await progress.record_checkin(db, 7, "2024-06-05", 0.0, 11)


# -- doses and taps ---------------------------------------------------------------------------


async def test_easy_twice_read_back_from_the_database_steps_the_hold_up(
    db: Database, content: Content
) -> None:
    for day in ("2024-06-03", "2024-06-04"):
        run = await add_routine(db, 7, f"{day}T08:00")
        doses = plan_doses(content, {})
        await progress.record_doses(
            db,
            run,
            7,
            {k: (d.amount, d.reason.value) for k, d in doses.items()},
            at(f"{day}T08:00"),
        )
        assert await progress.set_feedback(db, run, 7, "flexion", "easy", now=at(f"{day}T08:05"))
    history = await progress.attempts(db, 7, ORDER)
    attempts = {
        e: [Attempt(r["outcome"], r["feedback"], r["dose"]) for r in rows]
        for e, rows in history.items()
    }
    assert attempts["flexion"] == [Attempt("done", "easy", 20), Attempt("done", "easy", 20)]
    assert plan_doses(content, attempts)["flexion"].amount == 25


async def test_a_tap_on_someone_elses_routine_changes_nothing(db: Database) -> None:
    run = await add_routine(db, 7, "2024-06-03T08:00")
    await progress.record_doses(db, run, 7, {"flexion": (20, None)}, at("2024-06-03T08:00"))
    assert not await progress.set_feedback(db, run, 8, "flexion", "hard", now=1.0)
    assert not await progress.set_feedback(db, run, 7, "cat_cow", "hard", now=1.0)
    assert await progress.run_doses(db, run) == {"flexion": (20, None)}


async def test_the_last_two_attempts_skip_exercises_the_routine_never_reached(db: Database) -> None:
    runs = []
    for day, outcomes in (
        ("2024-06-01", ("done",) * 5),
        ("2024-06-02", ("done",) * 5),
        ("2024-06-03", ("done",) * 5),
        ("2024-06-04", ("skipped",)),  # stopped after the first exercise
    ):
        run = await add_routine(db, 7, f"{day}T08:00", outcomes=outcomes, status="stopped")
        await progress.record_doses(
            db, run, 7, {e: (i + 20, None) for i, e in enumerate(ORDER)}, at(f"{day}T08:00")
        )
        runs.append(run)
    found = await progress.attempts(db, 7, ["flexion", "cat_cow"])
    assert [r["outcome"] for r in found["flexion"]] == ["done", "skipped"]
    assert [r["planned_at"] for r in found["cat_cow"]] == [
        at("2024-06-02T08:00"),
        at("2024-06-03T08:00"),
    ]


async def test_the_last_finished_routines_pain_decides_a_reset(db: Database) -> None:
    assert await progress.last_pain(db, 7) is None
    await add_routine(db, 7, "2024-06-03T08:00", before=4, after=6)
    await add_routine(db, 7, "2024-06-04T08:00", before=3, status="stopped")
    assert await progress.last_pain(db, 7) == (4, 6)


# -- /progress's reads ------------------------------------------------------------------------


async def test_progress_from_the_database_counts_the_week_and_the_trend(
    db: Database, content: Content
) -> None:
    await add_routine(db, 7, "2024-05-06T08:00", before=7)  # the first week
    for day in ("2024-05-27", "2024-05-28", "2024-05-29"):
        await add_routine(db, 7, f"{day}T08:00", before=5)
    for day in ("2024-06-03", "2024-06-04"):
        await add_routine(db, 7, f"{day}T08:00", before=3, outcomes=("done", "done", "skipped"))
    await progress.record_checkin(db, 7, "2024-06-04", at("2024-06-04T07:30"), 2)
    await add_routine(db, 8, "2024-06-04T09:00", before=9)  # someone else's
    now = datetime(2024, 6, 5, 12, 0, tzinfo=BERLIN)
    window = Window.for_now(now, BERLIN, 5, None)
    rows = await progress.load_history(
        db,
        7,
        since=window.since,
        since_date=window.since_date.isoformat(),
        streak_since=window.streak_since,
        read_older=window.needs_older_streak_read,
    )
    history = History.from_rows(rows)
    assert [c.score for c in history.checkins] == [2]
    result = report(history, now=now, zone=BERLIN, goal=3, exercise_order=ORDER)
    assert result.enough and result.routines == 6
    assert (result.week.done, result.week.goal) == (2, 3)
    assert result.streak.weeks == 1 and not result.streak.this_week
    assert (result.trend.this_week, result.trend.last_week, result.trend.first_week) == (3, 5, 7)
    assert result.trouble is not None and result.trouble.exercise_id == "trunk_twist"


async def test_the_reminder_sweep_gets_each_users_week_in_one_batch(db: Database) -> None:
    await add_routine(db, 7, "2024-06-03T08:00")
    await add_routine(db, 7, "2024-06-04T08:00")
    await add_routine(db, 7, "2024-05-31T08:00")  # last week
    await add_routine(db, 8, "2024-06-04T08:00", status="stopped")
    week = (at("2024-06-03T00:00"), at("2024-06-10T00:00"))
    ends = await progress.finished_ends_within(db, {7: week, 8: week})
    assert len(ends[7]) == 2 and ends[8] == []


async def test_history_reads_walk_indexes_never_a_whole_table(db: RecordingDatabase) -> None:
    """A user with two years of routines must cost what a user with a week does: each
    read is a bounded index search, never a scan of routine_runs or the new tables."""
    await add_routine(db, 7, "2024-06-03T08:00")
    db.reads.clear()
    now = datetime(2024, 6, 5, 12, 0, tzinfo=BERLIN)
    window = Window.for_now(now, BERLIN, 5, StreakCache(datetime(2024, 5, 6).date(), 3, 5, "x"))
    await progress.load_history(
        db,
        7,
        since=window.since,
        since_date=window.since_date.isoformat(),
        streak_since=at("2024-04-01T00:00"),
        read_older=True,
    )
    await progress.attempts(db, 7, ORDER)
    await progress.last_pain(db, 7)
    await progress.get_settings(db, 7)
    await progress.due_checkins(db, 1e12, 100)
    await progress.finished_ends_within(db, {7: (0.0, 1e12)})
    assert len(db.reads) >= 10
    for sql, params in db.reads:
        plan = [row[3] for row in await db.inner.fetchall("EXPLAIN QUERY PLAN " + sql, params)]
        # `SCAN a0`: reading a bounded subquery's own result; anything else is a table scan.
        scans = [step for step in plan if step.startswith("SCAN") and not step[5:].startswith("a")]
        assert scans == [], (sql, plan)


# -- /export and /forget ----------------------------------------------------------------------


async def test_the_export_holds_every_routine_its_doses_and_the_check_ins(
    db: Database, content: Content
) -> None:
    old = await add_routine(db, 7, "2024-06-02T08:00", outcomes=("done",))  # before doses
    run = await add_routine(db, 7, "2024-06-03T08:00")
    await progress.record_doses(
        db,
        run,
        7,
        {e: (d, None) for e, d in zip(ORDER, (25, 18, 15, 10, 12), strict=True)},
        at("2024-06-03T08:00"),
    )
    await progress.set_feedback(db, run, 7, "flexion", "hard", now=0.0)
    await progress.record_checkin(db, 7, "2024-06-03", at("2024-06-03T07:30"), 4)
    rows = await progress.export_rows(db, 7)
    assert [r["id"] for r in rows.routines] == [old, run]
    data = export_csv(
        [Routine.from_row(r) for r in rows.routines],
        {k: [ExerciseRecord.from_row(r) for r in v] for k, v in rows.exercises.items()},
        [CheckIn.from_row(r) for r in rows.checkins],
        content,
        BERLIN,
    ).decode()
    lines = data.splitlines()
    assert len(lines) == 4  # header, two routines, one check-in
    assert lines[1].startswith("2024-06-02,08:00,routine,5,3,,finished,done,,about right")
    assert lines[2].startswith("2024-06-03,07:30,morning check-in,,,4,")
    assert lines[3].startswith(
        "2024-06-03,08:00,routine,5,3,,finished,done,25 s,too hard,done,18 times"
    )


async def test_forget_deletes_every_progress_row_and_only_that_users(db: Database) -> None:
    for user_id in (7, 8):
        run = await add_routine(db, user_id, "2024-06-03T08:00")
        await progress.record_doses(db, run, user_id, {"flexion": (20, None)}, 1.0)
        await progress.set_feedback(db, run, user_id, "flexion", "easy", now=2.0)
        await progress.record_checkin(db, user_id, "2024-06-03", 3.0, 4)
        await progress.set_goal(db, user_id, 4, now=4.0)
        await progress.set_checkin(db, user_id, "07:30", 5.0, now=4.0)
    tables = ("exercise_feedback", "morning_checkins", "progress_settings", "routine_runs")
    assert [await count(db, t, 7) for t in tables] == [1, 1, 1, 1]
    await users.forget(db, 7)
    assert [await count(db, t, 7) for t in tables] == [0, 0, 0, 0]
    assert [await count(db, t, 8) for t in tables] == [1, 1, 1, 1]
    assert (await progress.get_settings(db, 7)).weekly_goal == 5
