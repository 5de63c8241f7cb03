"""SQLite's file: WAL, damaged files left untouched, start-up errors that name the real
cause (issue 9, point 7), /forget leaving no bytes behind (issue 9, point 8), and
databases created before PostgreSQL support."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db import reminders, routines, users
from db.connection import Database, DatabaseError, migrations
from db.dialect import statements
from db.reminders import Reminder

ROOT = Path(__file__).resolve().parents[2]


async def test_opening_creates_the_folder_uses_wal_and_applies_every_migration(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "nested" / "bot.sqlite3")
    try:
        assert (tmp_path / "nested").is_dir()
        mode = await db.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        version = await db.fetchone("PRAGMA user_version")
        assert version is not None and version[0] == len(migrations())
        secure = await db.fetchone("PRAGMA secure_delete")
        assert secure is not None and secure[0] == 1
    finally:
        await db.close()


async def test_a_url_opens_the_same_file_as_its_path(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Database.open(path)
    await users.upsert(first, 1, 1, "Alex", 0.0)
    await first.close()
    for target in (f"sqlite:///{path}", str(path)):  # sqlite:////tmp/…: absolute
        second = await Database.open(target)
        try:
            assert second.path == path and (await users.get(second, 1)) is not None
        finally:
            await second.close()


async def test_a_corrupt_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseError, match="not a usable SQLite database"):
        await Database.open(path)
    assert path.read_bytes() == garbage


async def test_a_database_with_a_damaged_schema_is_reported_and_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path)
    await database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await database.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the rest of page 1: the schema table
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="left untouched"):
        await Database.open(path)
    assert path.read_bytes() == bytes(data)


# -- issue 9, point 8: /forget leaves no trace in the files --------------------------------


async def test_forget_leaves_no_trace_of_the_user_in_the_database_files(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    wal = tmp_path / "bot.sqlite3-wal"
    db = await Database.open(path)
    try:
        # Plenty of other users, so the deleted one's page is not simply dropped whole.
        for other in range(2, 40):
            await users.upsert(db, other, other, f"Other person {other}", 0.0)
        await users.upsert(db, 1, 1, "Quillon Marchbanks", 0.0)
        await routines.create(db, 1, 1, 1.0)

        def at_0730(zone: str | None, current: Reminder | None) -> Reminder:
            return Reminder(user_id=1, local_time="07:30", next_due=100.0)

        await reminders.modify(db, 1, at_0730, 0.0, zone="America/Argentina/Ushuaia")
        traces = (b"Quillon Marchbanks", b"America/Argentina/Ushuaia")
        before = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert all(trace in before for trace in traces)  # the test can see them

        await users.forget(db, 1)

        # While the bot keeps running: neither the main file nor the write-ahead log.
        for file in (path, wal):
            data = file.read_bytes() if file.exists() else b""
            for trace in traces:
                assert trace not in data, f"{trace!r} still in {file.name}"
        assert await users.get(db, 2) is not None  # the others are all still there
    finally:
        await db.close()


# -- issue 9, point 7: start-up names the real storage problem -----------------------------


_OPEN_AND_WRITE = """
import asyncio, sys
from pathlib import Path
from db.connection import Database, DatabaseError
from db import users

async def main() -> None:
    try:
        db = await Database.open(Path(sys.argv[1]))
    except DatabaseError as exc:
        print("refused:", exc)
        return
    try:
        await users.upsert(db, 5, 5, "Pat", 0.0)
        print("wrote")
    except Exception as exc:
        print("write failed:", exc)
    finally:
        await db.close()

asyncio.run(main())
"""


def open_on_a_changed_disk(path: Path, setup: str) -> str:
    """Open the database at `path` (then write a row) in a new process that first runs
    the shell `setup` in a private mount namespace: a read-only bind mount, a tiny full
    disk. (chmod would not do: file permissions do not bind root, and CI runs as root.)"""
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    if shutil.which("unshare") is None or subprocess.run(
        [*unshare, "mount", "-t", "tmpfs", "tmpfs", "/mnt"], capture_output=True, check=False
    ).returncode:
        pytest.skip("needs a private mount namespace (unshare -m) to fake the disk")
    shell = ["sh", "-c", f'{setup} && exec "$@"', "sh"]
    result = subprocess.run(
        [*unshare, *shell, sys.executable, "-c", _OPEN_AND_WRITE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout.strip()


async def make_database(path: Path) -> None:
    db = await Database.open(path)
    await users.upsert(db, 1, 1, "Alex", 0.0)
    await db.close()


def read_only(path: Path) -> str:
    return f"mount --bind {path} {path} && mount -o remount,ro,bind {path}"


async def test_a_read_only_file_is_refused_at_start_up_not_at_the_first_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    await make_database(path)
    outcome = open_on_a_changed_disk(path, read_only(path))
    assert outcome.startswith("refused:"), outcome  # not "wrote", not "write failed"
    assert f"database file {path} is read-only" in outcome and "writable" in outcome
    assert "restore a backup" not in outcome


async def test_a_read_only_folder_is_named_as_such_not_as_a_damaged_file(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    path = folder / "bot.sqlite3"
    await make_database(path)
    outcome = open_on_a_changed_disk(path, read_only(folder))
    assert outcome.startswith("refused:"), outcome
    assert f"folder {folder} is read-only" in outcome and "writable" in outcome
    assert "not a usable SQLite database" not in outcome and "restore a backup" not in outcome


async def test_a_full_disk_is_named_as_such_not_as_a_damaged_file(tmp_path: Path) -> None:
    healthy = tmp_path / "bot.sqlite3"
    await make_database(healthy)
    disk = tmp_path / "disk"
    disk.mkdir()
    # A 1 MiB disk of its own holding a copy of the healthy file, filled to the brim.
    fill = (
        f"mount -t tmpfs -o size=1m tmpfs {disk} && cp {healthy} {disk}/ && "
        f"(dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null; true)"
    )
    outcome = open_on_a_changed_disk(disk / "bot.sqlite3", fill)
    assert outcome.startswith("refused:"), outcome
    assert "disk holding" in outcome and "is full" in outcome
    assert "not a usable SQLite database" not in outcome and "restore a backup" not in outcome


# -- databases created before PostgreSQL support --------------------------------------------

# Migration 003's reminders table as first released (the GLOB check, now spelled portably).
_OLD_003_REMINDERS = """
ALTER TABLE users ADD COLUMN timezone TEXT;
CREATE TABLE reminders (
    user_id       INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    local_time    TEXT NOT NULL CHECK (local_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    weekdays_only INTEGER NOT NULL DEFAULT 0 CHECK (weekdays_only IN (0, 1)),
    paused_until  REAL,
    next_due      REAL,
    snoozed       INTEGER NOT NULL DEFAULT 0 CHECK (snoozed IN (0, 1)),
    last_date     TEXT,
    sending_at    REAL,
    updated_at    REAL NOT NULL
);
CREATE INDEX reminders_next_due ON reminders (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX reminders_sending ON reminders (sending_at) WHERE sending_at IS NOT NULL;
"""


def old_database(path: Path) -> None:
    """A file as the bot left it at schema version 3, before PostgreSQL support."""
    conn = sqlite3.connect(path)
    for _, _, sql in migrations()[:2]:
        for statement in statements(sql):
            conn.execute(statement)
    conn.executescript(_OLD_003_REMINDERS)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("INSERT INTO users (user_id, chat_id, created_at) VALUES (1, 1, 0.0)")
    conn.commit()
    conn.close()


async def test_a_database_from_before_postgresql_support_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path)
    db = await Database.open(path)
    try:
        assert await db.schema_version() == len(migrations())

        def at(time: str) -> reminders.Change:
            return lambda zone, current: Reminder(user_id=1, local_time=time, next_due=9.0)

        _, stored = await reminders.modify(db, 1, at("07:30"), 0.0, zone="Europe/Berlin")
        assert stored is not None and stored.local_time == "07:30"
        with pytest.raises(Exception, match="CHECK"):
            await reminders.modify(db, 1, at("7:30"), 0.0)
    finally:
        await db.close()


@pytest.fixture(scope="module")
def both_checks() -> Iterator[tuple[sqlite3.Connection, sqlite3.Connection]]:
    old, new = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn, third in ((old, _OLD_003_REMINDERS), (new, migrations()[2][2])):
        for _, _, sql in migrations()[:2]:
            for statement in statements(sql):
                conn.execute(statement)
        for statement in statements(third):
            conn.execute(statement)
        conn.execute("INSERT INTO users (user_id, chat_id, created_at) VALUES (1, 1, 0.0)")
    yield old, new
    old.close()
    new.close()


def accepts(conn: sqlite3.Connection, local_time: str) -> bool:
    try:
        conn.execute(
            "INSERT INTO reminders (user_id, local_time, updated_at) VALUES (1, ?, 0.0)",
            (local_time,),
        )
    except sqlite3.IntegrityError:
        return False
    conn.execute("DELETE FROM reminders")
    return True


@given(
    st.one_of(
        st.text(alphabet="0123456789:5a ٣²", min_size=0, max_size=7),
        st.from_regex(r"\A[0-3][0-9]:[0-6][0-9]\Z"),
        st.text(max_size=6),
    )
)
def test_the_portable_time_check_accepts_exactly_what_the_old_glob_did(
    both_checks: tuple[sqlite3.Connection, sqlite3.Connection], local_time: str
) -> None:
    old, new = both_checks
    assert accepts(new, local_time) == accepts(old, local_time)
