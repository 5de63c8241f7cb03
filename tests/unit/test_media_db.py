"""Uploaded pictures are remembered per bot by file_id, a rejected id can be dropped
without losing a fresh one stored meanwhile, and the "Text only" choice is saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db import media, users
from db.connection import Database

BOT = 7_000_000_001
OTHER_BOT = 7_000_000_002
KEY = "cat_cow-loop-3f2a9c01b4"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


async def test_the_first_upload_is_remembered_for_that_bot_only(db: Database) -> None:
    assert await media.get(db, BOT, KEY) is None
    await media.put(db, BOT, KEY, "CgAC1", "AQAD1", 100.0)
    stored = await media.get(db, BOT, KEY)
    assert stored is not None
    assert (stored.file_id, stored.file_unique_id, stored.uploaded_at) == ("CgAC1", "AQAD1", 100.0)
    # A file_id belongs to the bot that uploaded it.
    assert await media.get(db, OTHER_BOT, KEY) is None
    assert await media.all_for(db, BOT) == {KEY: "CgAC1"}


async def test_a_new_upload_replaces_the_stored_file_id(db: Database) -> None:
    await media.put(db, BOT, KEY, "CgAC1", "AQAD1", 100.0)
    await media.put(db, BOT, KEY, "CgAC2", "AQAD2", 200.0)
    stored = await media.get(db, BOT, KEY)
    assert stored is not None and stored.file_id == "CgAC2"


async def test_dropping_a_rejected_id_keeps_a_fresher_one(db: Database) -> None:
    await media.put(db, BOT, KEY, "CgAC2", "AQAD2", 200.0)
    # Another send already re-uploaded: dropping the old, rejected id changes nothing.
    assert await media.drop(db, BOT, KEY, "CgAC1") is False
    assert await media.get(db, BOT, KEY) is not None
    assert await media.drop(db, BOT, KEY, "CgAC2") is True
    assert await media.get(db, BOT, KEY) is None
    await media.put(db, BOT, KEY, "CgAC3", "AQAD3", 300.0)
    assert await media.drop(db, BOT, KEY) is True


async def test_text_only_is_off_by_default_and_saved_when_chosen(db: Database) -> None:
    await users.upsert(db, 1001, 1001, "Alex", 0.0)
    assert await media.text_only(db, 1001) is False
    assert await media.set_text_only(db, 1001, True) is True
    assert await media.text_only(db, 1001) is True
    await media.set_text_only(db, 1001, False)
    assert await media.text_only(db, 1001) is False
    # Someone who never wrote to the bot has no row: nothing to save.
    assert await media.set_text_only(db, 2002, True) is False
