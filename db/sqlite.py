"""SQLite, the embedded default: one file, one connection, one thread.

The `sqlite3` connection lives on one worker thread; every call (a statement and its
fetch, or a whole small step of a transaction) is one hop to that thread and back. An
asyncio lock gives the shared connection to one caller at a time, so a handler never
sees another's uncommitted transaction.

Start-up reads the header and schema before writing anything (a corrupt file is
reported and never written to), then proves it can write, so a read-only file is one
clear line at start-up instead of every later write failing. Errors name the real
cause: a read-only file or folder, a full disk, or a damaged file.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import queue
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from db.connection import (
    Database,
    DatabaseError,
    IntegrityError,
    Params,
    Row,
    migrations,
    too_new,
)
from db.dialect import sqlite_query, statements

T = TypeVar("T")

# Primary result codes (sqlite3.h): what each failure really means to an operator.
_CORRUPT, _NOTADB = 11, 26
_READONLY, _IOERR, _FULL, _CANTOPEN, _BUSY, _LOCKED = 8, 10, 13, 14, 5, 6
_LOW_DISK = 256 * 1024  # below this much free space, an I/O error is a full disk


def explain(exc: sqlite3.Error, path: Path) -> str:
    """One line naming what is wrong with the database at `path`, and what to do."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    folder = path.parent if str(path.parent) else Path(".")
    if code in (_NOTADB, _CORRUPT):
        return _not_usable(exc, path)
    if code == _FULL or (code in (_IOERR, _CANTOPEN) and _free_bytes(folder) < _LOW_DISK):
        return (
            f"The disk holding {path} is full ({exc}): free some space and start again; "
            "the file was left untouched."
        )
    if code in (_READONLY, _CANTOPEN, _IOERR):
        if not os.access(folder, os.W_OK):
            return (
                f"The database's folder {folder} is read-only ({exc}): SQLite writes "
                f"{path.name}-wal and {path.name}-shm beside the file; make the folder "
                "writable for this user."
            )
        if path.exists() and not os.access(path, os.W_OK):
            return (
                f"The database file {path} is read-only ({exc}): make it writable for "
                "this user."
            )
    if code == _READONLY:
        return (
            f"The database {path} cannot be written ({exc}): make the file and its folder "
            f"{folder} writable for this user (SQLite keeps {path.name}-wal and "
            f"{path.name}-shm beside it)."
        )
    if code == _CANTOPEN:
        return (
            f"Cannot open the database {path} ({exc}): check that the folder {folder} "
            "exists and that this user may read and write it."
        )
    if code == _IOERR:
        return (
            f"Reading or writing {path} failed ({exc}): check the disk and the "
            f"permissions of the file and its folder {folder}; the file was left untouched."
        )
    if code in (_BUSY, _LOCKED):
        return (
            f"The database {path} is locked by another process ({exc}): one bot "
            "process per database file."
        )
    return f"Cannot use the database at {path}: {exc}"


def _not_usable(exc: sqlite3.Error, path: Path) -> str:
    return (
        f"{path} is not a usable SQLite database ({exc}). It was left untouched; "
        "restore a backup or point DATABASE_PATH at another file."
    )


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


# Functions that run on the worker thread: each is one hop.
def _rowcount(conn: sqlite3.Connection, sql: str, params: Params) -> int:
    cursor = conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _one(conn: sqlite3.Connection, sql: str, params: Params) -> Row | None:
    cursor = conn.execute(sql, params)
    try:
        row: Row | None = cursor.fetchone()
        return row
    finally:
        cursor.close()


def _all(conn: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
    cursor = conn.execute(sql, params)
    try:
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _many(conn: sqlite3.Connection, sql: str, rows: list[Params]) -> int:
    cursor = conn.executemany(sql, rows)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _begin_then(step: Callable[..., T]) -> Callable[..., T]:
    """`step`, preceded by BEGIN IMMEDIATE in the same hop (a transaction's first call)."""

    def run(conn: sqlite3.Connection, *args: object) -> T:
        conn.execute("BEGIN IMMEDIATE")
        return step(conn, *args)

    return run


# (the caller's loop, its future, the function to run on the thread, its arguments)
_Job = tuple[
    asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[object, ...]
]


class _Worker:
    """The one thread that owns the sqlite3 connection. A queue and
    `call_soon_threadsafe`: about 13 µs a hop here, against 24 µs through
    `run_in_executor`'s concurrent futures (measured on this machine)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            loop, future, step, args = job
            try:
                result = step(*args)
            except BaseException as exc:
                outcome: Callable[[], None] = functools.partial(_fail, future, exc)
            else:
                outcome = functools.partial(_succeed, future, result)
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(outcome)

    async def call(self, step: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((loop, future, step, args))
        return await future

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()


def _succeed(future: asyncio.Future[Any], result: object) -> None:
    if not future.done():  # the caller may have been cancelled
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class _SQLiteTransaction:
    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database
        self.begun = False
        self.closed = False

    async def _run(self, step: Callable[..., T], *args: object) -> T:
        if self.closed:
            raise RuntimeError("this transaction has ended")
        if not self.begun:
            self.begun = True
            return await self._db._call(_begin_then(step), *args)
        return await self._db._call(step, *args)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._run(_rowcount, sqlite_query(sql), params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        return await self._run(_many, sqlite_query(sql), list(rows))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._run(_one, sqlite_query(sql), params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._run(_all, sqlite_query(sql), params)


class SQLiteDatabase(Database):
    """One shared connection. Writes and reads take a lock so that two handlers'
    transactions never interleave on it (SQLite has one transaction per connection)."""

    engine = "sqlite"

    def __init__(self, conn: sqlite3.Connection, worker: _Worker, path: Path) -> None:
        self._conn = conn
        self._worker = worker
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def label(self) -> str:
        return str(self.path)

    async def _call(self, step: Callable[..., T], *args: object) -> T:
        if self._closed:
            raise RuntimeError("the database is closed")
        try:
            return await self._worker.call(step, self._conn, *args)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    @classmethod
    async def connect(cls, path: Path) -> SQLiteDatabase:
        """Open (creating the folder if needed), check, configure and migrate."""
        if path.exists() and not path.is_file():
            raise DatabaseError(f"DATABASE_PATH {path} is not a file.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"Cannot create the folder {path.parent} for the database: {exc.strerror}."
            ) from None
        worker = _Worker()
        try:
            conn = await worker.call(_open, path)
        except BaseException as exc:
            worker.stop()
            if isinstance(exc, sqlite3.Error):
                raise DatabaseError(explain(exc, path)) from None
            raise
        database = cls(conn, worker, path)
        try:
            await database._call(_prepare, path)
        except sqlite3.Error as exc:
            await database.close()
            raise DatabaseError(explain(exc, path)) from None
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        if self._closed:
            return
        await self._call(lambda conn: conn.close())
        self._closed = True
        self._worker.stop()

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._lock:
            return await self._call(_rowcount, sqlite_query(sql), params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock:
            return await self._call(_one, sqlite_query(sql), params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock:
            return await self._call(_all, sqlite_query(sql), params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SQLiteTransaction]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: no half-written rows.
        BEGIN travels with the first statement (one hop fewer)."""
        async with self._lock:
            tx = _SQLiteTransaction(self)
            try:
                yield tx
            except BaseException:
                tx.closed = True
                if tx.begun:
                    await self._call(lambda conn: conn.rollback())
                raise
            tx.closed = True
            if tx.begun:
                await self._call(lambda conn: conn.commit())

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def erase_deleted(self) -> None:
        # secure_delete (set at open) zeroes deleted rows in the pages; the checkpoint
        # copies those pages into the main file and truncates the WAL, which still held
        # the rows as they were before.
        async with self._lock:
            await self._call(_all, "PRAGMA wal_checkpoint(TRUNCATE)", ())

    @contextlib.asynccontextmanager
    async def advisory_lock(self, name: str) -> AsyncIterator[bool]:
        yield True


def _open(path: Path) -> sqlite3.Connection:
    if sqlite3.sqlite_version_info < (3, 35):
        raise DatabaseError(
            f"SQLite {sqlite3.sqlite_version} is too old: BackCoach needs 3.35 or newer "
            "(for RETURNING). Use a newer Python build."
        )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    """On the worker thread: check, configure, migrate, prove we can write."""
    try:
        # Read the header and the schema before writing anything: a file that is not
        # SQLite, or whose schema is damaged, is reported and left untouched. (A full
        # `quick_check` reads every page: 0.9 s at a million users, so start-up would
        # grow with the users. Damage deeper in the file surfaces on the query that
        # meets it.)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (_NOTADB, _CORRUPT) or type(exc) is sqlite3.DatabaseError:
            raise DatabaseError(_not_usable(exc, path)) from None
        raise  # a read-only folder, a full disk…: explain() names it
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA busy_timeout = 5000")
    # Deleted rows are overwritten with zeros, so /forget leaves no bytes behind.
    conn.execute("PRAGMA secure_delete = ON")
    version = _migrate(conn)
    # A read-only file opens and reads fine, then fails every write: find out now.
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA user_version = {version:d}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than `PRAGMA user_version`, each in its own transaction."""
    row = conn.execute("PRAGMA user_version").fetchone()
    current = int(row[0]) if row else 0
    known = migrations()
    if current > len(known):
        raise too_new(current, len(known))
    for version, _name, sql in known[current:]:
        # executescript would commit on its own; run statements one by one inside BEGIN.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        current = version
    return current
