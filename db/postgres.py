"""PostgreSQL through asyncpg: a connection pool, the same SQL translated once per text.

Every worker process opens its own pool; the database is the one shared truth. The
schema version lives in a one-row `schema_version` table (SQLite uses `PRAGMA
user_version`), and migrations run under a transaction-scoped advisory lock, so several
workers starting at once migrate exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg

from db.connection import (
    Database,
    DatabaseError,
    IntegrityError,
    Params,
    Row,
    lock_key,
    migrations,
    redact,
    too_new,
)
from db.dialect import postgres_ddl, postgres_query, statements

_MIGRATION_LOCK = lock_key("backcoach:migrations")
CONNECT_TIMEOUT = 10.0


def _rowcount(status: str) -> int:
    """asyncpg's command tag (`UPDATE 3`, `INSERT 0 1`, `DELETE 0`) → the row count."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PostgresTransaction:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return _rowcount(await self._conn.execute(postgres_query(sql), *params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        # asyncpg's executemany reports no row counts; the statement is prepared once
        # (asyncpg caches it per connection) and each row is one round trip.
        query = postgres_query(sql)
        total = 0
        try:
            for params in rows:
                total += _rowcount(await self._conn.execute(query, *params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return total

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        try:
            row: Row | None = await self._conn.fetchrow(postgres_query(sql), *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            rows: list[Row] = await self._conn.fetch(postgres_query(sql), *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return rows


class PostgresDatabase(Database):
    engine = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url

    @property
    def label(self) -> str:
        return redact(self._url)

    @classmethod
    async def connect(cls, url: str, *, max_size: int = 10) -> PostgresDatabase:
        """Open a pool, check the server accepts writes, and migrate."""
        where = redact(url)
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=max_size, timeout=CONNECT_TIMEOUT
            )
        except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError):
            raise DatabaseError(
                f"PostgreSQL at {where} refused the user or password: check DATABASE_URL."
            ) from None
        except asyncpg.InvalidCatalogNameError as exc:
            raise DatabaseError(
                f"PostgreSQL at {where}: {exc}. Create it first (createdb) or fix DATABASE_URL."
            ) from None
        except (OSError, TimeoutError, socket.gaierror) as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or exc
            raise DatabaseError(
                f"Cannot reach PostgreSQL at {where} ({reason}): check DATABASE_URL and "
                "that the server is running."
            ) from None
        except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise DatabaseError(f"Cannot use PostgreSQL at {where}: {exc}") from None
        database = cls(pool, url)
        try:
            read_only = await pool.fetchval("SELECT current_setting('transaction_read_only')")
            if read_only == "on":
                raise DatabaseError(
                    f"PostgreSQL at {where} accepts no writes (a standby, or "
                    "default_transaction_read_only): point DATABASE_URL at the primary."
                )
            await _migrate(pool)
        except asyncpg.PostgresError as exc:
            await database.close()
            raise DatabaseError(f"Cannot use PostgreSQL at {where}: {exc}") from None
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        await self._pool.close()

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return _rowcount(await self._pool.execute(postgres_query(sql), *params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        try:
            row: Row | None = await self._pool.fetchrow(postgres_query(sql), *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            rows: list[Row] = list(await self._pool.fetch(postgres_query(sql), *params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return rows

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PostgresTransaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield _PostgresTransaction(conn)

    async def schema_version(self) -> int:
        return int(await self._pool.fetchval("SELECT version FROM schema_version"))

    @contextlib.asynccontextmanager
    async def advisory_lock(self, name: str) -> AsyncIterator[bool]:
        key = lock_key(name)
        async with self._pool.acquire() as conn:
            got = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
            try:
                yield got
            finally:
                if got:
                    # Shielded: a cancelled holder must still let go (the pool would
                    # also unlock all when the connection is released).
                    await asyncio.shield(conn.execute("SELECT pg_advisory_unlock($1)", key))


async def _migrate(pool: asyncpg.Pool) -> int:
    """Apply every migration newer than `schema_version`, each in its own transaction,
    under an advisory lock (two workers starting together: one migrates, one waits)."""
    known = migrations()
    async with pool.acquire() as conn:
        while True:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"
                )
                current = await conn.fetchval("SELECT version FROM schema_version")
                if current is None:
                    current = 0
                    await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
                if current > len(known):
                    raise too_new(current, len(known))
                if current == len(known):
                    return int(current)
                version, _name, sql = known[current]
                for statement in statements(sql):
                    await conn.execute(postgres_ddl(statement))
                await conn.execute("UPDATE schema_version SET version = $1", version)
