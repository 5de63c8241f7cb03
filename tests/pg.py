"""Fixtures that run a test on SQLite and on PostgreSQL.

- `postgres_server` (session): one throwaway PostgreSQL for the whole run, started on
  first use (a run that touches no PostgreSQL test starts none), stopped at the end.
- `database_url`: what `Database.open` (or `Settings(database_url=…)`) takes. SQLite by
  default; a test or module marked `@both_engines` runs once per engine, and on
  PostgreSQL each test gets a fresh schema of its own (a `CREATE SCHEMA`: ~10 ms).
  `BACKCOACH_TEST_DATABASE=postgresql` runs every other test on PostgreSQL too.

Import both in a conftest (`from tests.pg import database_url, postgres_server`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from db.local_postgres import LocalPostgres, start

ENGINES = ("sqlite", "postgresql")
both_engines = pytest.mark.parametrize("database_url", ENGINES, indirect=True)

_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    server = start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    engine = getattr(request, "param", os.environ.get("BACKCOACH_TEST_DATABASE", "sqlite"))
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"
    assert engine == "postgresql", engine
    server: LocalPostgres = request.getfixturevalue("postgres_server")
    schema = f"test_{os.getpid()}_{next(_schemas)}"
    conn = await asyncpg.connect(server.url())
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    return server.url(search_path=schema)
