"""What /progress, /goal, the check-in, the dose tap and /export say to the user."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.core.buttons import (
    CheckinButton,
    CheckinScore,
    FeedbackButton,
    Felt,
    GoalButton,
    Payload,
    ProgressButton,
)
from bot.core.progress import (
    CheckIn,
    ExerciseRecord,
    PainTrend,
    Report,
    Routine,
    SeeSomeone,
    Streak,
    StreakCache,
    Trouble,
    WeekCount,
)
from bot.core.text import utf16_len
from bot.views import progress as view

BERLIN = ZoneInfo("Europe/Berlin")
NO_TREND = PainTrend(None, None, None, None)
NO_STREAK = Streak(0, False, StreakCache(date(2024, 5, 27), 0, 5, "UTC"))


def make_report(
    *,
    routines: int = 6,
    done: int = 4,
    goal: int = 5,
    streak: Streak = NO_STREAK,
    trend: PainTrend = NO_TREND,
    trouble: Trouble | None = None,
) -> Report:
    return Report(routines, WeekCount(done, goal), streak, trend, trouble, None)


def labels(screen: view.Screen) -> list[str]:
    return [label for row in screen.rows for label, _ in row]


def payloads(screen: view.Screen) -> list[Payload]:
    return [payload for row in screen.rows for _, payload in row]


# -- the week line (also the reminder's) ------------------------------------------------------


def test_the_week_line_says_where_the_week_stands() -> None:
    assert view.week_line(WeekCount(3, 5)) == "3 of 5 this week, two to go."
    assert view.week_line(WeekCount(4, 5)) == "4 of 5 this week, one to go."
    assert view.week_line(WeekCount(0, 3)) == "0 of 3 this week, three to go."
    assert view.week_line(WeekCount(5, 5)) == "5 of 5 this week: goal met."
    assert view.week_line(WeekCount(6, 5)) == "6 this week, past your goal of 5."


# -- /progress --------------------------------------------------------------------------------


def test_with_fewer_than_two_routines_progress_is_honest_and_offers_no_chart(
    content: Content,
) -> None:
    screen = view.progress(make_report(routines=1), content)
    assert screen.text.startswith("Do a couple of routines and I'll show your trend here.")
    assert not any(isinstance(p, ProgressButton) for p in payloads(screen))
    assert GoalButton() in payloads(screen)


def test_progress_says_the_week_the_streak_the_trend_and_the_trouble(content: Content) -> None:
    result = make_report(
        streak=Streak(3, False, NO_STREAK.cache),
        trend=PainTrend(3.5, 4.75, 6.0, first_week_ago=5),
        trouble=Trouble("trunk_twist", skipped=2, hurt=1),
    )
    screen = view.progress(result, content, days=14, checkin_on=False)
    text = screen.text
    assert "4 of 5 this week, one to go." in text
    assert "Goal met 3 weeks in a row." in text
    assert "3.5 on average this week, down from 4.8 last week." in text
    assert "In your first week it was 6." in text
    assert "Trunk twist (skipped 2, hurt 1 in 30 days)" in text
    assert "It's fine to leave it out." in text
    # A caption: Telegram allows 1,024 characters; a phone shows ~8 short lines.
    assert utf16_len(text) < 600 and text.count("\n") <= 7
    assert labels(screen) == [
        "📈 Last 30 days",
        "🎯 Goal: 5 a week",
        "🌅 Morning check-in: off",
    ]
    thirty = view.progress(result, content, days=30, checkin_on=True)
    assert labels(thirty)[0] == "📈 Last 14 days" and CheckinButton(False) in payloads(thirty)
    assert payloads(screen)[0] == ProgressButton(30) and payloads(thirty)[0] == ProgressButton(14)


def test_pain_going_up_is_said_plainly_and_small_changes_are_about_the_same(
    content: Content,
) -> None:
    up = view.progress(make_report(trend=PainTrend(5.0, 4.0, None, 1)), content).text
    assert "5 on average this week, up from 4 last week." in up
    same = view.progress(make_report(trend=PainTrend(4.2, 4.0, 4.0, 1)), content).text
    assert "about the same as 4 last week" in same
    assert "first week" not in same  # the first week was last week: said already


def test_the_trend_needs_no_routine_this_week_to_say_something(content: Content) -> None:
    text = view.progress(make_report(trend=PainTrend(None, 4.0, 6.0, 3)), content).text
    assert "4 on average last week. In your first week it was 6." in text


# -- /goal ------------------------------------------------------------------------------------


def test_the_goal_picker_offers_3_to_7_with_the_current_one_ticked() -> None:
    screen = view.goal_prompt(5)
    assert labels(screen) == ["3", "4", "✓ 5", "6", "7"]
    assert payloads(screen) == [GoalButton(n) for n in range(3, 8)]
    assert view.parse_goal("4") == 4 and view.parse_goal(" 6 ") == 6
    assert view.parse_goal("9") is None and view.parse_goal("lots") is None
    assert view.goal_set(WeekCount(2, 4)).text == (
        "🎯 Goal set: 4 days a week. 2 of 4 this week, two to go."
    )


# -- the dose tap and the check-in ------------------------------------------------------------


def test_the_card_says_todays_dose_and_why_in_one_line(content: Content) -> None:
    from bot.core.dose import Attempt, plan_doses

    easy = [Attempt("done", "easy", 15), Attempt("done", "easy", 15)]
    stepped = plan_doses(content, {"cat_cow": easy, "flexion": [Attempt("done", "easy", 20)] * 2})
    first = plan_doses(content, {})
    cat_cow, flexion, bridge = (content.exercise(e) for e in ("cat_cow", "flexion", "glute_bridge"))
    assert view.card_line(cat_cow, stepped["cat_cow"]) == "18 times today: you found it easy twice."
    assert view.card_line(flexion, stepped["flexion"]) == "25 s today: you found it easy twice."
    assert view.card_line(cat_cow, first["cat_cow"]) == "Today: 15 times."
    assert view.card_line(flexion, first["flexion"]) is None  # "The timer runs 20 s" says it
    assert view.card_line(bridge, first["glute_bridge"]) is None  # the card says 12 already


def test_after_each_exercise_one_optional_row_easy_about_right_too_hard() -> None:
    row = view.feedback_row(12, 0)
    assert [label for label, _ in row] == ["😌 Easy", "👍 About right", "😓 Too hard"]
    assert [payload for _, payload in row] == [
        FeedbackButton(12, 0, Felt.EASY),
        FeedbackButton(12, 0, Felt.RIGHT),
        FeedbackButton(12, 0, Felt.HARD),
    ]
    chosen = view.feedback_chosen(12, 0, Felt.EASY)
    assert [label for label, _ in chosen[0]] == ["✓ 😌 Easy", "👍 About right", "😓 Too hard"]


def test_the_morning_check_in_asks_0_to_10_and_can_be_stopped_from_the_message() -> None:
    today = date(2024, 6, 5)
    screen = view.checkin_prompt(today)
    assert "How's your back this morning?" in screen.text
    assert payloads(screen)[:11] == [CheckinScore(today, n) for n in range(11)]
    assert payloads(screen)[-1] == CheckinButton(False)
    assert view.checkin_saved(4, today, (date(2024, 6, 4), 5)).text.startswith(
        "🌅 Noted: 4/10 this morning. Yesterday: 5/10."
    )
    assert "Last time (Sun): 6/10." in view.checkin_saved(4, today, (date(2024, 6, 2), 6)).text
    assert "/10 this morning. It's on" in view.checkin_saved(4, today, (date(2024, 5, 2), 6)).text
    assert (
        "07:30 each morning, first tomorrow 07:30"
        in view.checkin_on(time(7, 30), "tomorrow 07:30").text
    )


def test_see_someone_names_a_gp_or_physio_how_to_pause_and_that_it_is_general_advice() -> None:
    screen = view.see_someone(SeeSomeone.HIGH, checkin_on=True)
    text = screen.text
    assert "7 or more all week" in text
    assert "GP or a physiotherapist" in text
    assert "/reminder off" in text
    assert "General advice, not from the article." in text
    assert "diagnos" not in text.lower()
    assert payloads(screen) == [CheckinButton(False)]
    assert view.see_someone(SeeSomeone.NOT_FALLEN, checkin_on=False).rows == []


# -- /export ----------------------------------------------------------------------------------


def test_the_export_has_local_times_pain_morning_scores_and_each_exercises_outcome_and_dose(
    content: Content,
) -> None:
    start = datetime(2024, 6, 3, 8, 10, tzinfo=BERLIN).timestamp()  # 06:10 UTC
    routines = [
        Routine(11, start, start + 500, True, 5, 3),
        Routine(12, start + 86400, start + 86400 + 60, False, 4, None),
    ]
    exercises = {
        11: [
            ExerciseRecord("flexion", "done", 25, "easy"),
            ExerciseRecord("cat_cow", "done", 15, None),
            ExerciseRecord("trunk_twist", "skipped", 18, None),
            ExerciseRecord("knee_rocks", "hurt", 12, None),
            ExerciseRecord("glute_bridge", "done", 12, "hard"),
        ],
        12: [
            ExerciseRecord("flexion", "done", 20, None),
            ExerciseRecord("cat_cow", None, 15, None),
        ],
    }
    checkins = [CheckIn(date(2024, 6, 4), datetime(2024, 6, 4, 5, 30, tzinfo=UTC).timestamp(), 4)]
    data = view.export_csv(routines, exercises, checkins, content, BERLIN)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [r["what"] for r in rows] == ["routine", "morning check-in", "routine"]
    first, morning, second = rows
    assert (first["date"], first["time (Europe/Berlin)"]) == ("2024-06-03", "08:10")
    assert (first["pain before"], first["pain after"], first["routine"]) == ("5", "3", "finished")
    assert first["Back flexion stretch: dose"] == "25 s"
    assert first["Back flexion stretch: felt"] == "easy"
    assert first["Cat/cow stretch: felt"] == "about right (no answer)"
    assert first["Trunk twist: outcome"] == "skipped"
    assert first["Trunk twist: dose"] == "18 s each side"
    assert first["Knee rocks: outcome"] == "stopped: it hurts"
    assert first["Knee rocks: dose"] == "12 each side"
    assert first["Glute bridge: felt"] == "too hard"
    assert (morning["date"], morning["time (Europe/Berlin)"], morning["morning pain"]) == (
        "2024-06-04",
        "07:30",
        "4",
    )
    assert second["routine"] == "stopped" and second["pain after"] == ""
    # Planned but never reached: no outcome, and no dose claimed.
    assert (second["Cat/cow stretch: outcome"], second["Cat/cow stretch: dose"]) == ("", "")
    assert view.export_filename(date(2024, 6, 5)) == "backcoach-history-2024-06-05.csv"


def test_an_empty_export_still_has_its_header(content: Content) -> None:
    data = view.export_csv([], {}, [], content, BERLIN).decode("utf-8")
    assert data.startswith("date,time (Europe/Berlin),what,pain before")
    assert data.count("\r\n") == 1


# -- the reminder and the check-in's opt-in ---------------------------------------------------


def test_the_reminder_says_where_the_week_stands_against_the_goal() -> None:
    from bot.views.reminders import reminder_message
    from db.reminders import Due, Reminder

    due = Due(Reminder(1, "07:30"), 1, "Alex", "Europe/Berlin", week=(3, 5))
    now = datetime(2024, 6, 5, 5, 30, tzinfo=UTC)  # 07:30 in Berlin
    text = reminder_message(due, date(2024, 6, 5), 8, now).text
    assert text.endswith("\n3 of 5 this week, two to go.")
    unknown = Due(Reminder(1, "07:30"), 1, "Alex", "Europe/Berlin")
    assert "this week" not in reminder_message(unknown, date(2024, 6, 5), 8, now).text


def test_the_check_in_is_offered_with_wake_up_times_to_tap() -> None:
    from bot.core.buttons import WakeTime

    screen = view.checkin_offer()
    assert "What time do you usually wake up?" in screen.text
    assert WakeTime("0700") in payloads(screen) and len(payloads(screen)) == 6
