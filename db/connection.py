"""Opening the database: WAL mode, foreign keys, and the numbered migrations.

An unreadable or corrupt file raises `DatabaseError` with one clear line and is never
written to: we check it is a SQLite database before migrating anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from importlib import resources
from pathlib import Path

import aiosqlite

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database file cannot be used; the message is the one line to show."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every file in db/migrations, in order."""
    found: list[tuple[int, str, str]] = []
    folder = resources.files("db") / "migrations"
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(
            f"db/migrations must be numbered 001, 002, ... without gaps: {versions}"
        )
    return found


async def _check_readable(conn: aiosqlite.Connection, path: Path) -> None:
    """Read the header and the schema before writing anything: a file that is not SQLite,
    or whose schema is damaged, is reported and left untouched. (A full `quick_check`
    reads every page: 0.9 s at a million users, so start-up would grow with the users.
    Damage deeper in the file surfaces as an error on the query that meets it.)"""
    try:
        async with conn.execute("SELECT count(*) FROM sqlite_master") as cursor:
            await cursor.fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"{path} is not a usable SQLite database ({exc}). It was left untouched; "
            "restore a backup or point DATABASE_PATH at another file."
        ) from None


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply every migration newer than `PRAGMA user_version`, each in its own transaction."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    known = migrations()
    if current > len(known):
        raise DatabaseError(
            f"The database is at schema version {current}, newer than this code knows "
            f"({len(known)}). Update the bot before using this file."
        )
    for version, _name, sql in known[current:]:
        # executescript would commit on its own; run statements one by one inside BEGIN.
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version:d}")
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        current = version
    return current


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (migrations hold no semicolons inside strings)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


async def connect(path: Path) -> aiosqlite.Connection:
    """Open (creating the folder if needed), check, configure and migrate the database."""
    if path.exists() and not path.is_file():
        raise DatabaseError(f"DATABASE_PATH {path} is not a file.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"Cannot open the database at {path}: {exc}") from None
    try:
        conn.row_factory = aiosqlite.Row
        await _check_readable(conn, path)
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await migrate(conn)
    except sqlite3.DatabaseError as exc:
        await conn.close()
        raise DatabaseError(f"Cannot use the database at {path}: {exc}") from None
    except BaseException:
        await conn.close()
        raise
    return conn


class Database:
    """One shared connection. Writes take a lock so that two handlers' transactions never
    interleave on it (SQLite has one transaction per connection)."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        return cls(await connect(path), path)

    async def close(self) -> None:
        await self.conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: no half-written rows."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """One write statement, committed on its own; returns the number of rows changed."""
        async with self._lock:
            cursor = await self.conn.execute(sql, params)
            await self.conn.commit()
            return cursor.rowcount

    # Reads take the lock too: on a shared connection they would otherwise see another
    # handler's transaction before it commits (or after it rolls back).
    async def fetchone(self, sql: str, params: Sequence[object] = ()) -> aiosqlite.Row | None:
        async with self._lock, self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async with self._lock, self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())
