"""STUB from the `reminders` branch: the lead's routine branch provides the real module.

Only the function the reminder sweep needs, with the agreed signature."""

from __future__ import annotations

from db.connection import Database


async def finished_between(db: Database, user_id: int, start: float, end: float) -> bool:
    """True if the user finished a routine whose finish time is in [start, end)."""
    return False
