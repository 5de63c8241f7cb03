"""SQLite, the embedded default: one file, one aiosqlite connection, one thread.

The design card fixes the driver: aiosqlite, through its public API only. Its
connection owns the `sqlite3` connection on a thread of its own; every awaited call is
one hop to that thread and back, so each operation takes as few hops as it can:

- `fetchone`/`fetchall`: `Connection.execute_fetchall`, one hop (fetchone takes row 0,
  so a statement with side effects, such as `INSERT … RETURNING`, runs exactly once);
- `execute`/`executemany`: one hop on a cursor kept open for the connection's life,
  whose `rowcount` is then read without a hop (closing a fresh cursor after every
  statement would cost a second one). A statement that answers with rows is read to
  its end, so it never stays half-run, holding the write lock;
- a transaction: `BEGIN IMMEDIATE` as its own hop just before the first statement (an
  empty block costs nothing), the statements, then `commit()` or `rollback()`.

An asyncio lock gives the shared connection to one caller at a time, so a handler never
sees another's uncommitted transaction.

WAL checkpoints (copying the log back into the main file, and its fsync) run in a
thread of their own on a second connection (`_Checkpointer`), not inside whichever
commit pushes the log past SQLite's 1,000-page default: that one commit used to pay
~90 ms of disk writes (the busiest-minute sweep, issue 14). The bot's connection keeps
an automatic checkpoint only as a cap, at `WAL_CAP_PAGES`, should the thread fall
behind. /forget's TRUNCATE checkpoint still runs on the bot's connection.

Start-up reads the header and schema before writing anything (a corrupt file is
reported and never written to), then proves it can write, so a read-only file is one
clear line at start-up instead of every later write failing. Errors name the real
cause: a read-only file or folder, a full disk, a damaged file, or a lock held by
another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import aiosqlite

from db import trace
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

# Primary result codes (sqlite3.h): what each failure really means to an operator.
_CORRUPT, _NOTADB = 11, 26
_READONLY, _IOERR, _FULL, _CANTOPEN, _BUSY, _LOCKED = 8, 10, 13, 14, 5, 6
_LOW_DISK = 256 * 1024  # below this much free space, an I/O error is a full disk

log = logging.getLogger(__name__)

# Seconds between the checkpoint thread's passes: a pass with nothing new in the log
# reads the shared-memory index and does no I/O.
CHECKPOINT_EVERY = 1.0
# The bot's connection checkpoints by itself once the log holds this many pages (some
# 16 MB at 4 KiB pages): the log cannot grow without bound even if the thread stops.
WAL_CAP_PAGES = 4000


def explain(exc: aiosqlite.Error, path: Path) -> str:
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
            return f"The database file {path} is read-only ({exc}): make it writable for this user."
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


def _not_usable(exc: aiosqlite.Error, path: Path) -> str:
    return (
        f"{path} is not a usable SQLite database ({exc}). It was left untouched; "
        "restore a backup or point DATABASE_PATH at another file."
    )


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


class _SQLiteTransaction:
    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database
        self.begun = False
        self.closed = False

    async def _begin(self) -> None:
        if self.closed:
            raise RuntimeError("this transaction has ended")
        if not self.begun:
            self._db._check_open()
            self.begun = True  # before the hop: a failed BEGIN is still rolled back
            await self._db._begin()

    async def execute(self, sql: str, params: Params = ()) -> int:
        await self._begin()
        return await self._db._execute(sqlite_query(sql), params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        await self._begin()
        return await self._db._executemany(sqlite_query(sql), rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        await self._begin()
        return await self._db._fetchone(sqlite_query(sql), params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        await self._begin()
        return await self._db._fetchall(sqlite_query(sql), params)


class _Checkpointer:
    """PASSIVE checkpoints every `every` seconds from a connection and thread of their
    own. PASSIVE never waits for readers or writers (the bot's connection goes on
    committing meanwhile; sqlite3 releases the GIL while it works) and copies what it
    can; the next writer then starts the log over from its beginning, so it stays small.
    Errors are logged, never raised: the cap above still bounds the log."""

    def __init__(self, path: Path, every: float) -> None:
        self._path = path
        self._every = every
        self._stop = threading.Event()
        # Held around each pass: a TRUNCATE checkpoint cannot run while another
        # connection checkpoints (SQLite answers "busy" at once, without waiting).
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint thread could not open %s: %s", self._path, exc)
            return
        try:
            while not self._stop.wait(self._every):
                try:
                    with self.lock:
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # a full disk for a moment: try next time
                    log.warning("WAL checkpoint of %s failed: %s", self._path, exc)
        finally:
            conn.close()


class SQLiteDatabase(Database):
    """One shared aiosqlite connection. Writes and reads take a lock so that two
    handlers' transactions never interleave on it (SQLite has one transaction per
    connection)."""

    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, cursor: aiosqlite.Cursor, path: Path) -> None:
        self._conn = conn
        self._cursor = cursor  # for statements whose rowcount we return
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False
        self._checkpointer = _Checkpointer(path, CHECKPOINT_EVERY)
        self._checkpointer.start()

    @property
    def label(self) -> str:
        return str(self.path)

    @classmethod
    async def connect(cls, path: Path) -> SQLiteDatabase:
        """Open (creating the folder if needed), check, configure and migrate."""
        if path.exists() and not path.is_file():
            raise DatabaseError(f"DATABASE_PATH {path} is not a file.")
        if aiosqlite.sqlite_version_info < (3, 35):
            raise DatabaseError(
                f"SQLite {aiosqlite.sqlite_version} is too old: BackCoach needs 3.35 or "
                "newer (for RETURNING). Use a newer Python build."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"Cannot create the folder {path.parent} for the database: {exc.strerror}."
            ) from None
        try:
            # A failed open stops aiosqlite's thread before raising.
            conn = await aiosqlite.connect(path, isolation_level=None)
        except aiosqlite.Error as exc:
            raise DatabaseError(explain(exc, path)) from None
        try:
            conn.row_factory = aiosqlite.Row  # row["column"] and dict(row)
            await trace.install(conn)  # only with BACKCOACH_SQL_COUNT set (benchmarks)
            await _prepare(conn, path)
            cursor = await conn.cursor()
        except aiosqlite.Error as exc:
            await _close_quietly(conn)
            raise DatabaseError(explain(exc, path)) from None
        except BaseException:
            await _close_quietly(conn)
            raise
        return cls(conn, cursor, path)

    async def close(self) -> None:
        """Close the connection and stop aiosqlite's thread: `Connection.close` returns
        once the thread has run its last job."""
        if self._closed:
            return
        self._closed = True
        # First the checkpoint thread's connection, so the bot's is the last to close:
        # SQLite then checkpoints the whole log and removes it.
        await asyncio.to_thread(self._checkpointer.stop)
        try:
            await self._cursor.close()
        finally:
            await self._conn.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the database is closed")

    # One statement each, on the connection as it stands (the caller holds the lock).
    async def _begin(self) -> None:
        await self._cursor.execute("BEGIN IMMEDIATE")

    async def _execute(self, sql: str, params: Params) -> int:
        self._check_open()
        cursor = self._cursor
        try:
            await cursor.execute(sql, params)
            if cursor.description is not None:  # RETURNING, a PRAGMA that answers…
                await cursor.fetchall()  # run it to its end: the statement completes
        except aiosqlite.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return cursor.rowcount

    async def _executemany(self, sql: str, rows: Iterable[Params]) -> int:
        self._check_open()
        try:
            await self._cursor.executemany(sql, list(rows))
        except aiosqlite.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return self._cursor.rowcount

    async def _fetchall(self, sql: str, params: Params) -> list[Row]:
        self._check_open()
        try:
            rows: Iterable[Row] = await self._conn.execute_fetchall(sql, params)
        except aiosqlite.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return rows if isinstance(rows, list) else list(rows)

    async def _fetchone(self, sql: str, params: Params) -> Row | None:
        # All rows in one hop, not a cursor's fetchone and close in two: every fetchone
        # here reads one row or a handful.
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._lock:
            return await self._execute(sqlite_query(sql), params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock:
            return await self._fetchone(sqlite_query(sql), params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock:
            return await self._fetchall(sqlite_query(sql), params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SQLiteTransaction]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: no half-written rows.
        BEGIN waits for the first statement, so a block that runs none costs no hop."""
        async with self._lock:
            tx = _SQLiteTransaction(self)
            try:
                yield tx
            except BaseException:
                tx.closed = True
                if tx.begun:
                    await self._conn.rollback()
                raise
            tx.closed = True
            if tx.begun:
                await self._conn.commit()

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def erase_deleted(self) -> None:
        # secure_delete (set at open) zeroes deleted rows in the pages; the checkpoint
        # copies those pages into the main file and truncates the WAL, which still held
        # the rows as they were before.
        # The checkpoint thread waits meanwhile: a pass of its own would make this one
        # answer "busy" and leave the log as it was.
        async with self._lock:
            # A thread's lock, polled rather than acquired in a worker thread: a cancel
            # while waiting then never leaves it taken (a pass holds it for milliseconds).
            while not self._checkpointer.lock.acquire(blocking=False):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            try:
                rows = await self._fetchall("PRAGMA wal_checkpoint(TRUNCATE)", ())
            finally:
                self._checkpointer.lock.release()
        if rows and rows[0][0]:  # a reader held on for the whole busy timeout
            log.error("%s: the write-ahead log could not be truncated after a deletion", self.path)

    @contextlib.asynccontextmanager
    async def advisory_lock(self, name: str) -> AsyncIterator[bool]:
        yield True


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    """Close after a failed start-up: the first error is the one to report."""
    with contextlib.suppress(aiosqlite.Error):
        await conn.close()


async def _prepare(conn: aiosqlite.Connection, path: Path) -> None:
    """Check, configure, migrate, prove we can write."""
    try:
        # Read the header and the schema before writing anything: a file that is not
        # SQLite, or whose schema is damaged, is reported and left untouched. (A full
        # `quick_check` reads every page: 0.9 s at a million users, so start-up would
        # grow with the users. Damage deeper in the file surfaces on the query that
        # meets it.)
        await conn.execute_fetchall("SELECT count(*) FROM sqlite_master")
    except aiosqlite.DatabaseError as exc:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (_NOTADB, _CORRUPT) or type(exc) is aiosqlite.DatabaseError:
            raise DatabaseError(_not_usable(exc, path)) from None
        raise  # a read-only folder, a full disk…: explain() names it
    await conn.execute_fetchall("PRAGMA journal_mode = WAL")
    await conn.execute_fetchall("PRAGMA foreign_keys = ON")
    await conn.execute_fetchall("PRAGMA synchronous = NORMAL")
    await conn.execute_fetchall("PRAGMA busy_timeout = 5000")
    # Deleted rows are overwritten with zeros, so /forget leaves no bytes behind.
    await conn.execute_fetchall("PRAGMA secure_delete = ON")
    # Checkpoints are the `_Checkpointer` thread's; this is only the cap.
    await conn.execute_fetchall(f"PRAGMA wal_autocheckpoint = {WAL_CAP_PAGES:d}")
    version = await _migrate(conn)
    # A read-only file opens and reads fine, then fails every write: find out now.
    await _in_transaction(conn, [f"PRAGMA user_version = {version:d}"])


async def _migrate(conn: aiosqlite.Connection) -> int:
    """Apply every migration newer than `PRAGMA user_version`, each in its own transaction."""
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    current = int(rows[0][0]) if rows else 0
    known = migrations()
    if current > len(known):
        raise too_new(current, len(known))
    for version, _name, sql in known[current:]:
        # executescript would commit on its own; run statements one by one inside BEGIN.
        await _in_transaction(conn, [*statements(sql), f"PRAGMA user_version = {version:d}"])
        current = version
    return current


async def _in_transaction(conn: aiosqlite.Connection, sqls: list[str]) -> None:
    """Run `sqls` between BEGIN IMMEDIATE and COMMIT, or roll them all back."""
    await conn.execute_fetchall("BEGIN IMMEDIATE")
    try:
        for sql in sqls:
            await conn.execute_fetchall(sql)
        await conn.commit()
    except BaseException:
        await conn.rollback()
        raise
