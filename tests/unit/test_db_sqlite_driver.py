"""How the SQLite engine uses aiosqlite to save thread hops, without changing what a
call does: a statement answering rows through `execute` still finishes (commits, frees
the write lock), and `fetchone` runs a statement with side effects exactly once."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db.connection import Database

INSERT = "INSERT INTO users (user_id, chat_id, created_at) VALUES (?, ?, 0.0) RETURNING user_id"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


def another_process_can_write(path: Path) -> bool:
    """Whether a second connection gets the write lock at once (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


async def test_a_write_answering_rows_through_execute_is_committed_and_lets_go(
    db: Database,
) -> None:
    assert db.path is not None
    assert await db.execute(INSERT, (1, 1)) == 1
    assert another_process_can_write(db.path)  # not left half-run, holding the lock
    seen = sqlite3.connect(db.path)
    try:
        assert seen.execute("SELECT user_id FROM users").fetchall() == [(1,)]  # committed
    finally:
        seen.close()


async def test_fetchone_on_an_insert_returning_inserts_exactly_once(db: Database) -> None:
    row = await db.fetchone(INSERT, (2, 2))
    assert row is not None and row["user_id"] == 2
    async with db.transaction() as tx:
        inside = await tx.fetchone(INSERT, (3, 3))
        assert inside is not None and dict(inside) == {"user_id": 3}
    count = await db.fetchone("SELECT count(*) AS n FROM users")
    assert count is not None and count["n"] == 2


async def test_a_checkpoint_through_execute_leaves_the_next_transaction_free(
    db: Database,
) -> None:
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a statement that answers a row
    async with db.transaction() as tx:
        assert await tx.execute(INSERT, (4, 4)) == 1
    assert db.path is not None and another_process_can_write(db.path)
