"""Opening the database, on SQLite (the embedded default) or PostgreSQL, behind one API.

Every `db/*.py` module talks to `Database` and nothing else, in the portable SQL of
`db/dialect.py` with `?` parameters:

- `await db.execute(sql, params) -> rowcount`, `await db.fetchone(...) -> Row | None`,
  `await db.fetchall(...) -> list[Row]`, each on its own (autocommitted);
- `async with db.transaction() as tx:` then `tx.execute/fetchone/fetchall/executemany`,
  committed at the end of the block or rolled back on any error;
- rows are read by column name (`row["user_id"]`) and convert with `dict(row)`;
- a broken constraint raises `IntegrityError` on either engine.

`Database.open(target)` takes a `Path` (a SQLite file, as before) or a `DATABASE_URL`
(`sqlite:///data/backcoach.sqlite3`, `postgresql://user:password@host/db`), checks it,
and applies the numbered migrations in `db/migrations/`. Anything that stops it from
being used raises `DatabaseError` with one line to show, which names the real cause.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

Params = Sequence[object]


class DatabaseError(Exception):
    """The database cannot be used; the message is the one line to show."""


class IntegrityError(Exception):
    """A constraint said no (unique, foreign key, check, not null), on either engine."""


class Row(Protocol):
    """A result row: `row["column"]` (or `row[0]`), and `dict(row)`."""

    def __getitem__(self, key: str | int, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


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


def too_new(current: int, known: int) -> DatabaseError:
    return DatabaseError(
        f"The database is at schema version {current}, newer than this code knows "
        f"({known}). Update the bot before using this database."
    )


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a named PostgreSQL advisory lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///relative/path` or `sqlite:////absolute/path` URL (the
    SQLAlchemy convention); None if `url` is not a SQLite URL."""
    if not url.lower().startswith("sqlite:"):
        return None
    rest = url[len("sqlite:") :]
    if not rest.startswith("///") or len(rest) == 3:
        raise DatabaseError(
            f"DATABASE_URL {url!r} has no file: write sqlite:///data/backcoach.sqlite3 "
            "(relative) or sqlite:////srv/backcoach.sqlite3 (absolute)."
        )
    return Path(unquote(rest[3:]))


def is_postgres_url(url: str) -> bool:
    return url.lower().startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class Transaction(Protocol):
    """The statements of one transaction (see `Database.transaction`)."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement per parameter row; the number of rows changed in all."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Database:
    """One database, whichever engine. Open with `await Database.open(target)`."""

    #: "sqlite" or "postgresql": for tests and logs; no caller should branch on it.
    engine: ClassVar[str] = ""
    #: The SQLite file (None on PostgreSQL).
    path: Path | None = None

    @classmethod
    async def open(cls, target: Path | str) -> Database:
        """Open, check and migrate: a SQLite file (a `Path` or a plain path), or a
        `sqlite:///…` or `postgresql://…` URL."""
        if isinstance(target, str):
            if is_postgres_url(target):
                from db.postgres import PostgresDatabase

                return await PostgresDatabase.connect(target)
            path = sqlite_path(target)
            if path is None and "://" in target:
                raise DatabaseError(
                    f"DATABASE_URL must start with sqlite:/// or postgresql://, got "
                    f"{redact(target)!r}."
                )
            target = path or Path(target)  # a plain path is a SQLite file
        from db.sqlite import SQLiteDatabase

        return await SQLiteDatabase.connect(target)

    @property
    def label(self) -> str:
        """Where the data lives, safe to log (no password)."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement, committed on its own; returns the number of rows changed."""
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """`async with db.transaction() as tx:` — all of it or nothing. On SQLite the
        transaction holds the one write lock from its start (`BEGIN IMMEDIATE`); on
        PostgreSQL it is READ COMMITTED: read what you will change with
        `SELECT … FOR UPDATE` (dropped on SQLite, see db/dialect.py)."""
        raise NotImplementedError

    async def schema_version(self) -> int:
        raise NotImplementedError

    async def erase_deleted(self) -> None:
        """After deleting a person's data: make the deleted bytes unreadable in the files
        too, where the engine can (SQLite: secure_delete is on, and the write-ahead log
        is checkpointed and truncated). PostgreSQL keeps dead rows until VACUUM and in
        its WAL until recycled: see docs/privacy notes in the README."""

    def advisory_lock(self, name: str) -> contextlib.AbstractAsyncContextManager[bool]:
        """Try to take the cluster-wide lock `name` for the block; yields whether we got
        it (never waits). Held on one connection: if the process dies, the lock goes
        with it, so another worker can take over. SQLite has one process per file: always
        True."""
        raise NotImplementedError

    async def claim(
        self,
        table: str,
        *,
        key: str,
        where: str,
        set_: str,
        params: Params = (),
        order_by: str | None = None,
        limit: int = 100,
    ) -> list[Row]:
        """Claim up to `limit` rows matching `where` by applying `set_` to them, and
        return the claimed rows as they are after the change. Rows another worker is
        claiming at the same moment are skipped, never waited for or claimed twice
        (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite's single writer makes the plain
        conditional `UPDATE … RETURNING` equivalent). `params` fill the `?` of `set_`
        then `where`; table, column and clause texts come from code, never from users."""
        lock = " FOR UPDATE SKIP LOCKED" if self.engine == "postgresql" else ""
        order = f" ORDER BY {order_by}" if order_by else ""
        sql = (
            f"UPDATE {table} SET {set_} WHERE {key} IN "
            f"(SELECT {key} FROM {table} WHERE {where}{order} LIMIT ?{lock}) RETURNING *"
        )
        return await self.fetchall(sql, (*params, limit))  # one statement: atomic
