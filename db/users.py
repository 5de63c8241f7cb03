"""The `users` table: who talks to the bot and how they answered the safety screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from db.connection import Database, Row

SafetyStatus = Literal["cleared", "urgent", "see_doctor"]


@dataclass(frozen=True, slots=True)
class User:
    user_id: int
    chat_id: int
    first_name: str | None
    safety_status: SafetyStatus | None
    timezone: str | None = None  # an IANA name, set with /timezone
    text_only: bool = False  # "Text only": exercise pictures off (/pictures)


# Every read of a user returns these (the "Text only" choice too: a how-to answer's
# picture then needs no read of its own).
_COLUMNS = "user_id, chat_id, first_name, safety_status, timezone, text_only"


def _user(row: Row) -> User:
    return User(
        row["user_id"],
        row["chat_id"],
        row["first_name"],
        row["safety_status"],
        row["timezone"],
        bool(row["text_only"]),
    )


async def upsert(
    db: Database, user_id: int, chat_id: int, first_name: str | None, now: float
) -> None:
    await db.execute(
        "INSERT INTO users (user_id, chat_id, first_name, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
        "first_name = excluded.first_name",
        (user_id, chat_id, first_name, now),
    )


async def remember(
    db: Database, user_id: int, chat_id: int, first_name: str | None, now: float
) -> User:
    """`upsert` and `get` in one statement: the user's row as it is now."""
    row = await db.fetchone(
        "INSERT INTO users (user_id, chat_id, first_name, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
        "first_name = excluded.first_name "
        f"RETURNING {_COLUMNS}",
        (user_id, chat_id, first_name, now),
    )
    assert row is not None
    return _user(row)


async def get(db: Database, user_id: int) -> User | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM users WHERE user_id = ?", (user_id,))
    return _user(row) if row is not None else None


async def set_safety(db: Database, user_id: int, status: SafetyStatus | None, now: float) -> None:
    await db.execute(
        "UPDATE users SET safety_status = ?, safety_at = ? WHERE user_id = ?",
        (status, now if status else None, user_id),
    )


async def forget(db: Database, user_id: int) -> None:
    """Delete everything stored about a user (tables reference users with ON DELETE
    CASCADE), and make the deleted bytes unreadable in the database files too."""
    await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
    await db.erase_deleted()
