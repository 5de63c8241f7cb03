"""Which step gets a picture, a picture is sent only once it is drawn, and the file_ids
Telegram gave are remembered per bot (and forgotten when rejected)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.content import load_content
from bot.core.clock import ScaledClock
from bot.core.routine import Phase, Plan, RoutineState, Status
from bot.handlers.pictures import fits_caption, routine_picture
from bot.media.figures import MediaLibrary
from bot.services.media import MediaService
from db.connection import Database

CONTENT = load_content()
PLAN = Plan.from_content(CONTENT)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "pictures"
BOT = 7_000_000_001


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


def at(exercise_id: str, step: int, **changes: object) -> RoutineState:
    index = next(i for i, e in enumerate(PLAN.exercises) if e.id == exercise_id)
    state = RoutineState(1, 1, 1, Status.ACTIVE, Phase.EXERCISE, 0.0, index, step)
    return replace(state, **changes)  # type: ignore[arg-type]


def test_a_picture_goes_with_the_first_step_and_the_twists_second_side_only() -> None:
    assert routine_picture(at("flexion", 0), PLAN) == ("flexion", None)
    assert routine_picture(at("flexion", 1), PLAN) is None
    twist = PLAN.steps[[e.id for e in PLAN.exercises].index("trunk_twist")]
    right, left = (i for i, step in enumerate(twist) if step.kind == "hold")
    assert routine_picture(at("trunk_twist", right), PLAN) is None
    assert routine_picture(at("trunk_twist", left), PLAN) == ("trunk_twist", "left")
    # Never with a running hold, a finished one, a paused routine or the pain score.
    assert routine_picture(at("trunk_twist", left, hold_ends_at=5.0), PLAN) is None
    assert routine_picture(at("trunk_twist", left, held=True), PLAN) is None
    assert routine_picture(at("flexion", 0, status=Status.PAUSED), PLAN) is None
    assert routine_picture(at("flexion", 0, phase=Phase.PAIN_AFTER), PLAN) is None


def test_a_caption_counts_what_the_user_sees_not_the_markup() -> None:
    assert fits_caption("<b>" + "x" * 1024 + "</b>")
    assert not fits_caption("x" * 1025)
    assert fits_caption("&amp;" * 1024)
    assert not fits_caption("🙂" * 513)  # Telegram counts UTF-16 units


async def test_until_a_picture_is_drawn_the_step_goes_out_as_text(
    db: Database, tmp_path: Path
) -> None:
    library = MediaLibrary.load(tmp_path / "media", CONTENT)
    service = MediaService(db, library, ScaledClock(1.0))
    assert service.figure_for("cat_cow") is None and service.still_for("cat_cow") is None
    library.seed(DOCS)
    key = service.figure_for("cat_cow")
    assert key is not None and key.name == "cat_cow-loop"
    assert (await service.read(key))[4:8] == b"ftyp"


async def test_file_ids_are_remembered_per_bot_and_a_rejected_one_is_forgotten(
    db: Database, tmp_path: Path
) -> None:
    library = MediaLibrary.load(tmp_path / "media", CONTENT)
    service = MediaService(db, library, ScaledClock(1.0))
    key = library.figure_for("flexion")
    assert await service.file_id(BOT, key) is None
    await service.remember(BOT, key, "AgAC1", "AQAD1")
    assert await service.file_id(BOT, key) == "AgAC1"
    assert await service.file_id(BOT + 1, key) is None
    # Another instance (a restart) reads it from the database.
    assert await MediaService(db, library, ScaledClock(1.0)).file_id(BOT, key) == "AgAC1"
    await service.forget(BOT, key, "AgAC1")
    assert await service.file_id(BOT, key) is None


async def test_text_only_is_saved_per_user(db: Database, tmp_path: Path) -> None:
    from db import users

    service = MediaService(db, MediaLibrary.load(tmp_path, CONTENT), ScaledClock(1.0))
    await users.upsert(db, 5, 5, "Sam", 0.0)
    assert not await service.text_only(5)
    assert await service.set_text_only(5, True)
    assert await service.text_only(5)


def test_drawing_stops_when_asked_and_keeps_what_it_drew(tmp_path: Path) -> None:
    library = MediaLibrary.load(tmp_path, CONTENT)
    report = library.ensure(should_stop=lambda: True)
    assert report.rendered == 0 and not any(tmp_path.iterdir())
