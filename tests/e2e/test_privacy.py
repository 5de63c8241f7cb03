"""/forget deletes everything stored about the user, after one confirmation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.buttons import CheckinScore
from bot.emulator import ChatUser
from bot.handlers.callbacks import encode
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import cleared_routine
from tests.pg import both_engines

pytestmark = both_engines  # storage rules: the same on SQLite and PostgreSQL

# Every table that holds something about the user (the progress ones from issue 12).
TABLES = (
    "users",
    "routine_runs",
    "reminders",
    "exercise_feedback",
    "morning_checkins",
    "progress_settings",
)


async def count(bot: BotApp, table: str) -> int:
    queries = {name: f"SELECT count(*) FROM {name}" for name in TABLES}  # constant names
    row = await deps_of(bot).db.fetchone(queries[table])
    assert row is not None
    return int(row[0])


async def test_forget_after_confirming_deletes_the_user_routines_and_reminder(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder 7:30")
    await user.press("Every day", await user.expect_message("07:30"))
    await user.expect_edit("Done")
    await cleared_routine(user)
    await user.send("/goal 4")
    goal = await user.expect_message("Goal set")
    # A morning check-in answered (pressed as the check-in message's button would be).
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    await user.press_data(encode(CheckinScore(today, 5)), goal)
    await user.expect_edit("Noted: 5/10")
    for table in TABLES:
        assert await count(bot, table) >= 1, table

    await user.send("/forget")
    question = await user.expect_message("can't be undone")
    await user.press("Keep it", question)
    await user.expect_edit("nothing was deleted")
    assert await count(bot, "users") == 1

    await user.send("/forget")
    question = await user.expect_message("can't be undone")
    await user.press("Delete everything", question)
    await user.expect_edit("deleted everything")
    for table in TABLES:
        assert await count(bot, table) == 0, table
    # The old routine's buttons now change nothing.
    answer = await user.press("Next")
    assert answer.text.startswith("That routine has ended")
