"""The routine when things go sideways: double taps, failed edits, a warning sign
confirmed mid-routine, letting go early, /routine during a hold, edited content."""

from __future__ import annotations

from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.server import ApiError
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import BotStarter, cleared_routine


async def answered(user: ChatUser, *query_ids: str) -> None:
    """Wait until each button press got its answer."""
    for query_id in query_ids:
        await user.emulator.wait_for(
            lambda e, q=query_id: e.kind == "answer" and e.callback_query_id == q  # type: ignore[misc]
        )


async def to_the_hold(user: ChatUser) -> None:
    await user.press("Show all steps")
    await user.expect_edit("20–30 seconds")


async def test_a_double_tap_on_start_hold_starts_one_hold(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    await to_the_hold(user)
    card = user.find_button_message("Start the 20 s hold")
    data = next(b["callback_data"] for b in card.buttons if "Start" in b["text"])
    first = await user.press_nowait(data, card)
    second = await user.press_nowait(data, card)
    await answered(user, first, second)
    await user.expect_message("Release now", timeout=3)
    assert sum("Hold for" in text for text in user.sent_texts()) == 1
    assert sum("Release now" in text for text in user.sent_texts()) == 1


async def test_a_double_tap_on_skip_skips_one_exercise(bot: BotApp, user: ChatUser) -> None:
    await cleared_routine(user)
    card = user.find_button_message("Skip exercise")
    data = next(b["callback_data"] for b in card.buttons if "Skip" in b["text"])
    first = await user.press_nowait(data, card)
    second = await user.press_nowait(data, card)
    await answered(user, first, second)
    await user.expect_message("2/5 · Cat/cow")
    assert sum("2/5 · Cat/cow" in text for text in user.sent_texts()) == 1
    row = await deps_of(bot).db.fetchone("SELECT exercise_index FROM routine_runs")
    assert row is not None
    assert row["exercise_index"] == 1


async def test_a_screen_that_fell_behind_is_brought_up_to_date(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await cleared_routine(user)
    # The first step comes with its picture: its text is a caption.
    emulator.fail("editMessageCaption", ApiError(500, "Internal Server Error"), times=1)
    await user.press("Next")  # saved as step 2, but the edit failed
    await user.expect_message("Sorry")
    await user.press("Next")  # an old version on the live message: redraw, don't advance
    assert "Step 2 of 4" in (await user.expect_edit()).plain
    await user.press("Next")
    assert "Step 3 of 4" in (await user.expect_edit()).plain


async def test_saying_a_warning_sign_applies_stops_the_open_routine(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.send("/safety")
    screen = await user.expect_message("safety check")
    await user.press("One of these applies", screen)
    await user.expect_edit("Which list")
    # Already stored as "see a doctor" (the cautious answer) and the routine is stopped.
    deps = deps_of(bot)
    row = await deps.db.fetchone("SELECT safety_status FROM users")
    assert row is not None
    assert row["safety_status"] == "see_doctor"
    run = await deps.db.fetchone("SELECT status FROM routine_runs")
    assert run is not None
    assert run["status"] == "stopped"
    await user.press("The emergency list")
    advice = await user.expect_edit("emergency")
    assert "I won't start a routine" in advice.plain
    answer = await user.press("Next")  # the old routine's button
    assert answer.text.startswith("That routine has ended")
    await user.send("/routine")
    assert "won't start a routine" in (await user.expect_message()).plain


async def test_letting_go_early_is_not_announced_as_release_now(
    bot: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await to_the_hold(user)
    await user.press("Start the 20 s hold")
    await user.expect_message("Hold for 20 seconds")
    await user.press("Release early")
    await user.expect_edit("Released early")
    nxt = await user.expect_message()
    assert "Release now" not in nxt.plain and "Next exercise ▶" in nxt.button_labels


async def test_routine_during_a_hold_then_resume_keeps_the_countdown_alive(
    start_bot: BotStarter, user: ChatUser
) -> None:
    await start_bot(speed=4.0)  # the 20 s hold lasts 5 s
    await cleared_routine(user)
    await to_the_hold(user)
    await user.press("Start the 20 s hold")
    await user.expect_message("Hold for 20 seconds")
    await user.send("/routine")
    offer = await user.expect_message("You have a routine in progress")
    await user.press("Resume", offer)
    countdown = await user.expect_message("⏳")
    # The countdown and the release follow the new message.
    tick = await user.expect_edit("10 s left", timeout=5)
    assert tick.message_id == countdown.message_id
    release = await user.expect_message("Release now", timeout=5)
    assert release.message_id > countdown.message_id
    assert sum("Release now" in text for text in user.sent_texts()) == 1
