"""Reading a time of day the way people type it: `7:30`, `07:30`, `7.30`, `7 30`,
`7:30 pm`, `19:30`, `7pm`, `noon`. Pure: no Telegram, no clock.

Anything we cannot read with certainty raises `TimeParseError`; we never guess a time
from a typo, because a wrong guess means a reminder at the wrong hour every day.
"""

from __future__ import annotations

import re
from datetime import time

EXAMPLES = "7:30, 07:30, 7.30, 7:30 pm, 19:30 or 7pm"

_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}

# hour, optional minutes after `:` `.` `h` or a space (`7 30`) or written on (`0730`),
# optional am/pm (`am`, `a.m.`, `a.m`; a lone `a` or `p` is refused: `7 a` is an error).
_TIME = re.compile(
    r"""^(?:at\s+)?
    (?P<hour>\d{1,2})
    (?:\s*[:.h]\s*(?P<minute>\d{2})|\s+(?P<spaced>\d{2})|(?P<compact>\d{2}))?
    (?:\s*(?P<half>[ap])\.?\s*m\.?)?$""",
    re.VERBOSE,
)


class TimeParseError(ValueError):
    """The text is not a time of day we can read; the message says what was wrong."""


def parse_time(text: str) -> time:
    """A wall-clock time from free text; raises `TimeParseError` if it is not one."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _TIME.match(cleaned)
    if match is None:
        raise TimeParseError(f"I can't read that as a time. Try {EXAMPLES}.")
    hour = int(match.group("hour"))
    minute_text = match.group("minute") or match.group("spaced") or match.group("compact")
    minute = int(minute_text) if minute_text else 0
    half = match.group("half")
    if minute > 59:
        raise TimeParseError(f"Minutes go up to 59. Try {EXAMPLES}.")
    if half is not None:
        if not 1 <= hour <= 12:
            raise TimeParseError(f"With am/pm the hour is 1 to 12. Try {EXAMPLES}.")
        hour = hour % 12 + (12 if half == "p" else 0)
    elif hour > 23:
        raise TimeParseError(f"Hours go up to 23. Try {EXAMPLES}.")
    return time(hour, minute)


def format_time(value: time) -> str:
    """24-hour `07:30`: unambiguous in every country."""
    return f"{value.hour:02d}:{value.minute:02d}"


def time_from_hhmm(text: str) -> time | None:
    """`0730` or `07:30` (our own storage and button format) back to a time, or None."""
    digits = text.replace(":", "")
    if not re.fullmatch(r"\d{4}", digits):
        return None
    hour, minute = int(digits[:2]), int(digits[2:])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
