"""People type times in many ways; each of them must mean the same wall-clock time."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core.timeparse import TimeParseError, format_time, parse_time, time_from_hhmm


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("7:30 pm", time(19, 30)),
        ("7:30PM", time(19, 30)),
        ("7:30 p.m.", time(19, 30)),
        ("19:30", time(19, 30)),
        ("7pm", time(19, 0)),
        ("7 am", time(7, 0)),
        ("12am", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("0730", time(7, 30)),
        ("1930", time(19, 30)),
        ("7h30", time(7, 30)),
        ("  at 6:05 ", time(6, 5)),
        ("7", time(7, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_common_ways_of_typing_a_time_are_understood(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["25:00", "24:00", "7:61", "abc", "", "13pm", "0 am", "7:5", "7 m", "7:30:00", "1234567", "-7"],
)
def test_impossible_times_are_refused_with_examples(typed: str) -> None:
    with pytest.raises(TimeParseError) as error:
        parse_time(typed)
    assert "7:30" in str(error.value) and "7pm" in str(error.value)


def test_the_stored_form_round_trips() -> None:
    assert format_time(time(7, 5)) == "07:05"
    assert time_from_hhmm("0705") == time(7, 5)
    assert time_from_hhmm("07:05") == time(7, 5)
    assert time_from_hhmm("2460") is None
    assert time_from_hhmm("abc") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7 30", time(7, 30)),
        ("19 05", time(19, 5)),
        ("7 30 pm", time(19, 30)),
        ("at 7 30", time(7, 30)),
    ],
)
def test_a_space_between_hours_and_minutes_is_understood(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["7 a", "7 p", "7:30 p", "7a", "7 3", "7 30 45"])
def test_a_half_written_am_or_pm_is_refused_not_guessed(typed: str) -> None:
    with pytest.raises(TimeParseError):
        parse_time(typed)
