"""Migration 006 repairs what the group-chat leak left behind: a user's chat (where
reminders go) and their open routine move back to the private chat."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db import users
from db.connection import Database, migrations
from db.dialect import statements

GROUP = -1001234567890


def database_at_version_5(path: Path) -> None:
    conn = sqlite3.connect(path)
    for version, _, sql in migrations()[:5]:
        for statement in statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version:d}")
    conn.commit()
    conn.close()


async def test_a_chat_moved_to_a_group_before_the_fix_comes_back_to_the_private_chat(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    database_at_version_5(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO users (user_id, chat_id, first_name, created_at) VALUES (?, ?, ?, ?)",
            (1001, GROUP, "Alice", 0.0),
        )
        conn.execute(
            "INSERT INTO routine_runs (user_id, chat_id, status, phase, message_id, started_at) "
            "VALUES (1001, ?, 'active', 'exercise', 12, 0.0)",
            (GROUP,),
        )
    conn.close()

    db = await Database.open(path)
    try:
        alice = await users.get(db, 1001)
        assert alice is not None and alice.chat_id == 1001
        run = await db.fetchone("SELECT chat_id, message_id FROM routine_runs")
        assert run is not None and (run["chat_id"], run["message_id"]) == (1001, None)
    finally:
        await db.close()
