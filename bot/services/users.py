"""Who talks to the bot, and their answer to the safety screen."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import ScaledClock
from bot.core.safety import SafetyStatus, status_of
from db import users
from db.connection import Database


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    chat_id: int
    first_name: str | None
    safety: SafetyStatus | None
    zone: str | None = None  # their IANA time zone, if they told us
    text_only: bool = False  # "Text only": no exercise pictures


def _profile(row: users.User) -> Profile:
    return Profile(
        row.user_id,
        row.chat_id,
        row.first_name,
        status_of(row.safety_status),
        row.timezone,
        row.text_only,
    )


class UserService:
    def __init__(self, db: Database, clock: ScaledClock) -> None:
        self.db = db
        self.clock = clock

    async def remember(self, user_id: int, chat_id: int, first_name: str | None) -> Profile:
        """Make sure the user has a row (their chat may have changed); return it. Every
        update asks this: one read when nothing changed (the usual case), else one write
        that returns the row."""
        row = await users.get(self.db, user_id)
        if row is None or row.chat_id != chat_id or row.first_name != first_name:
            row = await users.remember(
                self.db, user_id, chat_id, first_name, self.clock.timestamp()
            )
        return _profile(row)

    async def get(self, user_id: int) -> Profile | None:
        row = await users.get(self.db, user_id)
        return _profile(row) if row is not None else None

    async def set_safety(self, user_id: int, status: SafetyStatus | None) -> None:
        value: users.SafetyStatus | None = status.value if status is not None else None
        await users.set_safety(self.db, user_id, value, self.clock.timestamp())

    async def forget(self, user_id: int) -> None:
        await users.forget(self.db, user_id)
