"""Issue 10: reminders that keep their promises. What the confirmation says comes true,
a change survives the set-up's detours (and a restart), every path is one conversation,
zone choices say what they save, and "Skip today" leaves no live buttons behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import places
from bot.app import stop_application
from bot.core.clock import FakeClock
from bot.emulator import ChatUser
from bot.places import gazetteer
from bot.runtime.deps import BotApp
from db import reminders as reminders_db
from tests.conftest import BotStarter, cleared_routine, skip_to
from tests.e2e.reminder_steps import (
    REMINDER_TEXT,
    berlin,
    set_berlin_0730,
    set_time,
    stored,
    sweep_at,
)
from tests.e2e.test_reminders import (  # the fixtures and helpers of the reminder tests
    app,
    clock,
    deps,
    receive_tuesday_reminder,
    reminders_received,
)
from tests.pg import both_engines

__all__ = ["app", "clock"]  # fixtures, used by name


async def finish_routine(user: ChatUser, before: int, after: int) -> str:
    await cleared_routine(user, pain=before)
    await skip_to(user, 6)
    await user.press(str(after), user.find_button_message("10"))
    return (await user.expect_message(f"Pain: {before} → {after}")).plain


# -- 8. a promised reminder comes -------------------------------------------------------------


async def test_a_reminder_set_after_todays_routine_is_promised_for_tomorrow(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    clock.set(berlin(3, 12, 0))  # Monday noon: the routine first
    await finish_routine(user, 5, 3)
    clock.set(berlin(3, 12, 10))
    done = await set_time(user, "12:13")
    assert "Next: tomorrow 12:13 (you've done today's routine)" in done.plain
    await sweep_at(app, clock, berlin(3, 12, 13))
    assert reminders_received(user) == 0  # nothing was promised for today
    await sweep_at(app, clock, berlin(4, 12, 13))
    await user.expect_message(REMINDER_TEXT)


async def test_the_status_after_todays_routine_does_not_promise_today(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await set_time(user, "18:00", "Next: today 18:00")  # Monday 08:00
    clock.set(berlin(3, 12, 0))
    await finish_routine(user, 5, 3)
    await user.send("/reminder")
    status = await user.expect_message("Your reminder")
    assert "Next: tomorrow 18:00 (you've done today's routine)" in status.plain


# -- 9. a change survives a detour to the zone --------------------------------------------------


async def change_zone_mid_set_up(user: ChatUser, place: str) -> None:
    days = await user.expect_message("Every day, or only on weekdays?")
    assert "19:00" in days.plain
    await user.press("Change time zone", days)
    await user.expect_message("which time zone")
    await user.send(place)
    await user.expect_message("Time zone:")
    back = await user.expect_message("Every day, or only on weekdays?")
    assert "Reminder at 19:00" in back.plain
    await user.press("Every day", back)


async def test_a_new_time_survives_a_change_of_zone_in_the_set_up(
    app: BotApp, user: ChatUser
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder")
    status = await user.expect_message("Your reminder")
    await user.press("Change time", status)
    await user.expect_message("When should I remind you")
    await user.send("19:00")
    await change_zone_mid_set_up(user, "London")
    done = await user.expect_edit("Done")
    assert "every day at 19:00 (Europe/London)" in done.plain
    assert (await stored(app, user)).local_time == "19:00"


async def test_with_reminders_off_the_same_path_ends_in_a_reminder(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder")
    await user.expect_message("When should I remind you")
    before = len(user.sent_texts())
    await user.send("19:00")
    await change_zone_mid_set_up(user, "Berlin")
    done = await user.expect_edit("Done")
    assert "every day at 19:00 (Europe/Berlin)" in done.plain
    assert not any("Send /reminder to set" in text for text in user.sent_texts()[before:])


# -- 11. one set-up, one behaviour, across a restart --------------------------------------------


async def test_both_ways_to_a_time_ask_the_days_and_take_a_typed_answer(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder 20:23")
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("weekdays only")  # typed: the set-up's answer, not a question
    done = await user.expect_message("Done")
    assert "on weekdays at 20:23" in done.plain
    await user.send("/reminder")
    status = await user.expect_message("Your reminder")
    await user.press("Change time", status)
    picker = await user.expect_message("When should I remind you")
    await user.press("07:30", picker)
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("every day")
    assert "every day at 07:30" in (await user.expect_message("Done")).plain


async def test_cancel_at_the_days_question_cancels_the_set_up(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder")
    await user.press("07:30", await user.expect_message("When should I remind you"))
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("/cancel")
    cancelled = await user.expect_message()
    assert "nothing changed" in cancelled.plain and "nothing to cancel" not in cancelled.plain
    await user.send("weekdays")  # no longer an answer
    assert "Done" not in (await user.expect_message()).plain
    assert (await reminders_db.get(deps(app).db, user.user_id))[1] is None


async def test_a_question_at_the_days_question_leaves_the_set_up(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder 7:30")
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("why glute bridge?")
    await user.expect_message("left the reminder set-up")
    assert "pelvis" in (await user.expect_message()).plain


async def test_something_else_at_the_days_question_asks_again(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder 7:30")
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("hmm")
    again = await user.expect_message("Tap Every day or Weekdays only")
    await user.press("Weekdays only", again)
    assert "on weekdays at 07:30" in (await user.expect_edit("Done")).plain


@both_engines  # the set-up's open question is a row
async def test_the_set_up_survives_a_restart(
    start_bot: BotStarter, app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await user.send("/reminder")
    await user.press("07:30", await user.expect_message("When should I remind you"))
    await user.expect_message("which time zone")
    await stop_application(app)
    second = await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)
    await user.send("Berlin")
    await user.expect_message("Time zone: Europe/Berlin")
    await user.expect_message("Every day, or only on weekdays?")
    await stop_application(second)
    again = await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)
    await user.send("every day")
    done = await user.expect_message("Done")
    assert "every day at 07:30 (Europe/Berlin)" in done.plain
    assert (await stored(again, user)).local_time == "07:30"


async def test_a_set_up_left_for_ten_minutes_is_gone(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await user.send("/reminder")
    await user.press("07:30", await user.expect_message("When should I remind you"))
    await user.expect_message("which time zone")
    clock.advance(timedelta(minutes=11))
    await user.send("Berlin")
    assert "Time zone" not in (await user.expect_message()).plain
    assert (await reminders_db.get(deps(app).db, user.user_id))[0] is None


async def test_a_red_flag_at_the_days_question_wins(app: BotApp, user: ChatUser) -> None:
    await user.send("/timezone Berlin")
    await user.expect_message("Europe/Berlin")
    await user.send("/reminder 7:30")
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("I can't control my bladder")
    await user.expect_message("left the reminder set-up")
    assert "emergency" in (await user.expect_message()).plain.lower()


# -- 12. zone choices say what they save; a slow first lookup shows it is working -----------------


async def test_a_typed_offset_labels_each_choice_by_what_it_saves(
    app: BotApp, user: ChatUser
) -> None:
    await user.send("/timezone UTC+5:30")
    choices = await user.expect_message("Which one do you mean?")
    assert choices.button_labels[0] == "India time (Asia/Kolkata), no daylight saving · Mumbai"
    assert "Colombo (Asia/Colombo)" in choices.button_labels
    assert not any(label.startswith("Fixed") for label in choices.button_labels)
    await user.press("India time", choices)
    await user.expect_message("Time zone: Asia/Kolkata")
    assert (await reminders_db.get(deps(app).db, user.user_id))[0] == "Asia/Kolkata"


async def test_a_lookup_that_must_wait_for_the_city_list_shows_typing(
    app: BotApp, user: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(places, "is_loaded", lambda: False)
    await user.send("/timezone Berlin")
    action = await user.expect(lambda e: e.kind in ("action", "send"))
    assert (action.kind, action.text) == ("action", "typing")
    await user.expect_message("Time zone: Europe/Berlin")
    await user.expect_message("Send /reminder to set a daily reminder")
    monkeypatch.setattr(places, "is_loaded", lambda: True)  # loaded: no need to say so
    await user.send("/timezone Paris")
    first = await user.expect(lambda e: e.kind in ("action", "send"))
    assert first.kind == "send" and "Europe/Paris" in first.text


async def test_the_city_list_loads_in_the_background_at_start_up(start_bot: BotStarter) -> None:
    gazetteer._LOADED.clear()  # as in a fresh process
    assert not places.is_loaded()
    await start_bot()
    for _ in range(1200):  # no lookup asked for it: start-up's worker thread loads it
        if places.is_loaded():
            break
        await asyncio.sleep(0.05)
    assert places.is_loaded()


# -- 13. Skip today leaves no live Start or Snooze behind ----------------------------------------


async def test_skip_today_takes_the_buttons_off_the_days_reminder(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await receive_tuesday_reminder(app, user, clock)
    first = user.find_button_message("Snooze")
    clock.set(berlin(4, 7, 32))
    await user.press("Snooze", first)
    await user.expect_edit("again at 08:02")
    await sweep_at(app, clock, berlin(4, 8, 2))
    again = await user.expect_message("your reminder again")
    snooze = next(b["callback_data"] for b in again.buttons if "Snooze" in b["text"])
    await user.press("Skip today", first)  # on the earlier "Snoozed" message
    await user.expect_edit("no more reminders today")
    assert again.buttons == []  # its Start and Snooze are gone
    answer = await user.press_data(snooze, again)  # and an old press changes nothing
    assert answer.text == "You skipped today's reminders."
    assert (await stored(app, user)).snoozed is False
    await sweep_at(app, clock, berlin(4, 9, 0))
    assert reminders_received(user) == 2


# -- 1. the next reminder says how yesterday went -------------------------------------------------


async def test_the_next_reminder_says_yesterdays_pain_rose(
    app: BotApp, user: ChatUser, clock: FakeClock
) -> None:
    await set_berlin_0730(user)
    clock.set(berlin(3, 18, 0))  # Monday evening: pain 4 → 6
    assert "Please stop for today" in await finish_routine(user, 4, 6)
    await sweep_at(app, clock, berlin(4, 7, 30))
    tuesday = await user.expect_message(REMINDER_TEXT)
    assert "Yesterday your pain went from 4 to 6 during the routine" in tuesday.plain
    await sweep_at(app, clock, berlin(5, 7, 30))  # no routine on Tuesday: nothing to say
    wednesday = await user.expect_message(REMINDER_TEXT)
    assert "Yesterday" not in wednesday.plain


async def test_timezone_typed_mid_set_up_comes_back_to_the_days_question(
    app: BotApp, user: ChatUser
) -> None:
    await set_berlin_0730(user)
    await user.send("/reminder 19:00")
    await user.expect_message("Every day, or only on weekdays?")
    await user.send("/timezone London")
    await user.expect_message("Time zone: Europe/London")
    back = await user.expect_message("Every day, or only on weekdays?")
    assert "Reminder at 19:00" in back.plain
