"""`lookup(text)`: what zone does the user mean? Offsets, zone names, abbreviations,
US states, countries and cities, in that order.

- a US state (`Texas`, `Hawaii`) or a common abbreviation (`EST`, `PT`, `IST`, `CET`);
  an abbreviation with several meanings (`IST`: India, Ireland, Israel) offers them all;
- any name `zoneinfo` knows, legacy ones too (`US/Eastern`, `Etc/GMT+5`: what we store);
- a UTC offset (`+5:30`, `UTC-4`): see `bot.places.offsets`.

Two letters are never taken as an exact match: `LA` may be Los Angeles, Louisiana or
Laos, so every meaning is offered as a choice.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import available_timezones

from bot.places.gazetteer import _choices_from_cities, _country, _fuzzy, _Index, _index, _state
from bot.places.offsets import offset_choices, parse_offset
from bot.places.zones import MAX_CHOICES, Lookup, ZoneChoice, is_valid_zone, normalize, zone_label

# Abbreviations and nicknames people type for a zone: (zone, what it is). One entry is an
# exact match (except for two-letter keys, see `_two_letters`); several are choices.
_Meaning = tuple[tuple[str, str], ...]
_EASTERN: _Meaning = (("America/New_York", "US Eastern Time (New York)"),)
_CENTRAL: _Meaning = (("America/Chicago", "US Central Time (Chicago)"),)
_MOUNTAIN: _Meaning = (
    ("America/Denver", "US Mountain Time (Denver)"),
    ("America/Phoenix", "Arizona, no daylight saving (Phoenix)"),
)
_PACIFIC: _Meaning = (("America/Los_Angeles", "US Pacific Time (Los Angeles)"),)
_CET: _Meaning = tuple(
    (zone, f"Central European Time ({zone.split('/')[1]})")
    for zone in ("Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw")
)
_EET: _Meaning = tuple(
    (zone, f"Eastern European Time ({zone.split('/')[1]})")
    for zone in ("Europe/Athens", "Europe/Bucharest", "Europe/Helsinki", "Europe/Kyiv")
    if is_valid_zone(zone)
)
_ABBREVIATIONS: dict[str, _Meaning] = {
    **dict.fromkeys(("est", "edt", "et", "eastern time"), _EASTERN),
    **dict.fromkeys(("cst", "cdt", "ct", "central time"), _CENTRAL),
    **dict.fromkeys(("mst", "mt", "mountain time"), _MOUNTAIN),
    "mdt": _MOUNTAIN[:1],
    **dict.fromkeys(("pst", "pdt", "pt", "pacific time"), _PACIFIC),
    **dict.fromkeys(("akst", "akdt"), (("America/Anchorage", "Alaska Time (Anchorage)"),)),
    **dict.fromkeys(("hst", "hast"), (("Pacific/Honolulu", "Hawaii Time (Honolulu)"),)),
    "gmt": (("Europe/London", "UK time (London)"), ("UTC", "Fixed UTC (no daylight saving)")),
    "bst": (("Europe/London", "British Summer Time (London)"), ("Asia/Dhaka", "Bangladesh")),
    **dict.fromkeys(("wet", "west"), (("Europe/Lisbon", "Western European Time (Lisbon)"),)),
    **dict.fromkeys(("cet", "cest", "met"), _CET),
    **dict.fromkeys(("eet", "eest"), _EET),
    "msk": (("Europe/Moscow", "Moscow Time"),),
    "ist": (
        ("Asia/Kolkata", "India Standard Time"),
        ("Europe/Dublin", "Irish Standard Time"),
        ("Asia/Jerusalem", "Israel Standard Time"),
    ),
    "pkt": (("Asia/Karachi", "Pakistan Time"),),
    "hkt": (("Asia/Hong_Kong", "Hong Kong Time"),),
    "sgt": (("Asia/Singapore", "Singapore Time"),),
    "jst": (("Asia/Tokyo", "Japan Standard Time"),),
    "kst": (("Asia/Seoul", "Korea Standard Time"),),
    "awst": (("Australia/Perth", "Australian Western Time (Perth)"),),
    "acst": (
        ("Australia/Adelaide", "Australian Central Time (Adelaide)"),
        ("Australia/Darwin", "Australian Central Time, no daylight saving (Darwin)"),
    ),
    "acdt": (("Australia/Adelaide", "Australian Central Time (Adelaide)"),),
    "aest": (
        ("Australia/Sydney", "Australian Eastern Time (Sydney, Melbourne)"),
        ("Australia/Brisbane", "Australian Eastern Time, no daylight saving (Brisbane)"),
    ),
    "aedt": (("Australia/Sydney", "Australian Eastern Time (Sydney, Melbourne)"),),
    **dict.fromkeys(("nzst", "nzdt"), (("Pacific/Auckland", "New Zealand Time"),)),
    "ast": (
        ("America/Halifax", "Atlantic Time (Halifax)"),
        ("America/Puerto_Rico", "Atlantic Time, no daylight saving (Puerto Rico)"),
        ("Asia/Riyadh", "Arabia Standard Time (Riyadh)"),
    ),
    "adt": (("America/Halifax", "Atlantic Time (Halifax)"),),
    **dict.fromkeys(("nst", "ndt"), (("America/St_Johns", "Newfoundland Time (St. John's)"),)),
    "la": (("America/Los_Angeles", "Los Angeles, California"),),
    "nyc": (("America/New_York", "New York City"),),
    "uk": (("Europe/London", "United Kingdom"),),
    "uae": (("Asia/Dubai", "United Arab Emirates"),),
}


def _meaning(entries: _Meaning) -> tuple[ZoneChoice, ...]:
    return tuple(ZoneChoice(zone, f"{what} · {zone}") for zone, what in entries)


@functools.cache
def _all_zone_names() -> dict[str, str]:
    """Every name `zoneinfo` knows, by its normalized form: `us/eastern` → `US/Eastern`."""
    return {normalize(zone): zone for zone in available_timezones() if zone != "localtime"}


def _flat(result: Lookup) -> tuple[ZoneChoice, ...]:
    return (result.exact,) if result.exact is not None else result.choices


def _unique(choices: tuple[ZoneChoice, ...] | list[ZoneChoice]) -> tuple[ZoneChoice, ...]:
    out: dict[str, ZoneChoice] = {}
    for choice in choices:
        out.setdefault(choice.zone, choice)
    return tuple(out.values())[:MAX_CHOICES]


def _two_letters(key: str, index: _Index) -> tuple[ZoneChoice, ...]:
    """`LA`: Los Angeles, Louisiana or Laos? Every meaning, as choices."""
    found: list[ZoneChoice] = list(_meaning(_ABBREVIATIONS.get(key, ())))
    if key in index.state_codes and index.state_codes[key] in index.states:
        found += _flat(_state(*index.states[index.state_codes[key]]))
    if key in index.country_codes:
        found += _flat(_country(*index.country_codes[key]))
    if key in index.primary:
        found += _flat(_choices_from_cities(index.primary[key]))
    return _unique(found)


def lookup(text: str, now: datetime | None = None) -> Lookup:
    """What zone does the user mean by `text`? See the module docstring."""
    now = now or datetime.now(UTC)
    raw = text.strip()
    if not raw or len(raw) > 80:
        return Lookup(None)
    key = normalize(raw)
    if key in ("utc", "z", "etc/utc", "zulu", "universal"):
        return Lookup(ZoneChoice("UTC", "UTC"))
    offset = parse_offset(raw)
    if offset is not None:
        return Lookup(None, offset_choices(offset, now))
    if "/" in key and key in _all_zone_names():
        zone = _all_zone_names()[key]
        return Lookup(ZoneChoice(zone, zone_label(zone)))
    index = _index()
    if len(key) == 2:
        return Lookup(None, _two_letters(key, index))
    if key in _ABBREVIATIONS:
        meanings = _meaning(_ABBREVIATIONS[key])
        return Lookup(meanings[0]) if len(meanings) == 1 else Lookup(None, meanings)
    if key in index.zones and key not in index.primary:
        zone = index.zones[key]
        return Lookup(ZoneChoice(zone, zone))
    # A name may be a city, a US state and a country at once (`Georgia`, `Washington`):
    # one zone if they agree, otherwise all of them as choices.
    hits = [
        found
        for found in (
            _choices_from_cities(index.primary[key]) if key in index.primary else None,
            _state(*index.states[key]) if key in index.states else None,
            _country(*index.countries[key]) if key in index.countries else None,
        )
        if found is not None and (found.exact is not None or found.choices)
    ]
    if len(hits) == 1:
        return hits[0]
    if hits:
        merged = _unique([choice for found in hits for choice in _flat(found)])
        return Lookup(merged[0]) if len(merged) == 1 and hits[0].exact else Lookup(None, merged)
    if key in index.alternate:
        return _choices_from_cities(index.alternate[key])
    if key in _all_zone_names():  # legacy names without a slash: `EST5EDT`, `Navajo`
        zone = _all_zone_names()[key]
        return Lookup(ZoneChoice(zone, zone_label(zone)))
    return Lookup(None, _fuzzy(key, index))
