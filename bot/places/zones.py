"""Time zone names: which are valid, how to show them, one loaded `ZoneInfo` per zone.

We always store an IANA name, never an offset, so daylight saving is followed. Zones are
checked against the set of names the zone database knows (no file access per check:
a name like `America` is a folder, not a zone), and `zone_info` keeps each zone's rules
loaded, so the reminder sweep does not re-read a zone file per row.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

MAX_CHOICES = 5


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


@functools.cache
def _valid_names() -> frozenset[str]:
    return frozenset(available_timezones() - {"localtime"}) | {"UTC"}


def is_valid_zone(name: str) -> bool:
    """A zone name the database knows (`Europe/Berlin`, `US/Eastern`, `Etc/GMT+4`)."""
    return name in _valid_names()


@functools.cache
def zone_info(name: str) -> ZoneInfo:
    """The zone's rules, loaded once per process (raises for an unknown name)."""
    if not is_valid_zone(name):
        raise ValueError(f"not an IANA zone: {name!r}")
    return ZoneInfo(name)


def warm_zones() -> None:
    """Load every zone's rules now (about 600 small files, some 30 ms; the start-up's
    worker thread), so no sweep or reply is the first to read one."""
    for name in _valid_names():
        zone_info(name)


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


@functools.cache
def _geographic_zones() -> tuple[str, ...]:
    """Zones named after a place (`Asia/Kolkata`), not aliases like `Etc/…` or `US/…`."""
    prefixes: tuple[str, ...] = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/")
    prefixes += ("Australia/", "Europe/", "Indian/", "Pacific/")
    return tuple(sorted(z for z in available_timezones() if z.startswith(prefixes)))
