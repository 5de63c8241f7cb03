"""People name their place in many ways; we always end with an IANA zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.places import (
    ZoneChoice,
    fixed_zone,
    lookup,
    offset_choices,
    parse_offset,
    zone_at,
    zone_label,
)

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


WINTER = datetime(2024, 12, 3, 12, 0, tzinfo=UTC)


def zones_offered(typed: str, now: datetime) -> list[str]:
    result = lookup(typed, now)
    assert result.exact is None, "an offset alone never picks a zone silently"
    return [choice.zone for choice in result.choices]


@pytest.mark.parametrize(
    ("typed", "fixed", "label"),
    [
        ("UTC-4", "Etc/GMT+4", "Fixed UTC-4 (no daylight saving)"),  # Etc signs are inverted
        ("+2", "Etc/GMT-2", "Fixed UTC+2 (no daylight saving)"),
        ("GMT+10", "Etc/GMT-10", "Fixed UTC+10 (no daylight saving)"),
        ("+0", "UTC", "Fixed UTC (no daylight saving)"),
    ],
)
def test_a_typed_offset_offers_real_places_then_the_fixed_offset_last(
    typed: str, fixed: str, label: str
) -> None:
    result = lookup(typed, SUMMER)
    assert result.exact is None
    assert 2 <= len(result.choices) <= 5
    last = result.choices[-1]
    assert (last.zone, last.label) == (fixed, label)
    assert zone_label(fixed) == label.removeprefix("Fixed ").removesuffix(" (no daylight saving)")


def test_a_new_yorker_typing_utc_minus_4_in_summer_can_pick_new_york() -> None:
    result = lookup("UTC-4", SUMMER)
    assert result.choices[0] == ZoneChoice("America/New_York", "New York City (America/New_York)")
    # In winter New York is UTC-5, so it is no longer offered for UTC-4 ...
    assert "America/New_York" not in zones_offered("UTC-4", WINTER)
    # ... but is for UTC-5.
    assert zones_offered("UTC-5", WINTER)[0] == "America/New_York"


def test_a_darwin_user_typing_plus_9_30_in_june_can_pick_darwin_not_only_adelaide() -> None:
    result = lookup("+9:30", SUMMER)
    zones = [choice.zone for choice in result.choices]
    assert zones[0] == "Australia/Adelaide"  # the most populous, with daylight saving
    # Labelled by what it saves: Australia keeps several times, so the city names it.
    assert ZoneChoice(
        "Australia/Darwin", "Darwin (Australia/Darwin), no daylight saving"
    ) in result.choices


def test_someone_in_india_typing_plus_5_30_can_pick_india() -> None:
    # India first (the most people), labelled by the zone it saves, not as "Fixed".
    assert zones_offered("+5:30", SUMMER) == ["Asia/Kolkata", "Asia/Colombo"]
    assert lookup("+5:30", SUMMER).choices[0].label == (
        "India time (Asia/Kolkata), no daylight saving · Mumbai"
    )
    assert zones_offered("+05:45", SUMMER) == ["Asia/Kathmandu"]  # one name per zone


def test_a_newfoundlander_typing_minus_3_30_in_summer_is_offered_newfoundland() -> None:
    # Newfoundland is UTC-2:30 in summer; -3:30 is its winter time, still a real place.
    assert zones_offered("-3:30", SUMMER) == ["America/St_Johns"]
    assert zones_offered("-3:30", WINTER) == ["America/St_Johns"]


def test_an_offset_nobody_uses_has_no_match_but_a_whole_hour_keeps_the_fixed_zone() -> None:
    assert lookup("+14:45", SUMMER).choices == ()
    assert zones_offered("-12", SUMMER) == ["Etc/GMT+12"]


def test_offset_choices_are_at_most_five_and_never_repeat_a_zone() -> None:
    for typed in ("+1", "-5", "+8", "+0", "+3"):
        for now in (SUMMER, WINTER):
            zones = zones_offered(typed, now)
            assert len(zones) == len(set(zones)) <= 5


def test_one_zone_for_an_offset_is_the_fixed_one() -> None:
    # One zone for an offset: the fixed one if there is one, else the most populous.
    assert fixed_zone(-timedelta(hours=4), SUMMER) == "Etc/GMT+4"
    assert fixed_zone(timedelta(hours=5, minutes=30), SUMMER) == "Asia/Kolkata"
    assert fixed_zone(-timedelta(hours=3, minutes=30), SUMMER) is None
    assert offset_choices(-timedelta(hours=3, minutes=30), SUMMER)[0].zone == "America/St_Johns"


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


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("CST", "America/Chicago"),
        ("MDT", "America/Denver"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("AKST", "America/Anchorage"),
        ("HST", "Pacific/Honolulu"),  # not zoneinfo's fixed "HST"
        ("JST", "Asia/Tokyo"),
        ("AEDT", "Australia/Sydney"),
        ("NZST", "Pacific/Auckland"),
        ("Hawaii", "Pacific/Honolulu"),
        ("California", "America/Los_Angeles"),
        ("US/Eastern", "US/Eastern"),  # legacy names zoneinfo knows
        ("us/pacific", "US/Pacific"),
        ("Etc/GMT+5", "Etc/GMT+5"),  # what we store for a fixed offset
        ("etc/gmt-14", "Etc/GMT-14"),
        ("EST5EDT", "EST5EDT"),
    ],
)
def test_an_american_can_type_a_time_zone_abbreviation_state_or_stored_name(
    typed: str, zone: str
) -> None:
    result = lookup(typed, SUMMER)
    assert result.exact is not None, result
    assert result.exact.zone == zone


def test_the_stored_fixed_zone_is_shown_as_an_offset() -> None:
    exact = lookup("Etc/GMT+5", SUMMER).exact
    assert exact is not None and exact.label == "UTC-5"


@pytest.mark.parametrize(
    ("typed", "zones"),
    [
        ("LA", ["America/Los_Angeles", "America/Chicago", "Asia/Vientiane"]),  # LA, Louisiana, Laos
        ("PT", ["America/Los_Angeles", "Europe/Lisbon"]),  # Pacific Time or Portugal
        ("NZ", ["Pacific/Auckland"]),
        ("IST", ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]),
        ("GMT", ["Europe/London", "UTC"]),
        ("BST", ["Europe/London", "Asia/Dhaka"]),
        ("MST", ["America/Denver", "America/Phoenix"]),  # Arizona keeps MST all year
        ("AEST", ["Australia/Sydney", "Australia/Brisbane"]),
        ("Texas", ["America/Chicago", "America/Denver"]),  # El Paso
    ],
)
def test_an_ambiguous_abbreviation_or_two_letters_offer_every_meaning(
    typed: str, zones: list[str]
) -> None:
    result = lookup(typed, SUMMER)
    assert result.exact is None
    assert [choice.zone for choice in result.choices][: len(zones)] == zones


def test_a_two_letter_code_is_never_saved_without_asking() -> None:
    for typed in ("LA", "la", "DE", "IN", "US", "CA", "NZ", "FR"):
        result = lookup(typed, SUMMER)
        assert result.exact is None, typed
        assert result.choices, typed


def test_eastern_standard_time_is_not_a_hungarian_town() -> None:
    for typed in ("EST", "PST", "Hawaii"):
        exact = lookup(typed, SUMMER).exact
        assert exact is not None
        assert "Pest" not in exact.label and "Kuwait" not in exact.label


def test_a_name_that_is_a_state_and_a_country_offers_both() -> None:
    zones = [choice.zone for choice in lookup("Georgia", SUMMER).choices]
    assert zones[:2] == ["America/New_York", "Asia/Tbilisi"]
    washington = [choice.zone for choice in lookup("Washington", SUMMER).choices]
    assert {"America/New_York", "America/Los_Angeles"} <= set(washington)


def test_utc_typed_as_a_word_is_utc() -> None:
    for typed in ("UTC", "utc", "Z", "Etc/UTC"):
        exact = lookup(typed, SUMMER).exact
        assert exact is not None and exact.zone in ("UTC", "Etc/UTC"), typed
