"""The reminder set-up as data: what comes after the zone, typed days, the time-out."""

from __future__ import annotations

import pytest

from bot.core.setup import TIMEOUT_SECONDS, Setup, SetupStep, after_zone, parse_days


@pytest.mark.parametrize(
    ("text", "weekdays"),
    [
        ("every day", False),
        ("Every day!", False),
        ("daily", False),
        ("everyday please", False),
        ("weekdays", True),
        ("Weekdays only", True),
        ("only on weekdays", True),
        ("Mon-Fri", True),
        ("monday to friday", True),
        ("work days", True),
        ("hmm", None),
        ("weekends", None),
        ("7:30", None),
        ("", None),
    ],
)
def test_typed_answers_to_every_day_or_weekdays(text: str, weekdays: bool | None) -> None:
    assert parse_days(text) is weekdays


def test_after_the_zone_the_set_up_goes_back_to_where_it_was() -> None:
    assert after_zone(None) == "done"
    assert after_zone(Setup(1, SetupStep.ZONE)) == "done"  # /timezone on its own
    assert after_zone(Setup(1, SetupStep.ZONE, "19:00")) == "ask_days"
    assert after_zone(Setup(1, SetupStep.ZONE, "19:00", True)) == "save"


def test_ten_quiet_minutes_end_a_set_up() -> None:
    setup = Setup(1, SetupStep.DAYS, "07:30", updated_at=1000.0)
    assert setup.is_current(1000.0 + TIMEOUT_SECONDS - 1)
    assert not setup.is_current(1000.0 + TIMEOUT_SECONDS)
