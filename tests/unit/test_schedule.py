"""Next-due computation: the chosen local wall time, in the user's zone, once a day,
across daylight-saving changes, half-hour zones and the date line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.schedule import (
    format_delay,
    format_when,
    is_too_late,
    local_day_bounds,
    next_occurrence,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_a_time_later_today_is_today_and_an_earlier_one_is_tomorrow() -> None:
    now = local(BERLIN, 2024, 6, 3, 10, 0)
    assert next_occurrence(now, time(18, 0), BERLIN).due == local(BERLIN, 2024, 6, 3, 18, 0)
    assert next_occurrence(now, time(7, 30), BERLIN).due == local(BERLIN, 2024, 6, 4, 7, 30)
    # Exactly now is not "later": the next one is tomorrow.
    assert next_occurrence(now, time(10, 0), BERLIN).due == local(BERLIN, 2024, 6, 4, 10, 0)


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        # Berlin springs forward 2024-03-31 02:00 → 03:00: 02:30 does not exist → 03:30 CEST.
        (BERLIN, date(2024, 3, 31), utc(2024, 3, 31, 1, 30)),
        # New York springs forward 2024-03-10 02:00 → 03:00: 02:30 → 03:30 EDT.
        (NEW_YORK, date(2024, 3, 10), utc(2024, 3, 10, 7, 30)),
    ],
)
def test_spring_forward_moves_a_missing_time_by_the_gap(
    zone: ZoneInfo, day: date, expected_utc: datetime
) -> None:
    now = datetime.combine(day, time(0, 5), tzinfo=zone)
    occurrence = next_occurrence(now, time(2, 30), zone)
    assert occurrence.due == expected_utc
    assert occurrence.local_date == day
    wall = occurrence.due.astimezone(zone)
    assert (wall.hour, wall.minute) == (3, 30)


@pytest.mark.parametrize(
    ("zone", "day", "repeated"),
    # Berlin falls back 03:00 → 02:00 (02:30 happens twice); New York 02:00 → 01:00.
    [(BERLIN, date(2024, 10, 27), time(2, 30)), (NEW_YORK, date(2024, 11, 3), time(1, 30))],
)
def test_fall_back_sends_a_repeated_time_once(zone: ZoneInfo, day: date, repeated: time) -> None:
    start_of_day = datetime.combine(day, time(0, 5), tzinfo=zone)
    first = next_occurrence(start_of_day, repeated, zone)
    assert first.local_date == day
    assert first.due.astimezone(zone).fold == 0  # the first of the two
    # Between the two passes, with today's reminder sent, the next one is tomorrow.
    between = first.due + timedelta(minutes=30)
    again = next_occurrence(between, repeated, zone, after_date=first.local_date)
    assert again.local_date == day + timedelta(days=1)
    # Even without the sent-mark, the second pass of that wall time is never chosen.
    assert next_occurrence(between, repeated, zone).local_date == day + timedelta(days=1)


def test_half_hour_zone() -> None:
    now = utc(2024, 6, 3, 0, 0)  # 05:30 in Kolkata
    occurrence = next_occurrence(now, time(7, 0), KOLKATA)
    assert occurrence.due == utc(2024, 6, 3, 1, 30)


def test_auckland_is_a_day_ahead_of_utc() -> None:
    now = utc(2024, 6, 3, 20, 0)  # Tuesday 08:00 in Auckland (NZST, +12)
    occurrence = next_occurrence(now, time(7, 30), AUCKLAND)
    assert occurrence.local_date == date(2024, 6, 5)
    assert occurrence.due == utc(2024, 6, 4, 19, 30)
    # Auckland's own DST: springs forward 2024-09-29 02:00 → 03:00.
    gap = next_occurrence(utc(2024, 9, 28, 11, 0), time(2, 30), AUCKLAND)
    assert gap.due.astimezone(AUCKLAND).hour == 3


def test_weekdays_only_skips_the_weekend() -> None:
    friday_evening = local(BERLIN, 2024, 6, 7, 20, 0)
    occurrence = next_occurrence(friday_evening, time(7, 30), BERLIN, weekdays_only=True)
    assert occurrence.local_date == date(2024, 6, 10)  # Monday


def test_a_handled_day_is_never_used_again() -> None:
    now = local(BERLIN, 2024, 6, 3, 8, 0)
    # Today's 07:30 was sent; the user moves the time to 09:00: the next one is tomorrow.
    occurrence = next_occurrence(now, time(9, 0), BERLIN, after_date=date(2024, 6, 3))
    assert occurrence.due == local(BERLIN, 2024, 6, 4, 9, 0)


def test_a_pause_pushes_the_next_one_past_its_end() -> None:
    now = local(BERLIN, 2024, 6, 3, 10, 0)
    until = now + timedelta(days=3)
    occurrence = next_occurrence(now, time(7, 30), BERLIN, not_before=until)
    assert occurrence.due == local(BERLIN, 2024, 6, 7, 7, 30)


def test_day_bounds_follow_dst() -> None:
    start, end = local_day_bounds(date(2024, 3, 31), BERLIN)
    assert end - start == 23 * 3600
    start, end = local_day_bounds(date(2024, 10, 27), BERLIN)
    assert end - start == 25 * 3600


def test_lateness_and_wording() -> None:
    assert not is_too_late(1000.0, 1000.0 + 7199)
    assert is_too_late(1000.0, 1000.0 + 7201)
    assert format_delay(9 * 3600 + 12 * 60) == "in 9 h 12 min"
    assert format_delay(5) == "in 1 min"
    assert format_delay(3 * 86400 + 3600) == "in 3 d 1 h"
    now = local(BERLIN, 2024, 6, 3, 10, 0)
    assert format_when(local(BERLIN, 2024, 6, 3, 18, 0), now, BERLIN) == "today 18:00"
    assert format_when(local(BERLIN, 2024, 6, 4, 7, 30), now, BERLIN) == "tomorrow 07:30"
    assert format_when(local(BERLIN, 2024, 6, 6, 7, 30), now, BERLIN) == "Thu 6 Jun, 07:30"


ZONES = [
    BERLIN,
    NEW_YORK,
    KOLKATA,
    AUCKLAND,
    ZoneInfo("America/St_Johns"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Pacific/Kiritimati"),
    ZoneInfo("UTC"),
]


@settings(max_examples=400, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone=st.sampled_from(ZONES),
    weekdays_only=st.booleans(),
    handled_days_back=st.one_of(st.none(), st.integers(-1, 2)),
)
def test_next_due_is_in_the_future_at_the_chosen_wall_time(
    now: datetime,
    hour: int,
    minute: int,
    zone: ZoneInfo,
    weekdays_only: bool,
    handled_days_back: int | None,
) -> None:
    at = time(hour, minute)
    after = None
    if handled_days_back is not None:
        after = now.astimezone(zone).date() - timedelta(days=handled_days_back)
    occurrence = next_occurrence(now, at, zone, weekdays_only=weekdays_only, after_date=after)
    due = occurrence.due
    assert due > now
    assert due - now <= timedelta(days=6)
    if after is not None:
        assert occurrence.local_date > after
    if weekdays_only:
        assert occurrence.local_date.weekday() < 5
    wall = due.astimezone(zone)
    naive = datetime.combine(occurrence.local_date, at)
    exists = (
        naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    )
    if exists:
        # The chosen wall time, and the first of two if the hour repeats.
        assert wall.replace(tzinfo=None) == naive
        assert wall.fold == 0
    else:
        # In a gap: shifted forward by the gap, still on that day, the first valid instant
        # at or after the gap's end.
        assert wall.replace(tzinfo=None) > naive
        assert wall.date() == occurrence.local_date
    # Nothing earlier qualifies: the day before (if allowed) is already past or handled.
    earlier = occurrence.local_date - timedelta(days=1)
    earlier_due = datetime.combine(earlier, at, tzinfo=zone).astimezone(UTC)
    allowed = (not weekdays_only or earlier.weekday() < 5) and (after is None or earlier > after)
    assert not (allowed and earlier_due > now)
