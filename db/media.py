"""The `media_files` table: Telegram `file_id`s of pictures this bot has uploaded.

Sending by `file_id` costs Telegram nothing and the user no download wait, so a picture is
uploaded once per bot and reused. `drop` takes the `file_id` that was rejected, so a
concurrent re-upload that already stored a fresh one is not thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Database


@dataclass(frozen=True, slots=True)
class StoredMedia:
    bot_id: int
    media_key: str
    file_id: str
    file_unique_id: str
    uploaded_at: float


async def get(db: Database, bot_id: int, media_key: str) -> StoredMedia | None:
    row = await db.fetchone(
        "SELECT bot_id, media_key, file_id, file_unique_id, uploaded_at FROM media_files "
        "WHERE bot_id = ? AND media_key = ?",
        (bot_id, media_key),
    )
    if row is None:
        return None
    return StoredMedia(
        row["bot_id"], row["media_key"], row["file_id"], row["file_unique_id"], row["uploaded_at"]
    )


async def put(
    db: Database, bot_id: int, media_key: str, file_id: str, file_unique_id: str, now: float
) -> None:
    """Remember the `file_id` an upload returned (the latest upload wins)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO media_files (bot_id, media_key, file_id, file_unique_id, uploaded_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (bot_id, media_key) DO UPDATE SET "
            "file_id = excluded.file_id, file_unique_id = excluded.file_unique_id, "
            "uploaded_at = excluded.uploaded_at",
            (bot_id, media_key, file_id, file_unique_id, now),
        )


async def drop(db: Database, bot_id: int, media_key: str, file_id: str | None = None) -> bool:
    """Forget a stored `file_id` (Telegram rejected it); with `file_id`, only if it is still
    the stored one. Returns whether a row went."""
    if file_id is None:
        changed = await db.execute(
            "DELETE FROM media_files WHERE bot_id = ? AND media_key = ?", (bot_id, media_key)
        )
    else:
        changed = await db.execute(
            "DELETE FROM media_files WHERE bot_id = ? AND media_key = ? AND file_id = ?",
            (bot_id, media_key, file_id),
        )
    return changed > 0


async def all_for(db: Database, bot_id: int) -> dict[str, str]:
    """Every stored `media_key` → `file_id` for one bot (to warm a cache at start-up)."""
    rows = await db.fetchall(
        "SELECT media_key, file_id FROM media_files WHERE bot_id = ?", (bot_id,)
    )
    return {row["media_key"]: row["file_id"] for row in rows}


async def text_only(db: Database, user_id: int) -> bool:
    """The user's "Text only" choice (False for an unknown user: pictures by default)."""
    row = await db.fetchone("SELECT text_only FROM users WHERE user_id = ?", (user_id,))
    return bool(row["text_only"]) if row is not None else False


async def set_text_only(db: Database, user_id: int, on: bool) -> bool:
    """Save the choice; returns False when the user has no row yet."""
    changed = await db.execute(
        "UPDATE users SET text_only = ? WHERE user_id = ?", (1 if on else 0, user_id)
    )
    return changed > 0
