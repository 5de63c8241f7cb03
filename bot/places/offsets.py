"""UTC offsets typed as a time zone (`+5:30`, `UTC-4`).

An offset does not say which rules a place follows (UTC-4 is New York in summer and
Halifax in winter), so a typed offset always offers choices: the real zones that have
that offset at `now`, most populous first (or, if none has it right now, those that have
it at some time of the year: -3:30 is Newfoundland in winter), and a fixed zone with no
daylight saving: `Etc/GMT+4`, last; for +5:30 and the like, where no `Etc/` zone exists,
the most populous place that keeps that offset all year, Asia/Kolkata, which is a real
zone too and takes its place among them by population.

Each choice is labelled by what it saves: `New York City (America/New_York)`, `Fixed
UTC-4 (no daylight saving)` for `Etc/GMT+4`, and `India time (Asia/Kolkata), no daylight
saving · Mumbai` (or `Darwin (Australia/Darwin), no daylight saving` where the country
keeps several times).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.places.gazetteer import country_time, place_label, ranked
from bot.places.zones import MAX_CHOICES, ZoneChoice, _geographic_zones, _zone_data, zone_info

_OFFSET = re.compile(
    r"^(?:utc|gmt|z)?\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?:(?::|\.|h)?(?P<minutes>\d{2}))?$"
)


def parse_offset(text: str) -> timedelta | None:
    """`+5:30`, `UTC-4`, `GMT+2`, `-03:00`, `+0530` → an offset; None if not an offset."""
    match = _OFFSET.match(text.strip().lower().replace(" ", ""))
    if match is None:
        return None
    hours, minutes = int(match.group("hours")), int(match.group("minutes") or 0)
    if minutes not in (0, 30, 45) or hours > 14:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if match.group("sign") in "-−" else offset


def offset_text(offset: timedelta) -> str:
    """`UTC+5:30`, `UTC-4`, `UTC` for a zero offset."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _offset_at(zone: str, at: datetime) -> timedelta | None:
    return at.astimezone(zone_info(zone)).utcoffset()


def _zones_with_offset(offset: timedelta, at: datetime) -> list[str]:
    return [zone for zone in _geographic_zones() if _offset_at(zone, at) == offset]


def fixed_zone(offset: timedelta, now: datetime) -> str | None:
    """A zone that keeps `offset` all year: `Etc/GMT±N` for whole hours (`UTC` for 0);
    for +5:30 and the like the most populous zone with that offset every month of the
    year; None if there is none (-3:30 is only ever Newfoundland's winter time)."""
    total_minutes = int(offset.total_seconds() // 60)
    if total_minutes % 60 == 0:
        hours = total_minutes // 60
        if not -12 <= hours <= 14:
            return None
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    months = [datetime(now.year, month, 1, 12, tzinfo=UTC) for month in range(1, 13)]
    steady = [
        z
        for z in _zones_with_offset(offset, now)
        if all(_offset_at(z, m) == offset for m in months)
    ]
    return ranked(steady)[0] if steady else None


def _steady_label(zone: str) -> str:
    """A real zone that keeps its offset all year, named by what it saves."""
    city = place_label(zone).split(" (")[0]
    country = country_time(zone)
    if country is not None:
        return f"{country} ({zone}), no daylight saving · {city}"
    return f"{city} ({zone}), no daylight saving"


def offset_choices(offset: timedelta, now: datetime) -> tuple[ZoneChoice, ...]:
    """What a typed offset may mean (see the module docstring), each labelled by the zone
    it saves."""
    total_minutes = int(offset.total_seconds() // 60)
    if not -12 * 60 <= total_minutes <= 14 * 60:
        return ()
    real = _zones_with_offset(offset, now)
    if not real:
        # Nobody has it right now, but someone may in the other half of the year.
        seasons = [datetime(now.year, month, 15, 12, tzinfo=UTC) for month in (1, 7)]
        real = list(dict.fromkeys(z for at in seasons for z in _zones_with_offset(offset, at)))
    fixed = fixed_zone(offset, now)
    if fixed is not None and not fixed.startswith("Etc/") and fixed != "UTC":
        # The fixed choice is a real place: ranked with the others, said plainly.
        steady = _zone_data(fixed)
        zones = ranked([zone for zone in real if _zone_data(zone) != steady] + [fixed])
        return tuple(
            ZoneChoice(zone, _steady_label(zone) if zone == fixed else place_label(zone))
            for zone in zones[:MAX_CHOICES]
        )
    fixed_data = _zone_data(fixed) if fixed else b""
    zones = ranked([zone for zone in real if _zone_data(zone) != fixed_data])
    choices = [ZoneChoice(zone, place_label(zone)) for zone in zones]
    if fixed is None:
        return tuple(choices[:MAX_CHOICES])
    label = f"Fixed {offset_text(offset)} (no daylight saving)"
    return (*choices[: MAX_CHOICES - 1], ZoneChoice(fixed, label))
