"""Progress tables (005_progress.sql): each exercise's dose and the user's tap, morning
check-ins, and `progress_settings` (weekly goal, check-in schedule, bookkeeping).

Rows go in and out as plain values, mappings and small dataclasses, so this layer needs no
core types (bot/core/progress.py reads the mappings with `Routine.from_row` & co).
Every read that /progress or the dose makes is bounded by an index: the last two attempts
of an exercise, the last 30 days, the first week. A user with two years of daily routines
costs what a user with one week does (`make bench-progress` measures it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from db.connection import Database, Row, Transaction

DEFAULT_GOAL = 5
# How many first routines / check-ins to read to find the user's first week.
FIRST_ROUTINES = 40
FIRST_CHECKINS = 7
_RUN_COLUMNS = "id, started_at, ended_at, status, pain_before, pain_after"

# -- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """One user's progress settings; the defaults when they have no row yet."""

    user_id: int
    weekly_goal: int = DEFAULT_GOAL
    checkin_time: str | None = None  # "HH:MM", kept while off
    checkin_next_due: float | None = None
    checkin_last_date: str | None = None
    checkin_sending_at: float | None = None
    see_someone_at: float | None = None
    # (Monday ISO date, weeks, goal, zone) or None: see bot/core/progress.py StreakCache.
    streak: tuple[str, int, int, str] | None = None

    @property
    def checkin_enabled(self) -> bool:
        return self.checkin_next_due is not None


def _settings(user_id: int, row: Row | None) -> Settings:
    if row is None:
        return Settings(user_id)
    streak = None
    if row["streak_week"] is not None:
        streak = (row["streak_week"], row["streak_weeks"], row["streak_goal"], row["streak_zone"])
    return Settings(
        user_id=user_id,
        weekly_goal=row["weekly_goal"],
        checkin_time=row["checkin_time"],
        checkin_next_due=row["checkin_next_due"],
        checkin_last_date=row["checkin_last_date"],
        checkin_sending_at=row["checkin_sending_at"],
        see_someone_at=row["see_someone_at"],
        streak=streak,
    )


async def get_settings(db: Database, user_id: int) -> Settings:
    row = await db.fetchone("SELECT * FROM progress_settings WHERE user_id = ?", (user_id,))
    return _settings(user_id, row)


async def _ensure(conn: Transaction, user_id: int, now: float) -> None:
    await conn.execute(
        "INSERT INTO progress_settings (user_id, updated_at) VALUES (?, ?) "
        "ON CONFLICT (user_id) DO NOTHING",
        (user_id, now),
    )


async def _update(
    db: Database, user_id: int, now: float, sql: str, params: Sequence[object]
) -> None:
    """Run one `UPDATE progress_settings ... updated_at = ? WHERE user_id = ?` (a constant
    statement; values are parameters: `params`, then now and the user), creating the
    user's row first."""
    async with db.transaction() as conn:
        await _ensure(conn, user_id, now)
        await conn.execute(sql, (*params, now, user_id))


async def set_goal(db: Database, user_id: int, goal: int, now: float) -> None:
    """The weekly goal, 3-7 (the table's CHECK refuses anything else). Voids the streak
    cache: the streak is recounted against the new goal."""
    await _update(
        db,
        user_id,
        now,
        "UPDATE progress_settings SET weekly_goal = ?, streak_week = NULL, "
        "streak_weeks = NULL, streak_goal = NULL, streak_zone = NULL, updated_at = ? "
        "WHERE user_id = ?",
        (goal,),
    )


async def goals(db: Database, user_ids: Sequence[int]) -> dict[int, int]:
    """Weekly goals for a batch of users (the reminder's "3 of 5 this week"); users with
    no row get the default."""
    found = {user_id: DEFAULT_GOAL for user_id in user_ids}
    for chunk in _chunks(list(user_ids)):
        placeholders = ", ".join("?" for _ in chunk)  # only the count of `?` is formatted
        rows = await db.fetchall(
            f"SELECT user_id, weekly_goal FROM progress_settings WHERE user_id IN ({placeholders})",
            chunk,
        )
        for row in rows:
            found[row["user_id"]] = row["weekly_goal"]
    return found


async def save_streak(
    db: Database, user_id: int, week: str, weeks: int, goal: int, zone: str, now: float
) -> None:
    """Remember the streak up to the finished week starting `week` (ISO Monday)."""
    await _update(
        db,
        user_id,
        now,
        "UPDATE progress_settings SET streak_week = ?, streak_weeks = ?, streak_goal = ?, "
        "streak_zone = ?, updated_at = ? WHERE user_id = ?",
        (week, weeks, goal, zone),
    )


async def mark_see_someone(db: Database, user_id: int, now: float) -> bool:
    """True the first time only: "worth seeing a GP or physiotherapist" is said once,
    even if two handlers race to say it."""
    async with db.transaction() as conn:
        await _ensure(conn, user_id, now)
        changed = await conn.execute(
            "UPDATE progress_settings SET see_someone_at = ?, updated_at = ? "
            "WHERE user_id = ? AND see_someone_at IS NULL",
            (now, now, user_id),
        )
        return changed == 1


# -- the morning check-in's schedule (driven by the reminder sweep) ---------------------------


async def set_checkin(
    db: Database, user_id: int, local_time: str, next_due: float, now: float
) -> None:
    """Turn the check-in on at `local_time` ("HH:MM"), next asked at `next_due` (computed
    with bot.core.schedule.next_occurrence, after the stored `checkin_last_date`)."""
    await _update(
        db,
        user_id,
        now,
        "UPDATE progress_settings SET checkin_time = ?, checkin_next_due = ?, "
        "checkin_sending_at = NULL, updated_at = ? WHERE user_id = ?",
        (local_time, next_due),
    )


async def turn_off_checkin(db: Database, user_id: int, now: float) -> None:
    """Stop asking; the time is kept for next time."""
    await _update(
        db,
        user_id,
        now,
        "UPDATE progress_settings SET checkin_next_due = NULL, checkin_sending_at = NULL, "
        "updated_at = ? WHERE user_id = ?",
        (),
    )


@dataclass(frozen=True, slots=True)
class DueCheckIn:
    """A check-in the sweep found due, with what sending it needs."""

    user_id: int
    chat_id: int
    zone: str | None
    local_time: str
    next_due: float
    last_date: str | None
    safety_status: str | None


_DUE_SELECT = (
    "SELECT p.user_id, u.chat_id, u.timezone, u.safety_status, p.checkin_time, "
    "p.checkin_next_due, p.checkin_last_date FROM progress_settings p "
    "JOIN users u ON u.user_id = p.user_id "
)


def _due(row: Row) -> DueCheckIn:
    return DueCheckIn(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        zone=row["timezone"],
        local_time=row["checkin_time"],
        next_due=row["checkin_next_due"],
        last_date=row["checkin_last_date"],
        safety_status=row["safety_status"],
    )


async def due_checkins(db: Database, now: float, limit: int) -> list[DueCheckIn]:
    """Check-ins due at `now` that no send is working on, oldest first (index walk)."""
    rows = await db.fetchall(
        _DUE_SELECT + "WHERE p.checkin_next_due <= ? AND p.checkin_sending_at IS NULL "
        "ORDER BY p.checkin_next_due LIMIT ?",
        (now, limit),
    )
    return [_due(row) for row in rows]


async def interrupted_checkins(db: Database) -> list[DueCheckIn]:
    """Check-ins whose send was in flight when the process stopped (treat as sent)."""
    rows = await db.fetchall(_DUE_SELECT + "WHERE p.checkin_sending_at IS NOT NULL")
    return [_due(row) for row in rows]


async def claim_checkin(db: Database, user_id: int, expected_due: float, now: float) -> bool:
    """Mark "sending" before the HTTP call, only if still due exactly as the sweep saw it."""
    changed = await db.execute(
        "UPDATE progress_settings SET checkin_sending_at = ? "
        "WHERE user_id = ? AND checkin_next_due = ? AND checkin_sending_at IS NULL",
        (now, user_id, expected_due),
    )
    return changed == 1


async def release_checkin(db: Database, user_id: int, claimed_at: float) -> None:
    """The send failed for sure: leave the check-in due."""
    await db.execute(
        "UPDATE progress_settings SET checkin_sending_at = NULL "
        "WHERE user_id = ? AND checkin_sending_at = ?",
        (user_id, claimed_at),
    )


async def advance_checkin(
    db: Database,
    user_id: int,
    *,
    expected_due: float,
    next_due: float | None,
    local_date: str,
    now: float,
) -> bool:
    """After sending (or skipping as too late) the check-in of `local_date`: schedule the
    next one and clear the sending mark. False if the user changed it meanwhile."""
    changed = await db.execute(
        "UPDATE progress_settings SET checkin_next_due = ?, checkin_last_date = ?, "
        "checkin_sending_at = NULL, updated_at = ? WHERE user_id = ? AND checkin_next_due = ?",
        (next_due, local_date, now, user_id, expected_due),
    )
    return changed == 1


# -- morning check-ins ------------------------------------------------------------------------


async def record_checkin(
    db: Database, user_id: int, local_date: str, at: float, score: int
) -> tuple[str, int] | None:
    """Store the score for `local_date` (answering again that day corrects it); returns
    (local date, score) of the check-in before this one ("Yesterday: 5/10"), or None."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO morning_checkins (user_id, local_date, at, score) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, local_date) DO UPDATE SET at = excluded.at, "
            "score = excluded.score",
            (user_id, local_date, at, score),
        )
        row = await conn.fetchone(
            "SELECT local_date, score FROM morning_checkins WHERE user_id = ? "
            "AND local_date < ? ORDER BY local_date DESC LIMIT 1",
            (user_id, local_date),
        )
    return None if row is None else (str(row["local_date"]), int(row["score"]))


# -- doses and the Easy / About right / Too hard tap ------------------------------------------


async def record_doses(
    db: Database,
    run_id: int,
    user_id: int,
    doses: Mapping[str, tuple[int, str | None]],
    planned_at: float,
) -> dict[str, tuple[int, str | None]]:
    """At a routine's start: each exercise's dose and the reason the card states (None:
    no line). Written once per run; a second call (a retried start) changes nothing.
    One statement for all of them (atomic on its own), which returns what it wrote:
    exercise_id → (dose, reason), without the exercises a first call already stored."""
    if not doses:
        return {}
    # Only the number of row placeholders is formatted in; every value is a parameter.
    rows = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in doses)
    params: list[object] = []
    for exercise_id, (dose, reason) in doses.items():
        params += [run_id, user_id, exercise_id, dose, reason, planned_at]
    written = await db.fetchall(
        "INSERT INTO exercise_feedback (run_id, user_id, exercise_id, dose, reason, "
        f"planned_at) VALUES {rows} ON CONFLICT (run_id, exercise_id) DO NOTHING "
        "RETURNING exercise_id, dose, reason",
        params,
    )
    return {row["exercise_id"]: (row["dose"], row["reason"]) for row in written}


async def run_doses(db: Database, run_id: int) -> dict[str, tuple[int, str | None]]:
    """The doses a routine was planned with: exercise_id → (dose, reason). Empty for a
    routine started before doses existed (use the low ends)."""
    rows = await db.fetchall(
        "SELECT exercise_id, dose, reason FROM exercise_feedback WHERE run_id = ?", (run_id,)
    )
    return {row["exercise_id"]: (row["dose"], row["reason"]) for row in rows}


async def runs_doses(
    db: Database, run_ids: list[int]
) -> dict[int, dict[str, tuple[int, str | None]]]:
    """`run_doses` of many routines at once (start-up re-arms every running hold): one
    query per 500 routines. Routines with no stored doses are left out."""
    found: dict[int, dict[str, tuple[int, str | None]]] = {}
    for chunk in _chunks(run_ids):
        # Only the number of `?` placeholders is formatted in; every value is a parameter.
        placeholders = ", ".join("?" for _ in chunk)
        rows = await db.fetchall(
            "SELECT run_id, exercise_id, dose, reason FROM exercise_feedback "
            f"WHERE run_id IN ({placeholders})",
            chunk,
        )
        for row in rows:
            found.setdefault(row["run_id"], {})[row["exercise_id"]] = (row["dose"], row["reason"])
    return found


async def set_feedback(
    db: Database, run_id: int, user_id: int, exercise_id: str, feedback: str, now: float
) -> bool:
    """The user's tap after an exercise. Only the routine's owner can set it (a forged
    button changes nothing); a second tap replaces the first. False if no such row."""
    changed = await db.execute(
        "UPDATE exercise_feedback SET feedback = ?, feedback_at = ? "
        "WHERE run_id = ? AND exercise_id = ? AND user_id = ?",
        (feedback, now, run_id, exercise_id, user_id),
    )
    return changed == 1


async def attempts(
    db: Database, user_id: int, exercise_ids: Sequence[str], per_exercise: int = 2
) -> dict[str, list[dict[str, Any]]]:
    """The last `per_exercise` routines that reached each exercise, oldest first, with
    the dose, the tap and the outcome (for bot.core.dose.Attempt). One statement of
    index walks: `per_exercise` rows per exercise, whatever the history's length."""
    found: dict[str, list[dict[str, Any]]] = {e: [] for e in exercise_ids}
    if not exercise_ids:
        return found
    one = (
        "SELECT * FROM (SELECT f.exercise_id, f.dose, f.feedback, r.outcome, f.planned_at "
        "FROM exercise_feedback f JOIN exercise_results r "
        "ON r.run_id = f.run_id AND r.exercise_id = f.exercise_id "
        "WHERE f.user_id = ? AND f.exercise_id = ? ORDER BY f.planned_at DESC LIMIT ?) AS a{n}"
    )
    sql = " UNION ALL ".join(one.format(n=n) for n in range(len(exercise_ids)))
    params: list[object] = []
    for exercise_id in exercise_ids:
        params += [user_id, exercise_id, per_exercise]
    for row in await db.fetchall(sql, params):
        found[row["exercise_id"]].append(dict(row))
    for rows in found.values():
        rows.sort(key=lambda r: r["planned_at"])
    return found


async def last_pain(db: Database, user_id: int) -> tuple[int | None, int | None] | None:
    """(pain before, pain after) of the user's last finished routine, or None."""
    row = await db.fetchone(
        "SELECT pain_before, pain_after FROM routine_runs "
        "WHERE user_id = ? AND status = 'finished' ORDER BY ended_at DESC LIMIT 1",
        (user_id,),
    )
    return None if row is None else (row["pain_before"], row["pain_after"])


# -- what /progress reads ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryRows:
    """The rows behind bot.core.progress.History (same field names)."""

    recent: list[dict[str, Any]]
    first: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    first_checkins: list[dict[str, Any]]
    older_finished: list[float]
    outcomes: list[tuple[str, str]]


async def load_history(
    db: Database,
    user_id: int,
    *,
    since: float,
    since_date: str,
    streak_since: float | None,
    read_older: bool,
) -> HistoryRows:
    """Bounded reads for /progress (bot.core.progress.Window gives the bounds):
    routines started from `since`, check-ins from `since_date`, the first routines and
    check-ins, and (if `read_older`) finished routines' end instants from `streak_since`
    (None: the beginning) to a day past `since` (a routine that straddles the window's
    start is counted either way: days are a set)."""
    recent = await db.fetchall(
        f"SELECT {_RUN_COLUMNS} FROM routine_runs WHERE user_id = ? AND started_at >= ? "
        "ORDER BY started_at",
        (user_id, since),
    )
    first = await db.fetchall(
        f"SELECT {_RUN_COLUMNS} FROM routine_runs WHERE user_id = ? "
        "AND pain_before IS NOT NULL ORDER BY started_at LIMIT ?",
        (user_id, FIRST_ROUTINES),
    )
    checkins = await db.fetchall(
        "SELECT local_date, at, score FROM morning_checkins WHERE user_id = ? "
        "AND local_date >= ? ORDER BY local_date",
        (user_id, since_date),
    )
    first_checkins = await db.fetchall(
        "SELECT local_date, at, score FROM morning_checkins WHERE user_id = ? "
        "ORDER BY local_date LIMIT ?",
        (user_id, FIRST_CHECKINS),
    )
    older: list[float] = []
    if read_older:
        rows = await db.fetchall(
            "SELECT ended_at FROM routine_runs WHERE user_id = ? AND status = 'finished' "
            "AND ended_at >= ? AND ended_at < ? ORDER BY ended_at",
            (user_id, -1.0 if streak_since is None else streak_since, since + 86400.0),
        )
        older = [float(row["ended_at"]) for row in rows]
    outcomes = await db.fetchall(
        "SELECT er.exercise_id, er.outcome FROM exercise_results er "
        "JOIN routine_runs rr ON rr.id = er.run_id WHERE rr.user_id = ? AND rr.started_at >= ?",
        (user_id, since),
    )
    return HistoryRows(
        recent=[dict(row) for row in recent],
        first=[dict(row) for row in first],
        checkins=[dict(row) for row in checkins],
        first_checkins=[dict(row) for row in first_checkins],
        older_finished=older,
        outcomes=[(row["exercise_id"], row["outcome"]) for row in outcomes],
    )


async def finished_ends_within(
    db: Database, windows: Mapping[int, tuple[float, float]]
) -> dict[int, list[float]]:
    """For the reminder's "3 of 5 this week": each user's finished routines' end instants
    inside their own [start, end) window (this local week), a batch in a few queries."""
    found: dict[int, list[float]] = {user_id: [] for user_id in windows}
    if not windows:
        return found
    low = min(start for start, _ in windows.values())
    high = max(end for _, end in windows.values())
    for chunk in _chunks(list(windows)):
        placeholders = ", ".join("?" for _ in chunk)  # only the count of `?` is formatted
        rows = await db.fetchall(
            "SELECT user_id, ended_at FROM routine_runs WHERE status = 'finished' "
            f"AND ended_at >= ? AND ended_at < ? AND user_id IN ({placeholders})",
            (low, high, *chunk),
        )
        for row in rows:
            start, end = windows[row["user_id"]]
            if start <= row["ended_at"] < end:
                found[row["user_id"]].append(float(row["ended_at"]))
    return found


# -- /export ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRows:
    routines: list[dict[str, Any]]
    exercises: dict[int, list[dict[str, Any]]]  # run id → its exercises, in routine order
    checkins: list[dict[str, Any]]


async def export_rows(db: Database, user_id: int) -> ExportRows:
    """Everything /export writes: every routine, each exercise's outcome with its dose and
    tap (older routines have no dose), every morning check-in."""
    routines = await db.fetchall(
        f"SELECT {_RUN_COLUMNS} FROM routine_runs WHERE user_id = ? ORDER BY started_at",
        (user_id,),
    )
    results = await db.fetchall(
        "SELECT r.run_id, r.exercise_id, r.outcome, f.dose, f.feedback "
        "FROM exercise_results r JOIN routine_runs rr ON rr.id = r.run_id "
        "LEFT JOIN exercise_feedback f ON f.run_id = r.run_id AND f.exercise_id = r.exercise_id "
        "WHERE rr.user_id = ? ORDER BY r.run_id, r.position",
        (user_id,),
    )
    exercises: dict[int, list[dict[str, Any]]] = {}
    for row in results:
        exercises.setdefault(row["run_id"], []).append(dict(row))
    checkins = await db.fetchall(
        "SELECT local_date, at, score FROM morning_checkins WHERE user_id = ? ORDER BY local_date",
        (user_id,),
    )
    return ExportRows(
        routines=[dict(row) for row in routines],
        exercises=exercises,
        checkins=[dict(row) for row in checkins],
    )


def _chunks(items: list[int], size: int = 500) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def user_zone(db: Database, user_id: int) -> str | None:
    """The user's IANA zone (users.timezone), or None: not set, or no such user."""
    row = await db.fetchone("SELECT timezone FROM users WHERE user_id = ?", (user_id,))
    return None if row is None else row["timezone"]
