"""Setting a reminder with the words people use: "half past seven", "noonish", "after work"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.emulator import ChatUser
from bot.runtime.deps import BotApp, deps_of
from db import reminders as reminders_db
from tests.conftest import BotStarter

# Monday 3 June 2024, 06:00 UTC = 08:00 in Berlin.
MONDAY_0800_BERLIN = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
async def app(start_bot: BotStarter) -> BotApp:
    return await start_bot(
        clock=FakeClock(MONDAY_0800_BERLIN), reminder_sweep_seconds=3600, speed=1.0
    )


async def _berlin(user: ChatUser) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")


async def _stored_time(app: BotApp, user: ChatUser) -> str:
    deps = deps_of(app)
    _, reminder = await reminders_db.get(deps.db, user.user_id)
    assert reminder is not None
    return reminder.local_time


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("half past seven in the evening", "19:30"),
        ("quarter to 8", "07:45"),
        ("noonish", "12:00"),
        ("8 in the evening", "20:00"),
    ],
)
async def test_a_reminder_set_in_words(
    app: BotApp, user: ChatUser, typed: str, expected: str
) -> None:
    await _berlin(user)
    await user.send(f"/reminder {typed}")
    # The same set-up as the buttons: the days question comes next (issue 10 point 11).
    days = await user.expect_message("Every day, or only on weekdays?")
    assert expected in days.plain
    await user.press("Every day", days)
    done = await user.expect_edit("Next:")
    assert expected in done.plain
    assert await _stored_time(app, user) == expected


async def test_after_work_gets_a_question_and_the_set_up_waits_for_the_time(
    app: BotApp, user: ChatUser
) -> None:
    await _berlin(user)
    await user.send("/reminder")
    await user.expect_message("When should I remind you")
    await user.send("after work")
    question = await user.expect_message("What time do you usually finish work?")
    assert "18:00" in question.plain
    await user.send("quarter past six in the evening")
    days = await user.expect_message("Every day, or only on weekdays?")
    await user.press("Every day", days)
    done = await user.expect_edit("Done")
    assert "every day at 18:15" in done.plain


async def test_a_red_flag_typed_as_the_time_still_wins(app: BotApp, user: ChatUser) -> None:
    await _berlin(user)
    await user.send("/reminder")
    await user.expect_message("When should I remind you")
    await user.send("after work, but my legs both went numb today")
    await user.expect_message("left the reminder set-up")
    assert "emergency" in (await user.expect_message()).plain.lower()


async def test_a_vague_time_as_a_command_argument_asks_and_keeps_the_reminder(
    app: BotApp, user: ChatUser
) -> None:
    await _berlin(user)
    await user.send("/reminder 7:30")
    await user.press("Every day", await user.expect_message("Every day, or only on weekdays?"))
    await user.expect_edit("Next: tomorrow 07:30")
    await user.send("/reminder in the morning")
    answer = await user.expect_message("What time in the morning?")
    assert "unchanged" in answer.plain
    assert await _stored_time(app, user) == "07:30"
