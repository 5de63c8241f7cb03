"""/forget deletes everything stored about the user, after one confirmation."""

from __future__ import annotations

from bot.emulator import ChatUser
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import cleared_routine
from tests.pg import both_engines

pytestmark = both_engines  # storage rules: the same on SQLite and PostgreSQL


async def count(bot: BotApp, table: str) -> int:
    queries = {
        "users": "SELECT count(*) FROM users",
        "routine_runs": "SELECT count(*) FROM routine_runs",
        "reminders": "SELECT count(*) FROM reminders",
    }
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
    assert await count(bot, "reminders") == 1 and await count(bot, "routine_runs") == 1

    await user.send("/forget")
    question = await user.expect_message("can't be undone")
    await user.press("Keep it", question)
    await user.expect_edit("nothing was deleted")
    assert await count(bot, "users") == 1

    await user.send("/forget")
    question = await user.expect_message("can't be undone")
    await user.press("Delete everything", question)
    await user.expect_edit("deleted everything")
    for table in ("users", "routine_runs", "reminders"):
        assert await count(bot, table) == 0
    # The old routine's buttons now change nothing.
    answer = await user.press("Next")
    assert answer.text.startswith("That routine has ended")
