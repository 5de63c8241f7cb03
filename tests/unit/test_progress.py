"""Progress arithmetic: weeks in the user's zone (DST weeks too), the weekly goal, streaks
that only a missed week breaks, the pain trend, the trouble exercise, and when to suggest
seeing someone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.progress import (
    CheckIn,
    History,
    Routine,
    SeeSomeone,
    StreakCache,
    Window,
    clamp_goal,
    daily_scores,
    default_checkin_time,
    finished_days,
    goal_streak,
    most_troubled,
    pain_trend,
    report,
    see_someone,
    week_bounds,
    week_count,
    week_start,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
ORDER = ["flexion", "cat_cow", "trunk_twist", "knee_rocks", "glute_bridge"]


def instant(zone: ZoneInfo, text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


_ids = iter(range(1, 1_000_000))


def routine(
    zone: ZoneInfo,
    start: str,
    *,
    before: int | None = 4,
    after: int | None = 3,
    finished: bool = True,
    minutes: int = 8,
) -> Routine:
    started = instant(zone, start)
    return Routine(
        run_id=next(_ids),
        started_at=started,
        ended_at=started + minutes * 60,
        finished=finished,
        pain_before=before,
        pain_after=after if finished else None,
    )


def days(*texts: str) -> set[date]:
    return {date.fromisoformat(t) for t in texts}


def span(first: str, count: int, step: int = 1) -> set[date]:
    start = date.fromisoformat(first)
    return {start + timedelta(days=i * step) for i in range(count)}


# -- weeks in the user's zone -----------------------------------------------------------------


def test_weeks_start_on_monday() -> None:
    assert week_start(date(2024, 6, 9)) == date(2024, 6, 3)  # Sunday → Monday before
    assert week_start(date(2024, 6, 10)) == date(2024, 6, 10)


def test_a_late_sunday_routine_on_berlins_spring_forward_night_stays_in_that_week() -> None:
    # Sunday 31 March 2024 has 23 hours in Berlin. 23:30 that Sunday is 21:30 UTC; 00:30
    # on Monday is 22:30 UTC on Sunday: UTC would put both in the same week.
    sunday_late = routine(BERLIN, "2024-03-31T23:30")
    monday_early = routine(BERLIN, "2024-04-01T00:30", minutes=5)
    found = finished_days([sunday_late, monday_early], BERLIN)
    assert found == days("2024-03-31", "2024-04-01")
    assert week_count(found, date(2024, 4, 1), 5).done == 1
    assert week_count(found, date(2024, 3, 31), 5).done == 1


def test_new_yorks_25_hour_fall_back_sunday_is_one_day_of_its_week() -> None:
    # 3 November 2024: 01:00-02:00 happens twice. 23:50 that Sunday is 04:50 UTC Monday.
    late = routine(NEW_YORK, "2024-11-03T23:50")
    found = finished_days([late], NEW_YORK)
    assert found == days("2024-11-03")
    assert week_count(found, date(2024, 11, 3), 5).done == 1
    assert week_count(found, date(2024, 11, 4), 5).done == 0


def test_the_same_instants_fall_in_different_weeks_in_tokyo_and_los_angeles() -> None:
    # Sunday 9 June 2024 23:00 UTC is Monday 08:00 in Tokyo, Sunday 16:00 in Los Angeles.
    when = datetime(2024, 6, 9, 23, 0, tzinfo=UTC).timestamp()
    run = Routine(1, when - 480, when, True, 4, 3)
    assert finished_days([run], TOKYO) == days("2024-06-10")
    assert finished_days([run], LOS_ANGELES) == days("2024-06-09")


def test_a_week_with_a_dst_change_is_one_hour_shorter_or_longer_in_instants() -> None:
    start, end = week_bounds(date(2024, 3, 27), BERLIN)  # spring forward on Sunday 31 March
    assert start == instant(BERLIN, "2024-03-25T00:00") and (end - start) / 3600 == 167
    start, end = week_bounds(date(2024, 11, 3), NEW_YORK)  # fall back on Sunday 3 November
    assert start == instant(NEW_YORK, "2024-10-28T00:00") and (end - start) / 3600 == 169
    # The reminder's count: routines ended inside those bounds, read back as local days.
    late = routine(NEW_YORK, "2024-11-03T23:50")
    assert late.ended_at is not None and start <= late.ended_at < end


def test_only_finished_routines_count_and_two_on_one_day_count_once() -> None:
    runs = [
        routine(BERLIN, "2024-06-03T08:00"),
        routine(BERLIN, "2024-06-03T19:00"),
        routine(BERLIN, "2024-06-04T08:00", finished=False),
        routine(BERLIN, "2024-06-05T08:00"),
    ]
    week = week_count(finished_days(runs, BERLIN), date(2024, 6, 6), 5)
    assert (week.done, week.to_go, week.met) == (2, 3, False)


def test_the_goal_is_5_by_default_and_kept_between_3_and_7() -> None:
    assert clamp_goal(None) == 5
    assert (clamp_goal(1), clamp_goal(4), clamp_goal(12)) == (3, 4, 7)


# -- streaks ----------------------------------------------------------------------------------


def test_a_missed_day_never_resets_the_streak_only_a_missed_week_does() -> None:
    history = (
        span("2024-05-06", 4)  # week of 6 May: 4 days, below a goal of 5: the streak starts after
        | span("2024-05-13", 5, step=1)  # Mon-Fri
        | span("2024-05-20", 5, step=1)
        | days("2024-05-27", "2024-05-29", "2024-05-30", "2024-06-01", "2024-06-02")  # gaps
        | days("2024-06-03", "2024-06-04")  # this week so far
    )
    streak = goal_streak(history, today=date(2024, 6, 5), goal=5, zone="Europe/Berlin")
    assert (streak.weeks, streak.this_week) == (3, False)


def test_the_current_week_joins_the_streak_once_its_goal_is_met() -> None:
    history = span("2024-05-27", 5) | span("2024-06-03", 5)
    streak = goal_streak(history, today=date(2024, 6, 7), goal=5, zone="Europe/Berlin")
    assert (streak.weeks, streak.this_week) == (2, True)
    lower = goal_streak(history, today=date(2024, 6, 7), goal=3, zone="Europe/Berlin")
    assert lower.weeks == 2


def test_a_week_below_the_goal_ends_the_streak_even_with_routines_in_it() -> None:
    history = span("2024-05-20", 7) | span("2024-05-27", 2) | span("2024-06-03", 1)
    streak = goal_streak(history, today=date(2024, 6, 4), goal=3, zone="UTC")
    assert streak.weeks == 0


def test_a_cached_streak_is_extended_with_only_the_new_weeks() -> None:
    cache = StreakCache(date(2024, 5, 20), 40, goal=5, zone="Europe/Berlin")
    # Only the weeks after the cached one are given: the cache stands for the rest.
    new = span("2024-05-27", 5) | span("2024-06-03", 6)
    streak = goal_streak(new, today=date(2024, 6, 12), goal=5, zone="Europe/Berlin", cache=cache)
    assert streak.weeks == 42
    assert streak.cache == StreakCache(date(2024, 6, 3), 42, 5, "Europe/Berlin")


def test_a_cache_for_another_goal_or_zone_is_ignored() -> None:
    cache = StreakCache(date(2024, 5, 27), 40, goal=5, zone="Europe/Berlin")
    history = span("2024-05-27", 5)
    other_goal = goal_streak(
        history, today=date(2024, 6, 4), goal=4, zone="Europe/Berlin", cache=cache
    )
    assert other_goal.weeks == 1
    other_zone = goal_streak(
        history, today=date(2024, 6, 4), goal=5, zone="Asia/Tokyo", cache=cache
    )
    assert other_zone.weeks == 1


@settings(max_examples=300, deadline=None)
@given(
    offsets=st.sets(st.integers(min_value=0, max_value=200)),
    first_look=st.integers(min_value=0, max_value=200),
    later=st.integers(min_value=0, max_value=60),
    goal=st.integers(min_value=3, max_value=7),
)
def test_counting_from_the_cache_equals_counting_everything(
    offsets: set[int], first_look: int, later: int, goal: int
) -> None:
    origin = date(2023, 1, 2)
    routine_days = {origin + timedelta(days=o) for o in offsets}
    first_today = origin + timedelta(days=first_look)
    second_today = first_today + timedelta(days=later)
    first = goal_streak(
        {d for d in routine_days if d <= first_today}, today=first_today, goal=goal, zone="UTC"
    )
    visible = {d for d in routine_days if d <= second_today}
    full = goal_streak(visible, today=second_today, goal=goal, zone="UTC")
    # What Window.streak_since lets the database read: from the Monday after the cached week.
    if first.cache.week < week_start(second_today):
        since = first.cache.week + timedelta(days=7)
        partial = {d for d in visible if d >= since}
        cached = goal_streak(partial, today=second_today, goal=goal, zone="UTC", cache=first.cache)
        assert cached == full


def test_the_window_reads_the_streak_only_from_the_week_after_the_cache() -> None:
    now = datetime(2024, 6, 12, 9, 0, tzinfo=BERLIN)
    window = Window.for_now(now, BERLIN, 5, StreakCache(date(2024, 3, 4), 9, 5, "Europe/Berlin"))
    assert window.today == date(2024, 6, 12)
    assert window.since_date == date(2024, 5, 14)
    assert window.since == instant(BERLIN, "2024-05-14T00:00")
    assert window.streak_since == instant(BERLIN, "2024-03-11T00:00")
    assert window.needs_older_streak_read
    recent_cache = StreakCache(date(2024, 6, 3), 9, 5, "Europe/Berlin")
    assert not Window.for_now(now, BERLIN, 5, recent_cache).needs_older_streak_read
    # No cache (or one for another goal): everything, from the beginning.
    assert Window.for_now(now, BERLIN, 4, recent_cache).streak_since is None


# -- pain -------------------------------------------------------------------------------------


def test_the_pain_trend_compares_this_week_with_last_week_and_the_first_week() -> None:
    first = [
        routine(BERLIN, "2024-04-29T08:00", before=7),
        routine(BERLIN, "2024-05-01T08:00", before=6),
    ]
    recent = [
        routine(BERLIN, "2024-05-28T08:00", before=5),
        routine(BERLIN, "2024-05-30T08:00", before=4),
        routine(BERLIN, "2024-06-03T08:00", before=3),
        routine(BERLIN, "2024-06-04T08:00", before=2, finished=False),  # before counts
    ]
    trend = pain_trend(recent, first, date(2024, 6, 5), BERLIN)
    assert (trend.this_week, trend.last_week, trend.first_week) == (2.5, 4.5, 6.5)
    assert trend.first_week_ago == 5


def test_the_morning_check_in_is_the_days_score_and_a_routine_fills_in_without_one() -> None:
    runs = [
        routine(BERLIN, "2024-06-03T18:00", before=5),
        routine(BERLIN, "2024-06-04T08:00", before=6),
        routine(BERLIN, "2024-06-04T19:00", before=2),
    ]
    checkins = [CheckIn(date(2024, 6, 3), instant(BERLIN, "2024-06-03T07:30"), 3)]
    assert daily_scores(runs, checkins, BERLIN) == {date(2024, 6, 3): 3, date(2024, 6, 4): 6}


# -- the trouble exercise ---------------------------------------------------------------------


def test_the_exercise_skipped_or_hurting_most_is_named_from_two_times() -> None:
    outcomes = [
        ("trunk_twist", "skipped"),
        ("trunk_twist", "hurt"),
        ("trunk_twist", "done"),
        ("cat_cow", "skipped"),
        ("cat_cow", "skipped"),
        ("knee_rocks", "skipped"),
    ]
    trouble = most_troubled(outcomes, ORDER)
    assert trouble is not None
    # Two each: the one that hurt wins.
    assert (trouble.exercise_id, trouble.skipped, trouble.hurt) == ("trunk_twist", 1, 1)
    assert most_troubled([("cat_cow", "skipped")], ORDER) is None


# -- see someone ------------------------------------------------------------------------------


def scores_for(start: str, values: list[int]) -> dict[date, int]:
    first = date.fromisoformat(start)
    return {first + timedelta(days=i): v for i, v in enumerate(values)}


def checkins_for(start: str, values: list[int]) -> list[CheckIn]:
    return [
        CheckIn(d, datetime.combine(d, time(7), tzinfo=UTC).timestamp(), v)
        for d, v in scores_for(start, values).items()
    ]


def test_a_week_at_7_or_more_says_see_someone() -> None:
    daily = scores_for("2024-06-01", [7, 8, 7, 9, 7])
    assert see_someone(daily, [], daily, date(2024, 6, 7)) is SeeSomeone.HIGH
    dipped = scores_for("2024-06-01", [7, 8, 6, 9, 7])
    assert see_someone(dipped, [], dipped, date(2024, 6, 7)) is None
    too_few = scores_for("2024-06-04", [8, 8, 8, 8])
    assert see_someone(too_few, [], too_few, date(2024, 6, 7)) is None


def test_three_rises_in_a_row_at_the_morning_check_in_say_see_someone() -> None:
    checkins = checkins_for("2024-06-04", [2, 3, 4, 5])
    daily = {c.local_date: c.score for c in checkins}
    assert see_someone(daily, checkins, daily, date(2024, 6, 8)) is SeeSomeone.RISING
    flat = checkins_for("2024-06-04", [2, 3, 3, 5])
    assert see_someone(daily, flat, daily, date(2024, 6, 8)) is None
    # Old news: the last rise was a week ago.
    assert see_someone(daily, checkins, daily, date(2024, 6, 15)) is None


def test_pain_that_has_not_fallen_after_six_weeks_says_see_someone() -> None:
    first = scores_for("2024-04-01", [5, 5, 6, 5])
    recent = scores_for("2024-05-10", [5, 6, 5, 5])
    assert see_someone(recent, [], first, date(2024, 5, 13)) is SeeSomeone.NOT_FALLEN
    # Five weeks in: too early to say.
    assert see_someone(recent, [], first, date(2024, 5, 5)) is None


def test_pain_that_fell_or_is_low_after_six_weeks_needs_no_one() -> None:
    first = scores_for("2024-04-01", [6, 6, 6])
    fallen = scores_for("2024-05-10", [4, 4, 5])
    assert see_someone(fallen, [], first, date(2024, 5, 13)) is None
    low_first = scores_for("2024-04-01", [2, 2, 2])
    low_now = scores_for("2024-05-10", [2, 2, 2])
    assert see_someone(low_now, [], low_first, date(2024, 5, 13)) is None


# -- the report -------------------------------------------------------------------------------


def test_with_fewer_than_two_routines_the_report_is_not_enough() -> None:
    now = datetime(2024, 6, 5, 12, 0, tzinfo=BERLIN)
    one = routine(BERLIN, "2024-06-04T08:00")
    result = report(
        History(recent=[one], first=[one]), now=now, zone=BERLIN, goal=5, exercise_order=ORDER
    )
    assert not result.enough
    two = routine(BERLIN, "2024-06-05T08:00")
    result = report(
        History(recent=[one, two], first=[one, two]),
        now=now,
        zone=BERLIN,
        goal=5,
        exercise_order=ORDER,
    )
    assert result.enough and result.week.done == 2


def test_the_report_counts_older_finished_routines_into_the_streak() -> None:
    now = datetime(2024, 6, 5, 12, 0, tzinfo=BERLIN)
    older = [instant(BERLIN, f"2024-04-{d:02d}T09:00") for d in range(1, 8)]  # a full week
    recent = [routine(BERLIN, f"2024-05-{d:02d}T08:00") for d in range(6, 32)]
    result = report(
        History(recent=recent, first=recent[:2], older_finished=older),
        now=now,
        zone=BERLIN,
        goal=5,
        exercise_order=ORDER,
    )
    # 6 May - 2 June: four full weeks; the April week is separate (gap of weeks between).
    assert result.streak.weeks == 4


def test_the_check_in_comes_half_an_hour_after_waking() -> None:
    assert default_checkin_time(time(7, 0)) == time(7, 30)
    assert default_checkin_time(time(23, 45)) == time(0, 15)
