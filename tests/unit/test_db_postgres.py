"""PostgreSQL only: clear start-up errors, migrations with several workers, and row locks
that let workers share the work (SKIP LOCKED claims, a change that a claim waits for)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from db import reminders, users
from db.connection import Database, DatabaseError, migrations
from db.local_postgres import LocalPostgres
from db.reminders import Reminder

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    yield database
    await database.close()


async def wait_until_blocked(db: Database) -> None:
    """Until some other session of this database waits for a row lock."""
    for _ in range(500):
        row = await db.fetchone(
            "SELECT count(*) AS n FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        if row is not None and row["n"] > 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nobody ever waited for the lock")


async def test_workers_starting_together_migrate_once(database_url: str) -> None:
    opened = await asyncio.gather(*(Database.open(database_url) for _ in range(3)))
    try:
        for database in opened:
            assert database.engine == "postgresql"
            assert await database.schema_version() == len(migrations())
        rows = await opened[0].fetchall("SELECT version FROM schema_version")
        assert [row["version"] for row in rows] == [len(migrations())]
    finally:
        for database in opened:
            await database.close()


async def test_a_database_newer_than_the_code_is_refused(db: Database, database_url: str) -> None:
    await db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(DatabaseError, match="schema version 99, newer than this code"):
        await Database.open(database_url)


async def test_a_read_only_server_is_one_line_at_start_up(database_url: str) -> None:
    with pytest.raises(DatabaseError, match="accepts no writes"):
        await Database.open(database_url + "&default_transaction_read_only=on")


async def test_connection_problems_are_one_line_without_the_password(
    postgres_server: LocalPostgres, database_url: str
) -> None:
    wrong = postgres_server.url().replace(postgres_server.password, "not-the-password")
    with pytest.raises(DatabaseError, match="refused the user or password") as refused:
        await Database.open(wrong)
    assert "not-the-password" not in str(refused.value)

    missing = postgres_server.url(database="nowhere")
    with pytest.raises(DatabaseError, match="nowhere") as absent:
        await Database.open(missing)
    assert postgres_server.password not in str(absent.value)

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = f"postgresql://bot:s3cret@127.0.0.1:{port}/bot"
    with pytest.raises(DatabaseError, match="Cannot reach PostgreSQL") as unreachable:
        await Database.open(closed)
    assert "s3cret" not in str(unreachable.value) and "bot:***@" in str(unreachable.value)


async def test_a_claim_skips_rows_another_worker_is_claiming(database_url: str) -> None:
    one, two = await Database.open(database_url), await Database.open(database_url)
    try:
        for user_id in range(1, 11):
            await users.upsert(one, user_id, user_id, None, float(user_id))
        async with one.transaction() as busy:
            # Worker one is in the middle of claiming users 1-5 ...
            held = await busy.fetchall(
                "SELECT user_id FROM users ORDER BY user_id LIMIT 5 FOR UPDATE SKIP LOCKED"
            )
            assert [row["user_id"] for row in held] == [1, 2, 3, 4, 5]
            # ... worker two neither waits for them nor takes them.
            claimed = await asyncio.wait_for(
                two.claim(
                    "users",
                    key="user_id",
                    set_="safety_status = 'cleared'",
                    where="safety_status IS NULL",
                    order_by="user_id",
                    limit=5,
                ),
                timeout=10,
            )
        assert sorted(row["user_id"] for row in claimed) == [6, 7, 8, 9, 10]
    finally:
        await one.close()
        await two.close()


async def test_many_claims_at_once_take_every_row_exactly_once(database_url: str) -> None:
    workers = [await Database.open(database_url) for _ in range(3)]
    try:
        async with workers[0].transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (user_id, chat_id, created_at) VALUES (?, ?, ?)",
                [(user_id, user_id, 0.0) for user_id in range(1, 301)],
            )

        async def drain(database: Database) -> list[int]:
            taken: list[int] = []
            while rows := await database.claim(
                "users",
                key="user_id",
                set_="safety_status = 'cleared'",
                where="safety_status IS NULL",
                limit=7,
            ):
                taken.extend(row["user_id"] for row in rows)
            return taken

        results = await asyncio.gather(*(drain(worker) for _ in range(2) for worker in workers))
        every = [user_id for taken in results for user_id in taken]
        assert sorted(every) == list(range(1, 301))  # none lost, none twice
    finally:
        for worker in workers:
            await worker.close()


async def test_a_sweep_claim_waits_for_a_users_change_and_then_sees_it(
    database_url: str,
) -> None:
    bot, sweeper = await Database.open(database_url), await Database.open(database_url)
    try:
        await users.upsert(bot, 1, 1, "Alex", 0.0)

        def at_0730(zone: str | None, current: Reminder | None) -> Reminder:
            return Reminder(user_id=1, local_time="07:30", next_due=100.0)

        await reminders.modify(bot, 1, at_0730, 0.0)
        async with bot.transaction() as tx:
            # What reminders.modify does: lock the rows it read, then write the change.
            await tx.fetchone("SELECT user_id FROM users WHERE user_id = ? FOR UPDATE", (1,))
            await tx.fetchone("SELECT next_due FROM reminders WHERE user_id = ? FOR UPDATE", (1,))
            claim = asyncio.create_task(reminders.claim(sweeper, 1, 100.0, 5.0))
            await wait_until_blocked(bot)
            await tx.execute("UPDATE reminders SET next_due = ? WHERE user_id = ?", (200.0, 1))
        # The claim went on after the change committed, saw the new due time, and let go.
        assert not await claim
        _, stored = await reminders.get(bot, 1)
        assert stored is not None and stored.next_due == 200.0 and stored.sending_at is None
    finally:
        await bot.close()
        await sweeper.close()
