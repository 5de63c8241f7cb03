"""Daily reminders, end to end: the real bot, the fake Bot API over HTTP, and a fake clock.

Time never passes by sleeping: the clock is set to the due instant and the sweep is run
(as its job would), then we wait for what the user receives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.app import stop_application
from bot.core.clock import FakeClock
from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.server import ApiError
from bot.handlers.reminders import STALE_BUTTON
from bot.runtime.deps import BotApp, Deps, deps_of
from bot.runtime.sending import PacedSender
from bot.services.reminders import ReminderService
from db import reminders as reminders_db
from tests.conftest import BotStarter, clear_safety, cleared_routine, skip_to
from tests.e2e.reminder_steps import (
    MONDAY_0800_BERLIN,
    REMINDER_TEXT,
    berlin,
    set_berlin_0730,
    set_time,
    stored,
    sweep_at,
)
from tests.pg import both_engines


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_0800_BERLIN)


@pytest.fixture
async def app(start_bot: BotStarter, clock: FakeClock) -> BotApp:
    # A long sweep interval: tests run the sweep themselves, at the instant they choose;
    # real speed, since the fake clock already controls time.
    return await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)


def deps(app: BotApp) -> Deps:
    value: Deps = deps_of(app)
    return value


def service(app: BotApp) -> ReminderService[PacedSender]:
    value = deps(app).reminders
    assert value is not None
    return value


def reminders_received(user: ChatUser) -> int:
    return sum(
        REMINDER_TEXT in text.lower() or "your reminder again" in text.lower()
        for text in user.sent_texts()
    )


# -- setting it -------------------------------------------------------------------------------


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_new_user_sets_a_reminder_with_buttons_and_gets_it_at_local_time(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await user.send("/reminder")
    picker = await user.expect_message("When should I remind you")
    assert "07:30" in picker.button_labels
    await user.press("07:30", picker)
    question = await user.expect_message("which time zone")
    assert question.reply_markup is not None
    assert question.reply_markup["keyboard"][0][0]["request_location"] is True
    await user.send("Berlin")
    zone = await user.expect_message("Time zone: Europe/Berlin")
    assert zone.reply_markup == {"remove_keyboard": True}
    days = await user.expect_message("Every day, or only on weekdays?")
    await user.press("Every day", days)
    done = await user.expect_edit("Done")
    assert "every day at 07:30 (Europe/Berlin)" in done.plain
    assert "Next: tomorrow 07:30 (in 23 h 30 min)" in done.plain

    report = await sweep_at(app, clock, berlin(4, 7, 29))
    assert report.queued == 0 and reminders_received(user) == 0
    await sweep_at(app, clock, berlin(4, 7, 30))
    reminder = await user.expect_message(REMINDER_TEXT)
    assert "Good morning, Alex!" in reminder.plain
    minutes = deps(app).content.routine_minutes
    assert f"about {minutes} minutes" in reminder.plain
    assert reminder.button_labels == ["▶️ Start routine", "⏰ Snooze 30 min", "Skip today"]


async def test_reminder_set_by_text_with_a_shared_location(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    clock.set(datetime(2024, 6, 3, 6, 0, tzinfo=UTC))  # 11:30 in Pune
    await user.send("/reminder 7pm")
    await user.expect_message("Got it: 19:00")
    await user.share_location(18.52, 73.85)
    await user.expect_message("Time zone: Asia/Kolkata (it's 11:30 there now)")
    await user.press("Every day", await user.expect_message("Every day, or only on weekdays?"))
    done = await user.expect_edit("Done")
    assert "Next: today 19:00 (in 7 h 30 min)" in done.plain
    await sweep_at(app, clock, datetime(2024, 6, 3, 13, 30, tzinfo=UTC))
    reminder = await user.expect_message(REMINDER_TEXT)
    assert "Good evening" in reminder.plain


async def test_impossible_times_get_examples_and_keep_the_old_reminder(
    app: BotApp, user: ChatUser
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder 25:00")
    answer = await user.expect_message("Hours go up to 23")
    assert "7:30 pm" in answer.plain and "unchanged" in answer.plain
    await user.send("/reminder 7:61")
    await user.expect_message("Minutes go up to 59")
    await user.send("/reminder")
    status = await user.expect_message("Your reminder")
    assert "every day at 07:30" in status.plain
    # Typed in the flow: the question stays open until a valid time comes.
    await user.press("Change time", status)
    await user.expect_message("When should I remind you")
    await user.send("abc")
    await user.expect_message("I can't read that as a time")
    await user.send("6.45")
    await user.expect_message("Every day, or only on weekdays?")
    assert (await stored(app, user)).local_time == "07:30"  # not until the days are chosen


async def test_an_ambiguous_city_offers_choices_and_an_unknown_one_offers_examples(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone")
    await user.expect_message("which time zone")
    await user.send("Qwxzzy")
    unknown = await user.expect_message("I don't know that place")
    assert "+5:30" in unknown.plain
    await user.send("Portland")
    choices = await user.expect_message("Which one do you mean?")
    assert any("Oregon" in label for label in choices.button_labels)
    await user.press("Maine", choices)
    await user.expect_message("Time zone: America/New_York")
    assert (await reminders_db.get(deps(app).db, user.user_id))[0] == "America/New_York"


async def test_a_typed_offset_offers_places_and_the_fixed_offset(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone +5:30")
    choices = await user.expect_message("Which one do you mean?")
    await user.press("Mumbai", choices)
    await user.expect_message("Time zone: Asia/Kolkata")
    await user.send("/timezone UTC-4")
    choices = await user.expect_message("Which one do you mean?")
    assert "New York City (America/New_York)" in choices.button_labels
    await user.press("Fixed UTC-4", choices)
    answer = await user.expect_message("Time zone: UTC-4")
    assert "daylight saving" in answer.plain
    assert (await reminders_db.get(deps(app).db, user.user_id))[0] == "Etc/GMT+4"


async def test_a_new_time_zone_moves_the_next_reminder(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await user.send("/timezone New York")
    moved = await user.expect_message("Your reminder moves with it")
    # 02:00 in New York now: 07:30 there is today.
    assert "Next: today 07:30 (in 5 h 30 min)" in moved.plain
    await sweep_at(app, clock, datetime(2024, 6, 3, 11, 30, tzinfo=UTC))
    await user.expect_message(REMINDER_TEXT)


async def test_weekdays_only_skips_the_weekend(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder")
    status = await user.expect_message("Your reminder")
    await user.press("Weekdays only", status)
    changed = await user.expect_edit("on weekdays at 07:30")
    assert "Every day" in changed.button_labels
    await sweep_at(app, clock, berlin(8, 7, 30))  # Saturday
    await sweep_at(app, clock, berlin(9, 7, 30))  # Sunday
    assert reminders_received(user) == 0
    assert datetime.fromtimestamp((await stored(app, user)).next_due or 0, UTC) == berlin(10, 7, 30)


# -- sending it -------------------------------------------------------------------------------


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_the_sweep_job_sends_without_being_asked(
    start_bot: BotStarter, user: ChatUser, clock: FakeClock
) -> None:
    # Speed 20 and 2 s: the job wakes every 0.1 s of real time.
    await start_bot(clock=clock, reminder_sweep_seconds=2.0)
    await set_berlin_0730(user)
    clock.set(berlin(4, 7, 30))
    await user.expect_message(REMINDER_TEXT)


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_exactly_one_reminder_across_restarts(
    start_bot: BotStarter, app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await stop_application(app)
    clock.set(berlin(4, 7, 45))  # it came due while the bot was down, 15 min ago
    again = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    await sweep_at(again, clock, berlin(4, 7, 45))
    await user.expect_message(REMINDER_TEXT)
    await stop_application(again)
    third = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    await sweep_at(third, clock, berlin(4, 8, 0))
    assert reminders_received(user) == 1
    assert (await stored(third, user)).last_date == "2024-06-04"


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_a_crash_in_the_middle_of_sending_never_sends_twice(
    start_bot: BotStarter, app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    reminder = await stored(app, user)
    assert reminder.next_due is not None
    # The process died during the HTTP call: the claim was committed, the sent-mark not.
    clock.set(berlin(4, 7, 30))
    assert await reminders_db.claim(deps(app).db, user.user_id, reminder.next_due, 1.0)
    await stop_application(app)
    again = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    await sweep_at(again, clock, berlin(4, 7, 31))
    assert reminders_received(user) == 0  # Telegram may have got it: never risk a second
    after = await stored(again, user)
    assert after.sending_at is None and after.last_date == "2024-06-04"
    await sweep_at(again, clock, berlin(5, 7, 30))
    await user.expect_message(REMINDER_TEXT)


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_reminders_missed_for_more_than_two_hours_are_skipped(
    start_bot: BotStarter, app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await stop_application(app)
    clock.set(berlin(4, 9, 31))  # two hours and a minute late
    again = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    # Skipped by this sweep, or on PostgreSQL perhaps by the sender's first sweep at
    # start-up (bot/runtime/reminder_sender.py): either way, not sent and moved on.
    report = await sweep_at(again, clock, berlin(4, 9, 31))
    assert report.queued == 0 and reminders_received(user) == 0
    after = await stored(again, user)
    assert datetime.fromtimestamp(after.next_due or 0, UTC) == berlin(5, 7, 30)


async def test_a_user_who_blocked_the_bot_is_not_retried(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await set_berlin_0730(user)
    emulator.blocked_chats.add(user.chat_id)
    await sweep_at(app, clock, berlin(4, 7, 30))
    assert not (await stored(app, user)).enabled
    await sweep_at(app, clock, berlin(5, 7, 30))
    attempts = [
        p
        for m, p in emulator.requests
        if m == "sendMessage" and REMINDER_TEXT in str(p.get("text", "")).lower()
    ]
    assert len(attempts) == 1


async def test_a_flood_pause_holds_reminders_but_not_replies(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await set_berlin_0730(user)
    emulator.fail(
        "sendMessage",
        ApiError(429, "Too Many Requests: retry after 1", 1),
        when=lambda params: REMINDER_TEXT in str(params.get("text", "")).lower(),
    )
    clock.set(berlin(4, 7, 30))
    await service(app).sweep()
    await user.send("/help")  # during the reminder queue's 1 s pause
    help_reply = await user.expect_message("What I can do")
    reminder = await user.expect_message(REMINDER_TEXT)
    assert help_reply.message_id < reminder.message_id
    await service(app).sender.join()
    assert service(app).sender.stats.retry_after == 1
    assert reminders_received(user) == 1


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_no_reminder_when_the_routine_is_already_done_that_day(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    # Tuesday 07:00 in Berlin: the user does the whole routine (skipping through it).
    clock.set(berlin(4, 7, 0))
    await cleared_routine(user)
    await skip_to(user, 6)
    await user.press("3", user.find_button_message("10"))
    await user.expect_message("Done: 0 of 5")
    report = await sweep_at(app, clock, berlin(4, 7, 30))
    assert report.skipped_done == 1 and reminders_received(user) == 0
    assert (await stored(app, user)).last_date == "2024-06-04"
    # Wednesday counts again.
    await sweep_at(app, clock, berlin(5, 7, 30))
    assert reminders_received(user) == 1


async def test_no_exercise_reminder_after_the_safety_check_says_see_a_doctor(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await user.send("/safety")
    screen = await user.expect_message("safety check")
    await user.press("One of these applies", screen)
    await user.expect_edit("Which list")
    await user.press("The see-a-doctor list")
    await user.expect_edit("doctor")
    report = await sweep_at(app, clock, berlin(4, 7, 30))
    assert report.queued == 0 and reminders_received(user) == 0


# -- the reminder's buttons -------------------------------------------------------------------


async def receive_tuesday_reminder(app: BotApp, user: ChatUser, clock: FakeClock) -> None:
    await set_berlin_0730(user)
    await sweep_at(app, clock, berlin(4, 7, 30))
    await user.expect_message(REMINDER_TEXT)


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_snooze_sends_it_again_in_30_minutes_once(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await receive_tuesday_reminder(app, user, clock)
    clock.set(berlin(4, 7, 32))
    answer = await user.press("Snooze")
    assert "Snoozed" in answer.text
    await user.expect_edit("I'll remind you again at 08:02")
    await sweep_at(app, clock, berlin(4, 8, 1))
    assert reminders_received(user) == 1
    await sweep_at(app, clock, berlin(4, 8, 2))
    again = await user.expect_message("your reminder again")
    assert "Snooze" in " ".join(again.button_labels)
    await sweep_at(app, clock, berlin(4, 9, 0))
    assert reminders_received(user) == 2
    await sweep_at(app, clock, berlin(5, 7, 30))  # Wednesday's comes as usual
    assert reminders_received(user) == 3


async def test_backcoach_speed_shortens_the_snooze_for_demos(
    start_bot: BotStarter, user: ChatUser, clock: FakeClock
) -> None:
    app = await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=10.0)
    await receive_tuesday_reminder(app, user, clock)
    clock.set(berlin(4, 7, 32))
    await user.press("Snooze")
    await user.expect_edit("I'll remind you again at 07:35")


async def test_skip_today_cancels_a_snooze(app: BotApp, user: ChatUser, clock: FakeClock) -> None:
    await receive_tuesday_reminder(app, user, clock)
    await user.press("Snooze")
    await user.expect_edit("again at")
    answer = await user.press("Skip today", user.find_button_message("Skip today"))
    assert "skipping today" in answer.text.lower()
    await sweep_at(app, clock, berlin(4, 8, 30))
    assert reminders_received(user) == 1
    await sweep_at(app, clock, berlin(5, 7, 30))
    assert reminders_received(user) == 2


async def test_an_old_reminder_cannot_be_snoozed(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await receive_tuesday_reminder(app, user, clock)
    tuesday = user.find_button_message("Snooze")
    await sweep_at(app, clock, berlin(5, 7, 30))
    await user.expect_message(REMINDER_TEXT)
    answer = await user.press("Snooze", tuesday)
    assert "earlier day" in answer.text
    assert (await stored(app, user)).snoozed is False


async def test_start_routine_on_the_reminder_starts_the_routine(
    app: BotApp, user: ChatUser, clock: FakeClock, emulator: BotApiEmulator
) -> None:
    await clear_safety(user)
    await receive_tuesday_reminder(app, user, clock)
    reminder = user.find_button_message("Start routine")
    answers_before = len(emulator.callback_answers)
    answer = await user.press("Start routine", reminder)
    assert answer.kind == "answer"
    await user.expect(lambda e: e.kind == "edit" and e.message is reminder)
    assert reminder.buttons == []  # no second start from the same message
    await user.expect_message("How is your pain right now")
    assert len(emulator.callback_answers) == answers_before + 1


# -- pausing and turning off ------------------------------------------------------------------


async def test_pause_for_three_days_then_it_resumes_by_itself(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder")
    status = await user.expect_message("Your reminder")
    await user.press("Pause 3 days", status)
    paused = await user.expect_edit("Paused for 3 days")
    # Paused Monday 08:00 for 72 h: Tuesday to Thursday are quiet.
    assert "resumes by itself: Fri 7 Jun, 07:30 (in 3 d 23 h)" in paused.plain
    assert "▶️ Resume now" in paused.button_labels
    for day in (4, 5, 6):
        await sweep_at(app, clock, berlin(day, 7, 30))
    assert reminders_received(user) == 0
    await sweep_at(app, clock, berlin(7, 7, 30))
    assert reminders_received(user) == 1


async def test_reminder_off_stops_it(app: BotApp, user: ChatUser, clock: FakeClock) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder off")
    await user.expect_message("Reminders are off")
    await sweep_at(app, clock, berlin(4, 7, 30))
    assert reminders_received(user) == 0
    await user.send("/reminder")
    await user.expect_message("When should I remind you")


async def test_a_change_of_time_after_todays_reminder_waits_for_tomorrow(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await receive_tuesday_reminder(app, user, clock)
    clock.set(berlin(4, 8, 0))
    done = await set_time(user, "9:00")
    assert "Next: tomorrow 09:00" in done.plain
    await sweep_at(app, clock, berlin(4, 9, 0))
    assert reminders_received(user) == 1


StartBot = Callable[..., Awaitable[BotApp]]


async def test_spring_forward_in_berlin_sends_0230_at_0330(
    start_bot: StartBot, user: ChatUser
) -> None:
    clock = FakeClock(datetime(2024, 3, 30, 12, 0, tzinfo=UTC))
    app = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await set_time(user, "2:30", "Next: tomorrow 03:30")
    await sweep_at(app, clock, datetime(2024, 3, 31, 1, 29, tzinfo=UTC))
    assert reminders_received(user) == 0
    await sweep_at(app, clock, datetime(2024, 3, 31, 1, 30, tzinfo=UTC))  # 03:30 CEST
    await user.expect_message(REMINDER_TEXT)
    assert (await stored(app, user)).last_date == "2024-03-31"


async def test_fall_back_in_new_york_sends_the_repeated_0130_once(
    start_bot: StartBot, user: ChatUser
) -> None:
    # Sunday 3 Nov 2024: New York's clocks go from 02:00 EDT back to 01:00 EST.
    clock = FakeClock(datetime(2024, 11, 2, 16, 0, tzinfo=UTC))
    app = await start_bot(clock=clock, reminder_sweep_seconds=3600)
    await user.send("/timezone New York")
    await user.expect_message("America/New_York")
    await set_time(user, "1:30", "Next: tomorrow 01:30")
    await sweep_at(app, clock, datetime(2024, 11, 3, 5, 30, tzinfo=UTC))  # 01:30 EDT
    await user.expect_message(REMINDER_TEXT)
    await sweep_at(app, clock, datetime(2024, 11, 3, 6, 30, tzinfo=UTC))  # 01:30 EST again
    assert reminders_received(user) == 1
    await sweep_at(app, clock, datetime(2024, 11, 4, 6, 30, tzinfo=UTC))  # Monday 01:30 EST
    assert reminders_received(user) == 2


# -- the set-up flow gives way ----------------------------------------------------------------


async def test_cancel_during_the_reminder_set_up_cancels_the_set_up(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/reminder 7:30")
    await user.expect_message("time zone")
    await user.send("/cancel")
    await user.expect_message("nothing changed")
    await user.send("Berlin")  # no longer an answer to the set-up
    reply = await user.expect_message()
    assert "Europe/Berlin" not in reply.plain
    _, reminder = await reminders_db.get(deps(app).db, user.user_id)
    assert reminder is None or not reminder.enabled


async def test_a_question_while_asked_for_a_time_leaves_the_set_up_and_is_answered(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder")
    await user.expect_message()
    await user.send("why glute bridge?")
    await user.expect_message("left the reminder set-up")
    answer = await user.expect_message()
    assert "pelvis" in answer.plain


async def test_routine_words_while_asked_for_a_place_are_not_places(
    app: BotApp, user: ChatUser
) -> None:
    await cleared_routine(user)
    await user.send("/timezone")
    await user.expect_message()
    await user.send("skip")
    await user.expect_message("left the reminder set-up")
    await user.expect_message("2/5 · Cat/cow")
    assert (await reminders_db.get(deps(app).db, user.user_id))[0] is None


async def test_old_status_buttons_after_turning_off_say_they_are_stale(
    app: BotApp, user: ChatUser
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder")
    first = await user.expect_message("07:30")
    await user.send("/reminder")
    second = await user.expect_message("07:30")
    await user.press("Turn off", first)
    await user.expect_edit("Reminders are off")
    answer = await user.press("Pause", second)
    assert answer.text == STALE_BUTTON
    assert not any("Sorry" in text for text in user.sent_texts())


@both_engines  # storage rules: claims, sent-marks, restarts
async def test_a_backlog_of_stale_reminders_does_not_hold_back_fresh_ones(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    db = deps(app).db
    # 3,000 other users whose reminders went stale three hours ago (an outage).
    stale = berlin(4, 4, 30).timestamp()
    async with db.transaction() as conn:
        for uid in range(50_000, 53_000):
            await conn.execute(
                "INSERT INTO users (user_id, chat_id, created_at, timezone) "
                "VALUES (?, ?, 0, 'Europe/Berlin')",
                (uid, uid),
            )
            await conn.execute(
                "INSERT INTO reminders (user_id, local_time, next_due, updated_at) "
                "VALUES (?, '04:30', ?, 0)",
                (uid, stale),
            )
    report = await sweep_at(app, clock, berlin(4, 7, 30))
    assert report.skipped_late == 3000
    assert reminders_received(user) == 1
