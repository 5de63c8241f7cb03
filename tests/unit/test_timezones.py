"""People name their place in many ways; we always end with an IANA zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.timezones import lookup, parse_offset, zone_at, zone_label

SUMMER = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("Munich", "Europe/Berlin"),  # a city that is not a zone name
        ("München", "Europe/Berlin"),
        ("Pune", "Asia/Kolkata"),
        ("New York", "America/New_York"),
        ("Bombay", "Asia/Kolkata"),  # an older name
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("asia/kolkata", "Asia/Kolkata"),
        ("America/New_York", "America/New_York"),
        ("Auckland", "Pacific/Auckland"),
        ("India", "Asia/Kolkata"),  # a country with one zone
        ("utc", "UTC"),
    ],
)
def test_cities_countries_and_zone_names(typed: str, zone: str) -> None:
    result = lookup(typed, SUMMER)
    assert result.exact is not None
    assert result.exact.zone == zone


def test_an_ambiguous_city_offers_choices() -> None:
    result = lookup("Portland", SUMMER)
    assert result.exact is None
    zones = [choice.zone for choice in result.choices]
    assert zones[:2] == ["America/Los_Angeles", "America/New_York"]
    assert "Oregon" in result.choices[0].label and "Maine" in result.choices[1].label


def test_a_typo_offers_the_closest_matches() -> None:
    result = lookup("Berln", SUMMER)
    assert result.exact is None
    assert result.choices[0].zone == "Europe/Berlin"
    assert lookup("Europe/Berln", SUMMER).choices[0].zone == "Europe/Berlin"


def test_an_unknown_place_has_no_match() -> None:
    result = lookup("Qwxzzy", SUMMER)
    assert result.exact is None and result.choices == ()


@pytest.mark.parametrize(
    ("typed", "zone", "label"),
    [
        ("UTC-4", "Etc/GMT+4", "UTC-4"),  # Etc signs are inverted
        ("+2", "Etc/GMT-2", "UTC+2"),
        ("GMT+10", "Etc/GMT-10", "UTC+10"),
        ("+5:30", "Asia/Kolkata", "Asia/Kolkata"),  # no Etc zone: the most populous one
        ("+05:45", "Asia/Kathmandu", "Asia/Kathmandu"),
        ("+0", "UTC", "UTC"),
    ],
)
def test_offsets_become_iana_zones(typed: str, zone: str, label: str) -> None:
    result = lookup(typed, SUMMER)
    assert result.exact is not None
    assert (result.exact.zone, result.exact.label) == (zone, label)
    assert zone_label(zone) == label


def test_offset_parsing_limits() -> None:
    assert parse_offset("-3:30") == -timedelta(hours=3, minutes=30)
    assert parse_offset("UTC +5") == timedelta(hours=5)
    assert parse_offset("+15") is None
    assert parse_offset("+5:17") is None
    assert parse_offset("Berlin") is None


def test_a_shared_location_maps_to_its_zone() -> None:
    assert zone_at(52.52, 13.405) == "Europe/Berlin"
    assert zone_at(18.52, 73.85) == "Asia/Kolkata"
    assert zone_at(-36.85, 174.76) == "Pacific/Auckland"
    assert zone_at(91.0, 0.0) is None
