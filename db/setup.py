"""The `reminder_setup` table: the open question of each user's reminder set-up."""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database


@dataclass(frozen=True, slots=True)
class SetupRow:
    user_id: int
    step: str
    pending_time: str | None
    weekdays_only: bool | None
    updated_at: float


async def get(db: Database, user_id: int) -> SetupRow | None:
    row = await db.fetchone(
        "SELECT user_id, step, pending_time, weekdays_only, updated_at FROM reminder_setup "
        "WHERE user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    weekdays = row["weekdays_only"]
    return SetupRow(
        row["user_id"],
        row["step"],
        row["pending_time"],
        None if weekdays is None else bool(weekdays),
        row["updated_at"],
    )


async def put(db: Database, row: SetupRow) -> None:
    await db.execute(
        "INSERT INTO reminder_setup (user_id, step, pending_time, weekdays_only, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET step = excluded.step, "
        "pending_time = excluded.pending_time, weekdays_only = excluded.weekdays_only, "
        "updated_at = excluded.updated_at",
        (
            row.user_id,
            row.step,
            row.pending_time,
            None if row.weekdays_only is None else int(row.weekdays_only),
            row.updated_at,
        ),
    )


async def delete(db: Database, user_id: int) -> None:
    await db.execute("DELETE FROM reminder_setup WHERE user_id = ?", (user_id,))
