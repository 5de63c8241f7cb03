"""Issue 10: a coach people trust. The summary says what happened, pain going up is never
"fine", "stop for today" stays in force for the day, 🛑 Stop asks once, an old
"Start over" does what it says, and the safety check leads on into the routine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.emulator import ChatUser
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import (
    BotStarter,
    begin_routine,
    clear_safety,
    cleared_routine,
    skip_to,
    start_first_hold,
)

NOON = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


async def finish_with(user: ChatUser, pain_after: int) -> str:
    """Skip to the closing pain score, give it, return the summary."""
    await skip_to(user, 6)
    await user.press(str(pain_after), user.find_button_message("10"))
    return (await user.expect_message("Pain:")).plain


async def statuses(app: BotApp) -> list[str]:
    rows = await deps_of(app).db.fetchall("SELECT status FROM routine_runs ORDER BY id")
    return [row["status"] for row in rows]


# -- 1. the summary tells the truth ----------------------------------------------------------


async def test_a_rise_of_one_point_is_said_plainly_not_fine(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user, pain=4)
    summary = await finish_with(user, 5)
    assert "a little higher than before" in summary
    assert "stop any exercise that makes it worse" in summary
    assert "That's fine" not in summary and "🎉" not in summary


async def test_nothing_done_is_not_a_celebration(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user, pain=3)
    summary = await finish_with(user, 3)
    assert summary.startswith("Done: 0 of 5")
    assert "complete" not in summary.lower() and "🎉" not in summary


async def test_three_of_five_done_says_three_of_five(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user, pain=5)
    await user.press("Skip exercise")  # the back flexion stretch
    await user.expect_message("2/5 · Cat/cow")
    for upcoming in ("3/5 · Trunk twist", None, "5/5 · Glute bridge", "How is your pain now"):
        if upcoming is None:  # skip the trunk twist
            await user.press("Skip exercise")
            await user.expect_message("4/5 · Knee rocks")
            continue
        await user.press("Show all steps")
        await user.expect_edit()
        await user.press("Done")
        await user.expect_message(upcoming)
    await user.press("3", user.find_button_message("10"))
    summary = (await user.expect_message("Pain: 5 → 3")).plain
    assert summary.startswith("Done: 3 of 5")
    assert "Skipped: Back flexion stretch, Trunk twist" in summary
    assert "🎉" not in summary


async def test_all_five_done_is_complete_and_celebrated(bot: BotApp, user: ChatUser) -> None:
    # The one time a 🎉 fits; the whole walk with holds is in test_routine.py.
    from bot.core.routine import Summary
    from bot.views.routine import summary

    content = deps_of(bot).content
    done = tuple(e.name for e in content.exercises)
    result = Summary(8, 0, 5, done, (), (), 6, 3, "improved")
    assert summary(result, content.safety).text.startswith("<b>Routine complete: all 5 done 🎉")
    worse = Summary(8, 0, 5, done, (), (), 3, 5, "pain_rose")
    assert "🎉" not in summary(worse, content.safety).text


async def test_stopping_after_it_hurts_says_where_it_stopped(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await skip_to(user, 3)
    await user.press("It hurts")
    await user.expect_edit("Stopped the trunk twist")
    await user.press("Stop for today")  # one tap: see test_stop_for_today_after_it_hurts…
    stopped = await user.expect_edit("Routine stopped")
    assert "Routine stopped after the trunk twist" in stopped.plain
    assert "Done: 0 of 5" in stopped.plain
    assert "Stopped because it hurt: Trunk twist" in stopped.plain


async def test_a_one_point_drop_from_three_is_not_called_the_clinicians_change(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user, pain=3)
    summary = await finish_with(user, 2)
    assert "went down from 3 to 2" in summary
    assert "real improvement" not in summary
    assert "less than the change clinicians count as a clear improvement" in summary
    assert "2 points, or 30 % from a start of 4 or more" in summary


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


async def test_after_stop_for_today_a_later_routine_asks_first_and_goes_on_gently(
    start_bot: BotStarter, user: ChatUser, clock: FakeClock
) -> None:
    app = await start_bot(clock=clock)
    await cleared_routine(user, pain=4)
    summary = await finish_with(user, 6)
    assert "Please stop for today and rest" in summary

    clock.set(NOON + timedelta(hours=3))
    await user.send("/routine")
    caution = await user.expect_message("Earlier today your pain went from 4 to 6")
    assert "That advice still stands" in caution.plain
    assert "still want to go on?" in caution.plain
    assert "gentler: the shortest holds and fewest reps" in caution.plain
    assert caution.button_labels == ["Go on, gently", "Rest today"]
    assert await statuses(app) == ["finished"]  # nothing started before the answer

    await user.press("Go on, gently", caution)
    await user.expect_message("How is your pain right now")
    assert await statuses(app) == ["finished", "active"]


async def test_rest_today_starts_nothing_and_tomorrow_asks_no_more(
    start_bot: BotStarter, user: ChatUser, clock: FakeClock
) -> None:
    app = await start_bot(clock=clock)
    await cleared_routine(user, pain=3)
    await finish_with(user, 8)  # a score of 8 or more
    await user.send("/routine")
    caution = await user.expect_message("Earlier today your pain went from 3 to 8")
    await user.press("Rest today", caution)
    rest = await user.expect_edit("rest today")
    assert rest.buttons == []
    assert await statuses(app) == ["finished"]

    clock.set(NOON + timedelta(days=1))  # a new day: the advice was for yesterday
    await begin_routine(user)


# -- 3. Stop asks once ------------------------------------------------------------------------


async def test_stop_asks_once_and_keep_going_keeps_the_step(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await user.press("Next")
    await user.expect_edit("Step 2 of 4")
    await user.press("Stop")
    question = await user.expect_edit("Stop the routine? Your progress so far is saved.")
    assert question.button_labels == ["🛑 Stop", "▶ Keep going"]
    assert await statuses(bot) == ["active"]
    await user.press("Keep going", question)
    back = await user.expect_edit("Step 2 of 4")
    assert "🛑 Stop" in back.button_labels
    await user.press("Next", back)
    await user.expect_edit("Step 3 of 4")


async def test_stop_during_a_hold_asks_without_the_countdown_hiding_the_question(
    start_bot: BotStarter, user: ChatUser
) -> None:
    app = await start_bot(speed=2.0)  # the 20 s hold lasts 10 s
    await cleared_routine(user)
    await start_first_hold(user)
    await user.press("Stop routine")
    question = await user.expect_edit("Stop the routine?")
    await user.press("Stop", question)
    await user.expect_edit("Routine stopped at the back flexion stretch")
    assert await statuses(app) == ["stopped"]
    assert not any("Release now" in text for text in user.sent_texts())


async def test_while_stop_is_asked_the_hold_still_ends_on_time(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)  # speed 20: the 20 s hold lasts 1 s, a tick at 0.5 s
    await start_first_hold(user)
    await user.press("Stop routine")
    await user.expect_edit("Stop the routine?")
    asked = user.cursor
    release = await user.expect_message("Release now", timeout=3)
    assert "Next exercise ▶" in release.button_labels
    # No countdown edit came over the question before the release.
    later = [e for e in user.emulator.chat_events(user.chat_id, "edit") if e.seq > asked]
    assert not any("s left" in e.text for e in later)
    assert await statuses(bot) == ["active"]


async def test_not_now_and_typed_stop_act_at_once(bot: BotApp, user: ChatUser) -> None:
    await clear_safety(user)
    await user.send("/routine")
    prompt = await user.expect_message("How is your pain right now")
    await user.press("Not now", prompt)
    await user.expect_edit("Okay, not now")
    assert await statuses(bot) == ["stopped"]
    await begin_routine(user)
    await user.send("stop")  # typed: deliberate, so no question
    await user.expect_message("Routine stopped at the back flexion stretch")
    assert await statuses(bot) == ["stopped", "stopped"]


async def test_stop_for_today_after_it_hurts_acts_at_once(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await user.press("It hurts")
    await user.expect_edit("Stopped the back flexion stretch")
    await user.press("Stop for today")
    stopped = await user.expect_edit("Routine stopped")
    assert "Stopped because it hurt: Back flexion stretch" in stopped.plain
    assert await statuses(bot) == ["stopped"]


# -- 13. small ones ---------------------------------------------------------------------------


async def test_an_old_start_over_button_starts_over(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await user.send("/routine")
    offer = await user.expect_message("You have a routine in progress")
    await user.press("Next", user.find_button_message("Next ▶"))  # the routine moves on
    await user.expect_edit("Step 2 of 4")
    answer = await user.press("Start over", offer)
    assert answer.text != "Got it."
    await user.expect_message("How is your pain right now")
    assert await statuses(bot) == ["stopped", "active"]


async def test_routine_through_the_safety_check_goes_on_into_the_routine(
    bot: BotApp, user: ChatUser
) -> None:
    await user.send("/routine")
    screen = await user.expect_message("safety check")
    await user.press("None of these apply", screen)
    cleared = await user.expect_edit("good to start")
    assert "Send /routine" not in cleared.plain
    await user.expect_message("How is your pain right now")
    # The same screen from /start still waits for /routine.
    await user.send("/start")
    await user.expect_message("Send /routine to start")
