"""The `routine_runs` and `exercise_results` tables.

Rows go in and out as plain mappings (column → value) so this layer needs no core
types. Saving is optimistic: an update only applies if the row still has the version the
caller loaded, so a double tap or a timer racing a button can never apply twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from db.connection import Database, IntegrityError, Row

_COLUMNS = (
    "status",
    "phase",
    "exercise_index",
    "step_index",
    "hold_ends_at",
    "held",
    "version",
    "pain_before",
    "pain_after",
    "ended_at",
)
# Every save also sets `announce_due` (NULL unless the timer released a hold) and clears
# `announcing_at`: a "Release now" still owed is always the one of the latest change.
_UPDATE = (
    "UPDATE routine_runs SET status = ?, phase = ?, exercise_index = ?, step_index = ?, "
    "hold_ends_at = ?, held = ?, version = ?, pain_before = ?, pain_after = ?, ended_at = ?, "
    "announce_due = ?, announcing_at = NULL "
    "WHERE id = ? AND version = ?"
)


class AlreadyOpen(Exception):
    """The user already has an open routine (the unique index said no)."""


async def create(db: Database, user_id: int, chat_id: int, now: float) -> dict[str, Any]:
    try:
        row = await db.fetchone(
            "INSERT INTO routine_runs (user_id, chat_id, status, phase, started_at) "
            "VALUES (?, ?, 'active', 'pain_before', ?) RETURNING *",
            (user_id, chat_id, now),
        )
    except IntegrityError:
        raise AlreadyOpen(user_id) from None
    assert row is not None
    return dict(row)


# A routine, how its exercises ended and its user's safety answer and "Text only" choice,
# in one statement: one row per outcome, or one row with NULLs when there is none yet.
_WITH_OUTCOMES = (
    "SELECT r.*, e.exercise_id AS result_exercise, e.outcome AS result_outcome, "
    "u.safety_status AS user_safety, u.text_only AS user_text_only FROM routine_runs r "
    "LEFT JOIN exercise_results e ON e.run_id = r.id "
    "LEFT JOIN users u ON u.user_id = r.user_id "
)
_EXTRA = ("result_exercise", "result_outcome", "user_safety", "user_text_only")


@dataclass(frozen=True, slots=True)
class Loaded:
    """A routine's row, its outcomes in order, and its user's safety status and "Text
    only" choice (None: the user has no row)."""

    row: dict[str, Any]
    outcomes: list[tuple[str, str]]
    safety_status: str | None
    text_only: bool | None = None


def _group(rows: Sequence[Row]) -> list[Loaded]:
    loaded: list[Loaded] = []
    for row in rows:
        if not loaded or loaded[-1].row["id"] != row["id"]:
            routine = {k: v for k, v in dict(row).items() if k not in _EXTRA}
            text_only = row["user_text_only"]
            loaded.append(
                Loaded(
                    routine,
                    [],
                    row["user_safety"],
                    None if text_only is None else bool(text_only),
                )
            )
        if row["result_exercise"] is not None:
            loaded[-1].outcomes.append((row["result_exercise"], row["result_outcome"]))
    return loaded


async def load(db: Database, run_id: int) -> Loaded | None:
    """`get` and `outcomes` (and the user's safety status) together."""
    rows = await db.fetchall(_WITH_OUTCOMES + "WHERE r.id = ? ORDER BY e.position", (run_id,))
    found = _group(rows)
    return found[0] if found else None


async def load_open(db: Database, user_id: int) -> Loaded | None:
    """`open_for_user` and its outcomes together."""
    rows = await db.fetchall(
        _WITH_OUTCOMES + "WHERE r.user_id = ? AND r.status IN ('active', 'paused') "
        "ORDER BY r.id, e.position",
        (user_id,),
    )
    found = _group(rows)
    return found[0] if found else None


async def load_holding(db: Database) -> list[Loaded]:
    """`holding` with each routine's outcomes: start-up reads every running hold at once."""
    rows = await db.fetchall(
        _WITH_OUTCOMES + "WHERE r.hold_ends_at IS NOT NULL AND r.status IN ('active', 'paused') "
        "ORDER BY r.id, e.position"
    )
    return _group(rows)


async def get(db: Database, run_id: int) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT * FROM routine_runs WHERE id = ?", (run_id,))
    return dict(row) if row else None


async def open_for_user(db: Database, user_id: int) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT * FROM routine_runs WHERE user_id = ? AND status IN ('active', 'paused')",
        (user_id,),
    )
    return dict(row) if row else None


async def outcomes(db: Database, run_id: int) -> list[tuple[str, str]]:
    rows = await db.fetchall(
        "SELECT exercise_id, outcome FROM exercise_results WHERE run_id = ? ORDER BY position",
        (run_id,),
    )
    return [(row["exercise_id"], row["outcome"]) for row in rows]


async def save(
    db: Database,
    row: Mapping[str, Any],
    *,
    expected_version: int,
    outcome: tuple[int, str, str] | None,
    now: float,
    announce_due: float | None = None,
) -> bool:
    """Write the new state (and the outcome of an exercise that just ended) in one
    transaction; False if someone else changed the routine first. `announce_due`: a
    "Release now" is owed for this change (the hold timer's release)."""
    params = [row[column] for column in _COLUMNS] + [announce_due, row["id"], expected_version]
    if outcome is None:
        # One statement is atomic on its own: no BEGIN … COMMIT around it.
        return await db.execute(_UPDATE, params) == 1
    async with db.transaction() as tx:
        if await tx.execute(_UPDATE, params) != 1:
            return False
        if outcome is not None:
            position, exercise_id, result = outcome
            await tx.execute(
                "INSERT INTO exercise_results (run_id, position, exercise_id, outcome, "
                "recorded_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, position) DO UPDATE SET outcome = excluded.outcome, "
                "recorded_at = excluded.recorded_at",
                (row["id"], position, exercise_id, result, now),
            )
    return True


async def set_message(db: Database, run_id: int, message_id: int) -> None:
    """Remember which message carries the live buttons (not a state change: no version)."""
    await db.execute("UPDATE routine_runs SET message_id = ? WHERE id = ?", (message_id, run_id))


async def holding(db: Database) -> list[dict[str, Any]]:
    """Open routines whose hold timer was running (start-up re-arms them)."""
    rows = await db.fetchall(
        "SELECT * FROM routine_runs WHERE hold_ends_at IS NOT NULL "
        "AND status IN ('active', 'paused')"
    )
    return [dict(row) for row in rows]


_CHUNK = 500  # users per query: well under SQLite's and PostgreSQL's parameter limits


async def _finished_in_windows(
    db: Database, select: str, windows: Mapping[int, tuple[float, float]]
) -> list[Row]:
    """Finished routines of these users that ended inside each user's own [start, end)
    window, for a whole sweep batch in a few queries. `select` is a constant
    `SELECT … FROM routine_runs WHERE status = 'finished'` (with `user_id` and `ended_at`);
    only the number of `?` placeholders is formatted in, every value is a parameter."""
    if not windows:
        return []
    low = min(start for start, _ in windows.values())
    high = max(end for _, end in windows.values())
    users = list(windows)
    found: list[Row] = []
    for index in range(0, len(users), _CHUNK):
        chunk = users[index : index + _CHUNK]
        placeholders = ", ".join("?" for _ in chunk)
        rows = await db.fetchall(
            f"{select} AND ended_at >= ? AND ended_at < ? AND user_id IN ({placeholders})",
            (low, high, *chunk),
        )
        for row in rows:
            start, end = windows[row["user_id"]]
            if start <= row["ended_at"] < end:
                found.append(row)
    return found


async def finished_within(db: Database, windows: Mapping[int, tuple[float, float]]) -> set[int]:
    """Of these users, those who finished a routine inside their own [start, end) window:
    the reminder sweep's "already done today?" for a whole batch in a few queries."""
    rows = await _finished_in_windows(
        db, "SELECT user_id, ended_at FROM routine_runs WHERE status = 'finished'", windows
    )
    return {row["user_id"] for row in rows}


async def finished_between(
    db: Database, user_id: int, start: float, end: float
) -> list[tuple[float, int | None, int | None]]:
    """One user's finished routines with `start <= ended_at < end`, oldest first:
    (ended_at, pain_before, pain_after). Walks the (user_id, ended_at) partial index."""
    rows = await db.fetchall(
        "SELECT ended_at, pain_before, pain_after FROM routine_runs "
        "WHERE status = 'finished' AND user_id = ? AND ended_at >= ? AND ended_at < ? "
        "ORDER BY ended_at",
        (user_id, start, end),
    )
    return [(row["ended_at"], row["pain_before"], row["pain_after"]) for row in rows]


async def last_pains_within(
    db: Database, windows: Mapping[int, tuple[float, float]]
) -> dict[int, tuple[int, int]]:
    """Of these users, the pain before and after of the last routine each finished inside
    their own [start, end) window (the reminder sweep's "how were they yesterday?" for a
    whole batch in a few queries, like `finished_within`)."""
    rows = await _finished_in_windows(
        db,
        "SELECT user_id, ended_at, pain_before, pain_after FROM routine_runs "
        "WHERE status = 'finished' AND pain_before IS NOT NULL AND pain_after IS NOT NULL",
        windows,
    )
    found: dict[int, tuple[float, int, int]] = {}
    for row in rows:
        uid, ended = row["user_id"], row["ended_at"]
        if uid not in found or found[uid][0] < ended:
            found[uid] = (ended, row["pain_before"], row["pain_after"])
    return {uid: (before, after) for uid, (_, before, after) in found.items()}


async def last_finished_at(db: Database, user_id: int) -> float | None:
    """When the user last finished a routine (the partial index's last entry), or None."""
    row = await db.fetchone(
        "SELECT MAX(ended_at) AS ended_at FROM routine_runs "
        "WHERE status = 'finished' AND user_id = ?",
        (user_id,),
    )
    return None if row is None or row["ended_at"] is None else float(row["ended_at"])


async def claim_overdue_holds(db: Database, ended_before: float, limit: int) -> list[int]:
    """Several workers: claim up to `limit` active holds that ended before `ended_before`
    and whose release nobody announced (their worker died or lags), oldest first, and
    return their ids. The claim bumps the version, so a release already on its way
    elsewhere (loaded at the old version) stands down and the claimer's release applies;
    rows another worker is claiming at this moment are skipped (`FOR UPDATE SKIP
    LOCKED`). An index walk of `routine_runs_holding`, cheap to run every second."""
    rows = await db.claim(
        "routine_runs",
        key="id",
        where="hold_ends_at IS NOT NULL AND hold_ends_at <= ? AND status = 'active'",
        set_="version = version + 1",
        params=(ended_before,),
        order_by="hold_ends_at",
        limit=limit,
    )
    return [int(row["id"]) for row in rows]


async def claim_announcement(db: Database, run_id: int, now: float) -> bool:
    """Mark the owed "Release now" as being sent, just before the call: after a crash a
    claimed one is never sent again (it may have arrived). False if none is owed."""
    changed = await db.execute(
        "UPDATE routine_runs SET announcing_at = ? "
        "WHERE id = ? AND announce_due IS NOT NULL AND announcing_at IS NULL",
        (now, run_id),
    )
    return changed == 1


async def announced(db: Database, run_id: int, message_id: int | None = None) -> None:
    """The owed "Release now" is settled (sent, or closed quietly); with `message_id`,
    the message it went out as carries the live buttons now (`set_message` in the same
    statement: one write per release, not two)."""
    await db.execute(
        "UPDATE routine_runs SET announce_due = NULL, announcing_at = NULL, "
        "message_id = COALESCE(?, message_id) WHERE id = ?",
        (message_id, run_id),
    )


async def owed_announcements(db: Database) -> list[dict[str, Any]]:
    """Routines whose "Release now" was owed when the process stopped (partial index)."""
    rows = await db.fetchall("SELECT * FROM routine_runs WHERE announce_due IS NOT NULL")
    return [dict(row) for row in rows]
