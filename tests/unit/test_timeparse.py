"""People type times in many ways; each of them must mean the same wall-clock time."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core.timeparse import (
    TimeParseError,
    TimeQuestion,
    format_time,
    parse_time,
    time_from_hhmm,
)


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


# Issue 10: everyday phrases. Without am/pm or a part of the day, words are read on the
# 24-hour clock exactly like digits ("seven" is 07:00, as "7" is).
EVERYDAY: list[tuple[str, time]] = [
    # half past, quarter past/to, N past/to
    ("half past seven", time(7, 30)),
    ("half past 7", time(7, 30)),
    ("Half past seven in the evening", time(19, 30)),
    ("half-past seven", time(7, 30)),
    ("quarter to 8", time(7, 45)),
    ("quarter to eight", time(7, 45)),
    ("a quarter to 8 in the evening", time(19, 45)),
    ("quarter past 6", time(6, 15)),
    ("a quarter past six", time(6, 15)),
    ("quarter past 6 pm", time(18, 15)),
    ("ten past seven", time(7, 10)),
    ("10 past 7", time(7, 10)),
    ("twenty to nine", time(8, 40)),
    ("twenty-five past six", time(6, 25)),
    ("25 past 6 in the evening", time(18, 25)),
    ("five to seven", time(6, 55)),
    ("ten minutes past 8", time(8, 10)),
    ("5 mins to 9", time(8, 55)),
    ("quarter past noon", time(12, 15)),
    ("quarter to midnight", time(23, 45)),
    ("half past midnight", time(0, 30)),
    ("half seven", time(7, 30)),  # British: 7:30
    ("half 8", time(8, 30)),
    # parts of the day
    ("7 in the morning", time(7, 0)),
    ("8 in the evening", time(20, 0)),
    ("3 in the afternoon", time(15, 0)),
    ("10 at night", time(22, 0)),
    ("12 at night", time(0, 0)),
    ("6:30 in the morning", time(6, 30)),
    ("7.30 in the evening", time(19, 30)),
    ("seven in the evening", time(19, 0)),
    ("9 this evening", time(21, 0)),
    ("8 tonight", time(20, 0)),
    ("19:00 in the evening", time(19, 0)),
    ("7am in the morning", time(7, 0)),
    ("12 in the afternoon", time(12, 0)),
    # hours and minutes in words
    ("seven thirty", time(7, 30)),
    ("seven thirty pm", time(19, 30)),
    ("Seven fifteen", time(7, 15)),
    ("seven forty five", time(7, 45)),
    ("seven forty-five in the evening", time(19, 45)),
    ("seven oh five", time(7, 5)),
    ("nineteen thirty", time(19, 30)),
    ("twenty one fifteen", time(21, 15)),
    ("nineteen hundred", time(19, 0)),
    ("seven", time(7, 0)),
    ("seven pm", time(19, 0)),
    ("eight p.m.", time(20, 0)),
    ("seven o'clock", time(7, 0)),
    ("7 o'clock", time(7, 0)),
    ("7 oclock", time(7, 0)),
    ("seven o clock in the evening", time(19, 0)),
    ("twelve noon", time(12, 0)),
    ("12 midnight", time(0, 0)),
    # roughly
    ("noonish", time(12, 0)),
    ("around noon", time(12, 0)),
    ("7ish", time(7, 0)),
    ("7-ish", time(7, 0)),
    ("around 7", time(7, 0)),
    ("about 7:30", time(7, 30)),
    ("at about 8pm", time(20, 0)),
    ("approx 6.45", time(6, 45)),
    ("roughly half past six", time(6, 30)),
    ("7:30ish", time(7, 30)),
    ("8pm or so", time(20, 0)),
    ("at around 9 in the evening", time(21, 0)),
    # other spellings
    ("19h", time(19, 0)),
    ("1900 hours", time(19, 0)),
    ("7pm!", time(19, 0)),
    ("7:30?", time(7, 30)),
    ("Half past seven.", time(7, 30)),
]


def test_the_everyday_table_is_big_enough() -> None:
    assert len(EVERYDAY) >= 60


@pytest.mark.parametrize(("typed", "expected"), EVERYDAY)
def test_everyday_phrases_read_as_the_time_people_mean(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "question"),
    [
        ("after work", "What time do you usually finish work? Send a time like 18:00."),
        ("After work!", "What time do you usually finish work?"),
        ("when I finish work", "What time do you usually finish work?"),
        ("before work", "before work? Send a time like 7:00."),
        ("before bed", "What time do you usually go to bed?"),
        ("bedtime", "What time do you usually go to bed?"),
        ("in the morning", "What time in the morning? Send a time like 7:30."),
        ("morning", "What time in the morning?"),
        ("evening", "What time in the evening? Send a time like 19:00."),
        ("tonight", "What time in the evening?"),
        ("in the afternoon", "What time in the afternoon?"),
        ("at night", "What time at night?"),
        ("lunchtime", "What time do you have lunch? Send a time like 12:30."),
        ("after lunch", "What time do you have lunch?"),
        ("after dinner", "What time do you usually have dinner?"),
        ("when i wake up", "What time do you usually get up?"),
        ("after breakfast", "What time do you usually get up?"),
        ("after school", "What time are you usually free then?"),
        ("now", "Which time of day would you like?"),
        ("every day", "Which time of day would you like?"),
    ],
)
def test_a_vague_answer_gets_a_question_back(typed: str, question: str) -> None:
    with pytest.raises(TimeQuestion) as error:
        parse_time(typed)
    assert question in str(error.value)
    assert any(ch.isdigit() for ch in str(error.value)), "the question shows an example time"


@pytest.mark.parametrize(
    "typed",
    [
        "half past",
        "quarter to",
        "half past thirty",
        "quarter past 25",
        "seven five",  # minutes as a lone unit: 7:05 or 7:50?
        "twenty five",  # 20:05? 25?
        "seven sixty",
        "7am in the evening",
        "7pm in the morning",
        "19 in the morning",
        "12 in the morning",  # midnight or noon?
        "2 in the evening",
        "noon in the evening",
        "seventy",
        "sevn thirty",  # a typo is never guessed
        "half past seven thirty",
        "hlaf past 7",
    ],
)
def test_unclear_phrases_are_refused_not_guessed(typed: str) -> None:
    with pytest.raises(TimeParseError):
        parse_time(typed)


@pytest.mark.parametrize("typed", ["abc", "25:00", "sevn thirty", "half past"])
def test_unreadable_text_is_not_mistaken_for_a_vague_time(typed: str) -> None:
    """Only a vague time keeps a conversation asking; junk may be something else."""
    with pytest.raises(TimeParseError) as error:
        parse_time(typed)
    assert not isinstance(error.value, TimeQuestion)
