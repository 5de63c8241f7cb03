"""Progress you can see, a dose that adapts, and a morning check-in (issue 12), end to end:
the real bot over HTTP against the emulator.

Holds run at BACKCOACH_SPEED=20 (a 25 s hold lasts 1.25 s). Tests that need days to pass
use a `FakeClock` and run the reminder sweep themselves, as in test_reminders.py.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.core.clock import FakeClock
from bot.emulator import BotApiEmulator, ChatUser, StoredMessage
from bot.media.charts import HEIGHT, WIDTH
from bot.runtime.deps import BotApp, Deps, deps_of
from tests.conftest import BotStarter, begin_routine, clear_safety, skip_to
from tests.e2e.reminder_steps import MONDAY_0800_BERLIN, berlin


def deps(app: BotApp) -> Deps:
    value: Deps = deps_of(app)
    return value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_0800_BERLIN)


@pytest.fixture
async def app(start_bot: BotStarter, clock: FakeClock) -> BotApp:
    # Tests run the sweep themselves; holds are not used with the fake clock.
    return await start_bot(clock=clock, reminder_sweep_seconds=3600)


async def in_berlin(user: ChatUser) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")


async def quick_routine(user: ChatUser, before: int, after: int) -> StoredMessage:
    """A routine whose exercises are all skipped, with pain before and after; the summary."""
    await begin_routine(user, before)
    await skip_to(user, 6)
    await user.press(str(after), user.find_button_message("10"))
    return await user.expect_message(f"Pain: {before} → {after}")


async def sweep_at(app: BotApp, clock: FakeClock, when: datetime) -> None:
    """Move the clock and run the sweep job's work: reminders, then check-ins."""
    clock.set(when)
    await deps(app).reminders.sweep()
    await deps(app).checkins.sweep()
    await deps(app).reminders.sender.join()


def png_size(data: bytes | None) -> tuple[int, int]:
    assert data is not None and data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# -- /progress --------------------------------------------------------------------------------


async def test_two_routines_give_a_chart_and_the_week_the_trend_and_the_trouble(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await in_berlin(user)
    await clear_safety(user)
    await quick_routine(user, 6, 5)

    await user.send("/progress")
    honest = await user.expect_message("Do a couple of routines")
    assert honest.kind == "text"  # one routine: no chart, no empty picture

    clock.set(berlin(4, 9))  # Tuesday
    summary = await quick_routine(user, 5, 3)
    assert "📈 My progress" in summary.button_labels
    clock.set(berlin(5, 12))  # Wednesday
    await user.send("/progress")
    chart = await user.expect_message("Your progress")
    assert chart.kind == "photo" and png_size(chart.media) == (WIDTH, HEIGHT)
    text = chart.plain
    assert "2 of 5 this week, three to go." in text  # two days with a routine
    assert "Pain before a routine: 5.5 on average this week." in text
    assert "Back flexion stretch (skipped 2 times in 30 days)" in text
    assert "Chart: the last 14 days." in text
    assert chart.button_labels == [
        "📈 Last 30 days",
        "🎯 Goal: 5 a week",
        "🌅 Morning check-in: off",
    ]
    fourteen = chart.media

    # The switch redraws the same message: 30 days, and the button goes back to 14.
    await user.press("Last 30 days", chart)
    switched = await user.expect_edit("Chart: the last 30 days.")
    assert switched.message_id == chart.message_id and switched.kind == "photo"
    assert png_size(switched.media) == (WIDTH, HEIGHT) and switched.media != fourteen
    assert switched.button_labels[0] == "📈 Last 14 days"

    # "My progress" under a summary brings a new one.
    await user.press("My progress", summary)
    again = await user.expect_message("Your progress")
    assert again.kind == "photo" and again.message_id != chart.message_id


async def test_goal_by_button_and_by_command_and_the_reminder_says_where_the_week_stands(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await in_berlin(user)
    await user.send("/reminder 7:30")
    days = await user.expect_message("Every day, or only on weekdays?")
    await user.press("Every day", days)
    await user.expect_edit("Next: tomorrow 07:30")
    await clear_safety(user)
    await quick_routine(user, 4, 3)

    await user.send("/goal")
    picker = await user.expect_message("How many days a week")
    assert picker.button_labels == ["3", "4", "✓ 5", "6", "7"]
    await user.press("4", picker)
    done = await user.expect_edit("Goal set: 4 days a week.")
    assert "1 of 4 this week, three to go." in done.plain

    await sweep_at(app, clock, berlin(4, 7, 30))  # Tuesday's reminder
    reminder = await user.expect_message("time for your back routine")
    assert "1 of 4 this week, three to go." in reminder.plain

    await user.send("/goal 9")
    await user.expect_message("Pick a goal from 3 to 7")
    await user.send("/goal 3")
    await user.expect_message("Goal set: 3 days a week. 1 of 3 this week, two to go.")


# -- the dose ---------------------------------------------------------------------------------


async def flexion_hold(user: ChatUser, bot: BotApp, seconds: int) -> StoredMessage:
    """Through the knee hug's hold of `seconds`: checks the timer the card states and the
    one the emulator measures; returns the "Release now" message."""
    card = await user.expect_message("1/5 · Back flexion stretch")
    await user.press("Show all steps", card)
    action = await user.expect_edit(f"The timer runs {seconds} s.")
    start = await user.press(f"Start the {seconds} s hold", action)
    await user.expect_message(f"Hold for {seconds} seconds")
    row = await deps(bot).db.fetchone(
        "SELECT hold_ends_at FROM routine_runs WHERE hold_ends_at IS NOT NULL"
    )
    assert row is not None
    ends_at = float(row["hold_ends_at"])
    # Speed 20: the timer runs `seconds` / 20 of real time…
    assert ends_at - start.wall == pytest.approx(seconds / 20, abs=0.2)
    release = await user.expect(lambda e: e.kind == "send" and "Release now" in e.text)
    # …and "Release now" arrives when it ends, not before (and before anything else).
    assert release.wall - ends_at >= -0.05
    assert release.message is not None
    await user.expect_edit(f"Held {seconds} s.", timeout=4)  # then the countdown, closed
    return release.message


async def routine_with_flexion(
    user: ChatUser, bot: BotApp, seconds: int, felt: str | None
) -> StoredMessage:
    """A routine: the knee hug held for `seconds`, then `felt` tapped on it (None: no
    tap), the rest skipped; returns the flexion's card text as shown at the hold."""
    await user.send("/routine")
    await user.expect_message("How is your pain right now")
    await user.press("3", user.find_button_message("10"))
    release = await flexion_hold(user, bot, seconds)
    await user.press("Next exercise", release)
    tapped = await user.expect_edit()
    assert tapped.message_id == release.message_id
    assert tapped.button_labels == ["😌 Easy", "👍 About right", "😓 Too hard"]
    await user.expect_message("2/5 · Cat/cow")
    if felt is not None:
        answer = await user.press(felt, release)
        assert answer.text.startswith("Noted:")
        ticked = await user.expect_edit()
        assert any(label.startswith("✓") and felt in label for label in ticked.button_labels)
    await skip_to(user, 6)
    await user.press("3", user.find_button_message("10"))
    await user.expect_message("Pain: 3 → 3")
    return release


async def test_easy_twice_steps_the_hold_up_and_too_hard_brings_it_back(
    bot: BotApp, user: ChatUser
) -> None:
    await clear_safety(user)
    await routine_with_flexion(user, bot, 20, "Easy")
    await routine_with_flexion(user, bot, 20, "Easy")  # two easy at 20 s are needed

    await routine_with_flexion(user, bot, 25, "Too hard")
    flexion_cards = [
        e.text
        for e in user.emulator.chat_events(user.chat_id, "edit")
        if "The timer runs 25 s." in e.text
    ]
    assert flexion_cards and "25 s today: you found it easy twice." in flexion_cards[-1]

    await routine_with_flexion(user, bot, 20, None)
    back = [e.text for e in user.emulator.chat_events(user.chat_id, "edit")]
    assert any("20 s today: last time felt too hard." in text for text in back)


async def test_a_tap_forged_for_another_users_routine_changes_nothing(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await clear_safety(user)
    await routine_with_flexion(user, bot, 20, None)
    run = await deps(bot).db.fetchone("SELECT id FROM routine_runs")
    assert run is not None
    # Someone else puts that routine's run id in a button in their own chat.
    other = ChatUser(emulator, user_id=2002, first_name="Sam")
    await other.send("/help")
    own = await other.expect_message()
    answer = await other.press_data(f"d:{run['id']}:0:e", own)
    assert answer.text.startswith("That button no longer works")
    row = await deps(bot).db.fetchone(
        "SELECT feedback FROM exercise_feedback WHERE run_id = ?", (run["id"],)
    )
    assert row is not None and row["feedback"] is None


# -- the morning check-in ---------------------------------------------------------------------


async def turn_on_checkin_at_0645(user: ChatUser) -> None:
    """From /progress: the check-in asks the wake-up time once; typed 6:45 → 07:15."""
    await user.send("/progress")
    screen = await user.expect_message("Do a couple of routines")
    await user.press("Morning check-in: off", screen)
    offer = await user.expect_message("What time do you usually wake up?")
    assert "07:00" in offer.button_labels
    await user.send("6:45")
    done = await user.expect_message("I'll ask at 07:15 each morning")
    assert "first tomorrow 07:15" in done.plain


async def test_the_morning_check_in_comes_at_local_time_once_a_day_and_is_in_the_export(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await in_berlin(user)
    await turn_on_checkin_at_0645(user)

    await sweep_at(app, clock, berlin(4, 7, 14))
    assert not any("this morning" in t for t in user.sent_texts())
    await sweep_at(app, clock, berlin(4, 7, 15))
    asked = await user.expect_message("How's your back this morning?")
    await sweep_at(app, clock, berlin(4, 7, 45))  # never twice a day
    assert sum("How's your back this morning?" in t for t in user.sent_texts()) == 1
    clock.set(berlin(4, 7, 50))
    await user.press("4", asked)
    saved = await user.expect_edit("Noted: 4/10 this morning.")
    assert saved.button_labels == []

    await user.send("/export")
    sent = await user.expect(
        lambda e: e.kind == "send" and e.message is not None and e.message.kind == "document"
    )
    assert sent.message is not None and sent.message.media is not None
    assert "Times are Europe/Berlin" in sent.message.plain
    rows = list(csv.DictReader(io.StringIO(sent.message.media.decode("utf-8"))))
    morning = [r for r in rows if r["what"] == "morning check-in"]
    assert len(morning) == 1
    assert morning[0]["date"] == "2024-06-04" and morning[0]["morning pain"] == "4"
    assert morning[0]["time (Europe/Berlin)"] == "07:50"

    # The next morning's comes at 07:15 again; turned off, no more.
    await sweep_at(app, clock, berlin(5, 7, 15))
    tomorrow = await user.expect_message("How's your back this morning?")
    await user.press("Stop these check-ins", tomorrow)
    await user.expect_message("Morning check-in off")
    await sweep_at(app, clock, berlin(6, 7, 15))
    assert sum("How's your back this morning?" in t for t in user.sent_texts()) == 2

    # On again: the wake-up time is not asked twice.
    await user.send("/progress")
    screen = await user.expect_message("Do a couple of routines")
    await user.press("Morning check-in: off", screen)
    await user.expect_message("I'll ask at 07:15 each morning")


async def test_the_check_in_keeps_local_time_across_the_autumn_clock_change(
    start_bot: BotStarter, user: ChatUser
) -> None:
    # Saturday 26 October 2024, noon in Berlin; the clocks go back on Sunday at 03:00.
    clock = FakeClock(datetime(2024, 10, 26, 10, 0, tzinfo=UTC))
    app = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    await in_berlin(user)
    await turn_on_checkin_at_0645(user)
    # Sunday 07:15 is UTC+1 now: 06:15 UTC, not 05:15.
    await sweep_at(app, clock, datetime(2024, 10, 27, 6, 14, tzinfo=UTC))
    assert not any("this morning" in t for t in user.sent_texts())
    await sweep_at(app, clock, datetime(2024, 10, 27, 6, 15, tzinfo=UTC))
    await user.expect_message("How's your back this morning?")


async def test_pain_high_all_week_says_see_someone_once(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await in_berlin(user)
    await turn_on_checkin_at_0645(user)
    for day in range(4, 10):  # Tuesday to Sunday: 8/10 every morning
        await sweep_at(app, clock, berlin(day, 7, 15))
        asked = await user.expect_message("How's your back this morning?")
        await user.press("8", asked)
        await user.expect_edit("Noted: 8/10")
    advice = [t for t in user.sent_texts() if "GP or a physiotherapist" in t]
    assert len(advice) == 1  # said once, on the fifth high morning, never again
    assert "7 or more all week" in advice[0]
    assert "General advice, not from the article." in advice[0]


async def test_the_check_in_needs_a_time_zone_first_and_a_typed_question_leaves_it(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/progress")
    screen = await user.expect_message("Do a couple of routines")
    await user.press("Morning check-in: off", screen)
    await user.expect_message("I need your time zone")
    await in_berlin(user)
    await user.press("Morning check-in: off", screen)
    await user.expect_message("What time do you usually wake up?")
    # Not a time but a question: answered as usual, and the check-in stays off.
    await user.send("why glute bridge?")
    answer = await user.expect_message()
    assert "glute" in answer.plain.lower()
    assert not (await deps(app).checkins.settings(user.user_id)).checkin_enabled
