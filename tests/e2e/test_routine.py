"""The guided routine, walked by a user over the real Bot API (the emulator).

Holds run at BACKCOACH_SPEED=20 (the `settings` fixture): a 20 s hold lasts 1 s.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.emulator import BotApiEmulator, ChatUser
from bot.runtime.deps import BotApp, deps_of
from db import routines
from tests.conftest import BotStarter, cleared_routine, next_step, skip_to, start_first_hold
from tests.pg import both_engines, only_sqlite


def deps(app: BotApp):  # type: ignore[no-untyped-def]
    return deps_of(app)


@both_engines  # storage rules: versioned saves, one open routine, restarts
async def test_user_walks_the_whole_routine_with_timed_holds(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await cleared_routine(user, pain=6)

    # 1. Back flexion stretch: three instructions one at a time, then the timed hold.
    card = user.find_button_message("Next")
    assert "Step 1 of 4" in card.plain and "Lie flat on your back" in card.plain
    await user.press("Next")
    assert "Step 2 of 4" in (await user.expect_edit("knees in towards your chest")).plain
    await user.press("Next")
    await user.expect_edit("Lift your head off the mat")
    await user.press("Next")
    action = await user.expect_edit("20–30 seconds")
    assert "Range: 20–30 s" in action.plain
    start = await user.press("Start the 20 s hold")
    countdown = await user.expect_message("Hold for 20 seconds")
    assert "Release early" in countdown.button_labels[0]
    row = await deps(bot).db.fetchone("SELECT hold_ends_at FROM routine_runs")
    ends_at = float(row["hold_ends_at"])
    assert ends_at - start.wall == pytest.approx(1.0, abs=0.2)  # 20 s at speed 20
    await user.expect_edit("10 s left", timeout=3)
    release = await user.expect(lambda e: e.kind == "send" and "Release now" in e.text, timeout=3)
    # On time: not before the hold's end (timer resolution aside), and within a second.
    assert -0.05 <= release.wall - ends_at < 1.0
    assert release.message is not None and "Next exercise ▶" in release.message.button_labels
    await user.press("Next exercise")

    # 2. Cat/cow: the whole card at once, then the repetitions.
    await user.expect_message("2/5 · Cat/cow stretch")
    await user.press("Show all steps")
    cat_cow = await user.expect_edit("15–20 times")
    assert "Breathe in as you lift your chest" in cat_cow.plain
    assert "Breathe out as you round your back" in cat_cow.plain
    await user.press("Done")

    # 3. Trunk twist: right side, switch sides, left side.
    await user.expect_message("3/5 · Trunk twist")
    await user.press("Show all steps")
    await user.expect_edit("shoulder blades")
    await user.press("Start the 15 s hold (right side)")
    await user.expect_message("Hold for 15 seconds (right side)")
    switch = await user.expect_message("Release now", timeout=3)
    assert "Switch sides" in switch.plain
    await user.press("Start the 15 s hold (left side)", switch)
    await user.expect_message("Hold for 15 seconds (left side)")
    await user.expect_message("Release now", timeout=3)
    await user.press("Next exercise")

    # 4. Knee rocks, 5. Glute bridge.
    await user.expect_message("4/5 · Knee rocks")
    await user.press("Show all steps")
    assert "10–15 times to each side" in (await user.expect_edit()).plain
    await user.press("Done")
    await user.expect_message("5/5 · Glute bridge")
    await user.press("Show all steps")
    bridge = await user.expect_edit("12 glute bridges")
    assert "hold at the top for 3 seconds" in bridge.plain
    await user.press("Done")

    # Closing pain score and the summary.
    await user.expect_message("How is your pain now")
    await user.press("3", user.find_button_message("10"))
    summary = await user.expect_message("Routine complete")
    assert "Pain: 6 → 3" in summary.plain
    assert "real improvement" in summary.plain
    assert "Done: Back flexion stretch, Cat/cow stretch, Trunk twist, Knee rocks" in summary.plain

    # Everything is saved: both pain scores and each exercise's outcome.
    run = await routines.open_for_user(deps(bot).db, user.user_id)
    assert run is None
    row = await deps(bot).db.fetchone(
        "SELECT id, status, pain_before, pain_after FROM routine_runs WHERE user_id = ?",
        (user.user_id,),
    )
    assert (row["status"], row["pain_before"], row["pain_after"]) == ("finished", 6, 3)
    outcomes = await routines.outcomes(deps(bot).db, row["id"])
    assert [o for _, o in outcomes] == ["done"] * 5

    # Every button press was answered exactly once.
    assert emulator.callback_answers
    assert all(len(answers) == 1 for answers in emulator.callback_answers.values())


async def test_skip_during_the_trunk_twist_moves_on_to_knee_rocks(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.press("Skip exercise")
    await user.expect_message("2/5 · Cat/cow")
    await user.press("Skip exercise")
    await user.expect_message("3/5 · Trunk twist")
    await user.press("Skip exercise")
    assert "Skipped the trunk twist" in (await user.expect_message("Skipped")).plain
    await user.expect_message("4/5 · Knee rocks")


async def test_pause_and_resume_keeps_the_step(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await next_step(user, 2)
    await user.press("Pause")
    paused = await user.expect_edit("Paused at Back flexion stretch")
    assert paused.button_labels == ["▶ Resume", "🛑 Stop"]
    await user.press("Resume")
    assert "Step 2 of 4" in (await user.expect_edit()).plain


@both_engines  # storage rules: versioned saves, one open routine, restarts
async def test_stop_ends_the_routine_and_old_buttons_then_change_nothing(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    card = user.find_button_message("Next")
    old_next = card.buttons[0]["callback_data"]
    await user.press("Stop")
    await user.expect_edit("Stop the routine?")
    await user.press("Stop")
    assert "Routine stopped" in (await user.expect_edit()).plain
    answer = await user.press_data(old_next, card)
    assert answer.text.startswith("That routine has ended")
    run = await deps(bot).db.fetchone("SELECT status, step_index FROM routine_runs")
    assert (run["status"], run["step_index"]) == ("stopped", 0)


async def test_it_hurts_gives_rest_advice_logs_it_and_offers_the_next_exercise(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.press("It hurts")
    advice = await user.expect_edit("Stopped the back flexion stretch")
    assert "rest" in advice.plain.lower()
    assert "Continue with Cat/cow stretch ▶" in advice.button_labels
    run = await deps(bot).db.fetchone("SELECT id FROM routine_runs")
    assert await routines.outcomes(deps(bot).db, run["id"]) == [("flexion", "hurt")]
    await user.press("Continue with")
    await user.expect_message("2/5 · Cat/cow")


async def finish_skipping_everything(user: ChatUser, pain_after: int) -> str:
    await skip_to(user, 6)
    await user.press(str(pain_after), user.find_button_message("10"))
    return (await user.expect_message("Done: 0 of 5")).plain


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (3, 5, "Please stop for today"),  # rose by 2
        (7, 8, "Please stop for today"),  # 8 or more
        (4, 4, "That's fine"),
    ],
)
async def test_pain_that_rises_or_is_high_gets_stop_advice(
    bot: BotApp, user: ChatUser, before: int, after: int, expected: str
) -> None:
    await cleared_routine(user, pain=before)
    summary = await finish_skipping_everything(user, after)
    assert expected in summary
    assert f"Pain: {before} → {after}" in summary


@both_engines  # storage rules: versioned saves, one open routine, restarts
async def test_routine_during_a_routine_offers_resume_or_start_over(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await next_step(user, 2)
    await user.send("/routine")
    offer = await user.expect_message("You have a routine in progress")
    assert "Back flexion stretch, step 2 of 4" in offer.plain
    await user.press("Resume", offer)
    assert "Step 2 of 4" in (await user.expect_message()).plain
    await user.send("/routine")
    offer = await user.expect_message("You have a routine in progress")
    await user.press("Start over", offer)
    await user.expect_message("How is your pain right now")
    rows = await deps(bot).db.fetchall("SELECT status FROM routine_runs ORDER BY id")
    assert [r["status"] for r in rows] == ["stopped", "active"]


async def test_cancel_stops_the_routine(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await user.send("/cancel")
    assert "Routine stopped" in (await user.expect_message()).plain
    await user.send("/cancel")
    assert "nothing to cancel" in (await user.expect_message()).plain


@both_engines  # storage rules: versioned saves, one open routine, restarts
async def test_routine_survives_a_restart_of_the_bot(start_bot: BotStarter, user: ChatUser) -> None:
    app = await start_bot()
    await cleared_routine(user)
    await next_step(user, 2)
    from bot.app import stop_application

    await stop_application(app)
    await start_bot()
    # The button on the same message still works, at the same step.
    await user.press("Next")
    assert "Step 3 of 4" in (await user.expect_edit()).plain


@both_engines  # storage rules: versioned saves, one open routine, restarts
async def test_a_hold_running_across_a_restart_still_gets_its_release(
    start_bot: BotStarter, user: ChatUser
) -> None:
    from bot.app import stop_application

    app = await start_bot(speed=4.0)  # the 20 s hold lasts 5 s
    await cleared_routine(user)
    await start_first_hold(user)
    await stop_application(app)
    await start_bot(speed=4.0)
    await user.expect_message("Release now", timeout=8)


@only_sqlite  # a shared database's rule: tests/e2e/test_workers.py
async def test_a_hold_that_ended_while_the_bot_was_down_is_not_announced_late(
    start_bot: BotStarter, user: ChatUser
) -> None:
    from bot.app import stop_application

    app = await start_bot()
    await cleared_routine(user)
    countdown = await start_first_hold(user)
    await stop_application(app)
    await asyncio.sleep(1.5)  # the 1 s hold ends while the bot is down
    await start_bot()
    # The countdown quietly becomes the finished step (an edit: no late notification).
    done = await user.expect_edit("Hold done")
    assert done.message_id == countdown.message_id
    assert "Next exercise ▶" in done.button_labels
    assert not any("Release now" in text for text in user.sent_texts())
    await user.press("Next exercise", done)
    await user.expect_message("2/5 · Cat/cow")


async def test_why_this_exercise_answers_in_place_and_keeps_the_step(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await next_step(user, 2)
    await user.press("Why this exercise?")
    why = await user.expect_edit("Why:")
    assert "Step 2 of 4" in why.plain
    assert "Next ▶" in why.button_labels and "❓ Why this exercise?" not in why.button_labels
    await user.press("Next", why)
    assert "Step 3 of 4" in (await user.expect_edit()).plain


async def test_glute_bridge_why_is_the_seed_rationale(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await skip_to(user, 5)
    await user.press("Why this exercise?")
    why = await user.expect_edit("Why:")
    assert "pelvis" in why.plain and "sacrum" in why.plain and "hip mobility" in why.plain


async def test_why_on_the_whole_card_keeps_the_whole_card(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await user.press("Show all steps")
    await user.expect_edit("20–30 seconds")
    await user.press("Why this exercise?")
    why = await user.expect_edit("Why:")
    assert "1. Lie flat on your back" in why.plain and "3. Lift your head" in why.plain
    assert "▶ Start the 20 s hold" in why.button_labels


async def test_why_says_when_the_reason_is_general_advice_not_the_article(
    bot: BotApp, user: ChatUser
) -> None:
    # The back flexion stretch's reason is general advice: the card says so.
    await cleared_routine(user)
    await user.press("Why this exercise?")
    why = await user.expect_edit("Why:")
    assert "General advice, not from the article." in why.plain
    # The glute bridge's reason is the article's own: no such line.
    await skip_to(user, 5)
    await user.press("Why this exercise?")
    bridge = await user.expect_edit("Why:")
    assert "pelvis" in bridge.plain
    assert "General advice" not in bridge.plain
