"""The `reminders` table and `users.timezone`: each user's daily reminder preference and
its next due instant (UTC), the truth the sweep works from.

Read-modify-write goes through `modify`, which runs the caller's pure function inside one
transaction, so a user's change and the sweep's sent-mark never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from db.connection import Database, Row, Transaction


@dataclass(frozen=True, slots=True)
class Reminder:
    """One user's preference and schedule state (see 003_reminders.sql for each column)."""

    user_id: int
    local_time: str  # "HH:MM"
    weekdays_only: bool = False
    paused_until: float | None = None
    next_due: float | None = None
    snoozed: bool = False
    last_date: str | None = None
    sending_at: float | None = None
    # The live reminder message of `last_date` (its Start and Snooze buttons); 0 once that
    # day was skipped or started from a reminder; NULL when unknown (sent before this
    # column existed, or a send interrupted by a crash).
    message_id: int | None = None

    @property
    def enabled(self) -> bool:
        return self.next_due is not None


@dataclass(frozen=True, slots=True)
class Due:
    """A reminder the sweep found due, with what sending it needs."""

    reminder: Reminder
    chat_id: int
    first_name: str | None
    zone: str | None
    # The safety-screen answer: a user told to see a doctor gets no exercise reminder.
    safety_status: str | None = None
    # Filled in by the service, not read here: (pain before, after) of a routine finished
    # the local day before, when it ended with "stop for today".
    last_pain: tuple[int, int] | None = None
    # (days with a finished routine this local week, weekly goal): filled in by the sweep
    # for "3 of 5 this week, two to go" (issue 12); None when not known.
    week: tuple[int, int] | None = None


_COLUMNS = (
    "r.user_id, r.local_time, r.weekdays_only, r.paused_until, r.next_due, r.snoozed, "
    "r.last_date, r.sending_at, r.message_id"
)


def _reminder(row: Row) -> Reminder:
    return Reminder(
        user_id=row["user_id"],
        local_time=row["local_time"],
        weekdays_only=bool(row["weekdays_only"]),
        paused_until=row["paused_until"],
        next_due=row["next_due"],
        snoozed=bool(row["snoozed"]),
        last_date=row["last_date"],
        sending_at=row["sending_at"],
        message_id=row["message_id"],
    )


def _due(row: Row) -> Due:
    return Due(
        _reminder(row), row["chat_id"], row["first_name"], row["timezone"], row["safety_status"]
    )


async def get(db: Database, user_id: int) -> tuple[str | None, Reminder | None]:
    """(the user's zone, their reminder); (None, None) for an unknown user."""
    row = await db.fetchone(
        f"SELECT u.timezone, {_COLUMNS} FROM users u "
        "LEFT JOIN reminders r ON r.user_id = u.user_id WHERE u.user_id = ?",
        (user_id,),
    )
    if row is None:
        return None, None
    return row["timezone"], (_reminder(row) if row["local_time"] is not None else None)


_UPSERT = (
    "INSERT INTO reminders (user_id, local_time, weekdays_only, paused_until, next_due, "
    "snoozed, last_date, sending_at, message_id, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET local_time = excluded.local_time, "
    "weekdays_only = excluded.weekdays_only, paused_until = excluded.paused_until, "
    "next_due = excluded.next_due, snoozed = excluded.snoozed, "
    "last_date = excluded.last_date, sending_at = excluded.sending_at, "
    "message_id = excluded.message_id, blocked_at = NULL, "
    "updated_at = excluded.updated_at"
)


def _params(reminder: Reminder, now: float) -> tuple[object, ...]:
    return (
        reminder.user_id,
        reminder.local_time,
        int(reminder.weekdays_only),
        reminder.paused_until,
        reminder.next_due,
        int(reminder.snoozed),
        reminder.last_date,
        reminder.sending_at,
        reminder.message_id,
        now,
    )


async def _write(tx: Transaction, reminder: Reminder, now: float) -> None:
    await tx.execute(_UPSERT, _params(reminder, now))


Change = Callable[[str | None, Reminder | None], Reminder | None]


async def modify(
    db: Database, user_id: int, change: Change, now: float, *, zone: str | None = None
) -> tuple[str | None, Reminder | None]:
    """In one transaction: optionally set the user's zone, read (zone, reminder), call
    `change` (pure; returns the new reminder or None to leave it), write the result.
    Returns the (zone, reminder) now stored; (None, None) if the user has no row."""
    async with db.transaction() as tx:
        # The user's row, locked (on PostgreSQL; SQLite's transaction already is) so two
        # changes of one user's reminder run one after the other.
        if zone is not None:
            await tx.execute("UPDATE users SET timezone = ? WHERE user_id = ?", (zone, user_id))
        user = await tx.fetchone(
            "SELECT timezone FROM users WHERE user_id = ? FOR UPDATE", (user_id,)
        )
        if user is None:
            return None, None
        # ...and the reminder's row, so a sweep's claim waits for this change.
        row = await tx.fetchone(
            f"SELECT {_COLUMNS} FROM reminders r WHERE r.user_id = ? FOR UPDATE", (user_id,)
        )
        stored_zone: str | None = user["timezone"]
        current = _reminder(row) if row is not None else None
        new = change(stored_zone, current)
        if new is None:
            return stored_zone, current
        # Any change (the user's, or the sent-mark) clears a "sending" mark: a mark left
        # by a failed save must never silence a reminder the user has just set again.
        new = replace(new, sending_at=None)
        if new == current:
            return stored_zone, current
        if new.user_id != user_id:
            raise ValueError("a change must keep the user id")
        await _write(tx, new, now)
        return stored_zone, new


# Users per `IN (…)` list: well under SQLite's and asyncpg's parameter limits.
_CHUNK = 500


async def modify_many(db: Database, changes: Mapping[int, Change], now: float) -> int:
    """`modify` (without a zone to set) for many users in one transaction: one locked
    read of all their rows, each user's pure change, one executemany. Users with no
    reminder row are left alone (their change would see None). Returns rows written."""
    if not changes:
        return 0
    users = sorted(changes)  # one lock order for every caller (PostgreSQL)
    async with db.transaction() as tx:
        rows: list[Row] = []
        for index in range(0, len(users), _CHUNK):
            chunk = users[index : index + _CHUNK]
            placeholders = ", ".join("?" for _ in chunk)
            rows += await tx.fetchall(
                f"SELECT u.timezone, {_COLUMNS} FROM users u "
                f"JOIN reminders r ON r.user_id = u.user_id WHERE u.user_id IN ({placeholders}) "
                "ORDER BY u.user_id FOR UPDATE",
                chunk,
            )
        writes: list[tuple[object, ...]] = []
        for row in rows:
            current = _reminder(row)
            new = changes[current.user_id](row["timezone"], current)
            if new is None:
                continue
            new = replace(new, sending_at=None)  # as in `modify`: any change clears it
            if new == current:
                continue
            if new.user_id != current.user_id:
                raise ValueError("a change must keep the user id")
            writes.append(_params(new, now))
        if writes:
            await tx.executemany(_UPSERT, writes)
    return len(writes)


async def due(db: Database, now: float, limit: int) -> list[Due]:
    """Reminders due at `now` that no send is working on, oldest first (index walk)."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS}, u.chat_id, u.first_name, u.timezone, u.safety_status "
        "FROM reminders r "
        "JOIN users u ON u.user_id = r.user_id "
        "WHERE r.next_due <= ? AND r.sending_at IS NULL ORDER BY r.next_due LIMIT ?",
        (now, limit),
    )
    return [_due(row) for row in rows]


async def interrupted(db: Database, claimed_before: float | None = None) -> list[Due]:
    """Reminders marked "sending": at start-up, every one (the process stopped mid-send);
    while running, those claimed before `claimed_before` (stuck). Partial index walk."""
    sql = (
        f"SELECT {_COLUMNS}, u.chat_id, u.first_name, u.timezone, u.safety_status "
        "FROM reminders r "
        "JOIN users u ON u.user_id = r.user_id WHERE r.sending_at IS NOT NULL"
    )
    if claimed_before is None:
        rows = await db.fetchall(sql)
    else:
        rows = await db.fetchall(sql + " AND r.sending_at < ?", (claimed_before,))
    return [_due(row) for row in rows]


async def claim(
    db: Database,
    user_id: int,
    expected_due: float,
    now: float,
    unless_finished: tuple[float, float] | None = None,
) -> bool:
    """Mark "sending" before the HTTP call, only if the reminder is still due exactly as
    the sweep saw it (the user may have changed or turned it off meanwhile) and, given
    `unless_finished` = [start, end), the user finished no routine in it: the "done
    today?" check and the claim in one statement (one round trip per send)."""
    sql = (
        "UPDATE reminders SET sending_at = ? "
        "WHERE user_id = ? AND next_due = ? AND sending_at IS NULL"
    )
    params: tuple[object, ...] = (now, user_id, expected_due)
    if unless_finished is not None:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM routine_runs WHERE user_id = ? "
            "AND status = 'finished' AND ended_at >= ? AND ended_at < ?)"
        )
        params += (user_id, *unless_finished)
    changed = await db.execute(sql, params)
    return changed == 1


async def release(db: Database, user_id: int, claimed_at: float) -> None:
    """The send failed for sure (no message went out): leave the reminder due."""
    await db.execute(
        "UPDATE reminders SET sending_at = NULL WHERE user_id = ? AND sending_at = ?",
        (user_id, claimed_at),
    )


async def advance_many(
    db: Database, updates: Sequence[tuple[int, float, float | None, str]], now: float
) -> int:
    """Move unclaimed due reminders on without sending (skipped as too late, or the day
    is already done): (user_id, expected next_due, new next_due, handled local date).
    One transaction; rows that changed meanwhile are left alone. Returns rows moved."""
    if not updates:
        return 0
    async with db.transaction() as tx:
        return await tx.executemany(
            "UPDATE reminders SET next_due = ?, last_date = ?, snoozed = 0, updated_at = ? "
            "WHERE user_id = ? AND next_due = ? AND sending_at IS NULL",
            [(new_due, day, now, uid, old_due) for uid, old_due, new_due, day in updates],
        )


async def turn_off(db: Database, user_id: int, now: float) -> None:
    """Stop sending (/reminder off); the time is kept for next time."""
    await db.execute(
        "UPDATE reminders SET next_due = NULL, snoozed = 0, sending_at = NULL, "
        "paused_until = NULL, blocked_at = NULL, updated_at = ? WHERE user_id = ?",
        (now, user_id),
    )


async def turn_off_blocked(db: Database, user_id: int, now: float) -> bool:
    """The user blocked the bot: stop sending, and remember why (only a reminder that was
    on gets the mark, so unblocking never offers one the user had turned off)."""
    changed = await db.execute(
        "UPDATE reminders SET next_due = NULL, snoozed = 0, sending_at = NULL, "
        "paused_until = NULL, blocked_at = ?, updated_at = ? "
        "WHERE user_id = ? AND next_due IS NOT NULL",
        (now, now, user_id),
    )
    return changed == 1


async def take_blocked_mark(db: Database, user_id: int, now: float) -> Reminder | None:
    """The reminder a block turned off, once: the mark is cleared in the same transaction,
    so the "turn it back on?" offer is made at most once per block."""
    async with db.transaction() as tx:
        changed = await tx.execute(
            "UPDATE reminders SET blocked_at = NULL, updated_at = ? "
            "WHERE user_id = ? AND blocked_at IS NOT NULL AND next_due IS NULL",
            (now, user_id),
        )
        if changed != 1:
            return None
        row = await tx.fetchone(
            f"SELECT {_COLUMNS} FROM reminders r WHERE r.user_id = ?", (user_id,)
        )
    return _reminder(row) if row is not None else None
