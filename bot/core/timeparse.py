"""Reading a time of day the way people type it: `7:30`, `07:30`, `7.30`, `7 30`,
`7:30 pm`, `19:30`, `7pm`, `noon`, and in words: `half past seven`, `quarter to 8`,
`seven thirty`, `7 in the morning`, `8 in the evening`, `noonish`, `around 7`.
Pure: no Telegram, no clock.

Anything we cannot read with certainty raises `TimeParseError`; we never guess a time
from a typo, because a wrong guess means a reminder at the wrong hour every day. A vague
answer ("after work", "in the morning", "before bed") gets a question back in the error's
message ("What time do you usually finish work? Send a time like 18:00.").

Without am/pm or a part of the day, an hour is read on the 24-hour clock, in words as in
digits: "7", "seven" and "half past seven" are all morning times.
"""

from __future__ import annotations

import re
from datetime import time

EXAMPLES = "7:30, 07:30, 7.30, 7:30 pm, 19:30 or 7pm"

_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_NOON_WORDS = _WORDS | {
    "twelve noon": time(12, 0),
    "12 noon": time(12, 0),
    "twelve midnight": time(0, 0),
    "12 midnight": time(0, 0),
}

# hour, optional minutes after `:` `.` `h` or a space (`7 30`) or written on (`0730`),
# optional am/pm (`am`, `a.m.`, `a.m`; a lone `a` or `p` is refused: `7 a` is an error).
_TIME = re.compile(
    r"""^(?:at\s+)?
    (?P<hour>\d{1,2})
    (?:\s*[:.h]\s*(?P<minute>\d{2})|\s+(?P<spaced>\d{2})|(?P<compact>\d{2}))?
    (?:\s*(?P<half>[ap])\.?\s*m\.?)?$""",
    re.VERBOSE,
)

# --- words ----------------------------------------------------------------------------------

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50}
_ZERO = {"oh", "o", "zero"}

# Vague answers, and the question that gets a time instead (each example is a real time).
_QUESTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), question)
    for pattern, question in (
        (r"\b(?:after|when i finish|finishing|end of) (?:work|my shift|the office)\b|"
         r"\bafter my shift\b", "What time do you usually finish work? Send a time like 18:00."),
        (r"\b(?:before|start of) (?:work|my shift)\b",
         "What time would suit you before work? Send a time like 7:00."),
        (r"\b(?:before|at) (?:bed|bedtime|sleep|going to bed)\b|\bbedtime\b|\bbed time\b",
         "What time do you usually go to bed? Send a time like 22:00."),
        (r"\b(?:when i|after i) (?:wake|get) up\b|\bafter (?:i wake|waking|breakfast)\b"
         r"|\bbreakfast\b|\bfirst thing\b",
         "What time do you usually get up? Send a time like 7:00."),
        (r"\blunch\w*\b", "What time do you have lunch? Send a time like 12:30."),
        (r"\b(?:dinner|supper|tea ?time)\b",
         "What time do you usually have dinner? Send a time like 19:00."),
        (r"\b(?:after|when) (?:school|the kids are|i get home|i come home|i am home)\b",
         "What time are you usually free then? Send a time like 16:30."),
        (r"^(?:in the |this |every |tomorrow |early |late )?morning\w*$",
         "What time in the morning? Send a time like 7:30."),
        (r"^(?:in the |this |every |tomorrow |early |late )?afternoon\w*$",
         "What time in the afternoon? Send a time like 15:00."),
        (r"^(?:in the |this |every |tomorrow |early |late )?(?:evening\w*|tonight)$",
         "What time in the evening? Send a time like 19:00."),
        (r"^(?:at |every |late at )?night\w*$", "What time at night? Send a time like 21:30."),
        (r"^(?:now|right now|asap|soon|later|whenever|any ?time|every day|daily|today"
         r"|tomorrow)$", f"Which time of day would you like? Send a time like {EXAMPLES}."),
    )
)  # fmt: skip

# A part of the day after the time: "7 in the morning", "8 in the evening", "10 at night".
_PERIOD = re.compile(
    r"\s+(?:(?:in|during) the |this |at |tonight at |every )?"
    r"(?P<period>morning|afternoon|evening|night|tonight)$"
)
_AMPM = re.compile(r"\s*(?P<half>[ap])\.?\s*m\.?$")
_FUZZY_START = re.compile(
    r"^(?:at |around |about |approx\.? |approximately |roughly |circa |maybe |say |by )+"
)
_FUZZY_END = re.compile(r"\s*-?\s*ish$|\s+or so$")
_OCLOCK = re.compile(r"\s*o\s*'?\s*clock$")
_WORD_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")  # "twenty-five", "half-past"
_HOURS_SUFFIX = re.compile(r"(?<=\d)\s*(?:h|hrs|hours)$")
_RELATIVE = re.compile(
    r"^(?:(?P<half>half)|(?:a )?(?P<quarter>quarter)|(?P<minutes>[\w ]+?)(?: minutes?| mins?)?)"
    r" (?P<direction>past|after|to|before|til|till) (?P<hour>[\w ]+)$"
)


class TimeParseError(ValueError):
    """The text is not a time of day we can read; the message says what was wrong."""


class TimeQuestion(TimeParseError):
    """The text names a moment but no time ("after work", "in the morning"): the message is
    the question that gets one. A conversation asking for a time stays open for the answer
    instead of treating the text as something else (a question about work, about sleep)."""


def parse_time(text: str) -> time:
    """A wall-clock time from free text; raises `TimeParseError` if it is not one."""
    lowered = _WORD_HYPHEN.sub(" ", text.strip().lower().replace("’", "'"))
    cleaned = " ".join(lowered.split())
    cleaned = cleaned.rstrip("!?,;").strip()
    if cleaned.endswith(".") and not _AMPM.search(cleaned):
        cleaned = cleaned[:-1].strip()  # "Half past seven." but not "7 p.m."
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _TIME.match(cleaned)
    if match is not None:
        return _from_digits(match)
    for pattern, question in _QUESTIONS:
        if pattern.search(cleaned):
            raise TimeQuestion(question)
    return _from_phrase(cleaned)


def _from_digits(match: re.Match[str]) -> time:
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


def _from_phrase(cleaned: str) -> time:
    """Spoken forms: fuzzy words off ("around", "ish"), then the part of the day ("in the
    evening", "pm"), then the time itself in digits or words."""
    core = _FUZZY_END.sub("", _FUZZY_START.sub("", cleaned)).strip()
    period: str | None = None
    found = _PERIOD.search(core)
    if found is not None:
        period, core = found.group("period"), core[: found.start()].strip()
    elif (ampm := _AMPM.search(core)) is not None and core[: ampm.start()].strip():
        period, core = ampm.group("half"), core[: ampm.start()].strip()
    core = _HOURS_SUFFIX.sub("", _OCLOCK.sub("", core)).strip()
    if core in _NOON_WORDS and period is None:
        return _NOON_WORDS[core]
    digits = _TIME.match(core)
    if digits is not None:
        value = _from_digits(digits)
        if digits.group("half") is None:
            return time(_apply_period(value.hour, period), value.minute)
        # "7am in the morning" says it twice, the same way; "7am in the evening" doesn't.
        morning = value.hour < 12
        if period in (None, "night") or (period == "morning") == morning:
            return value
        raise TimeQuestion(f"Morning or evening? Try {EXAMPLES}.")
    hour_minute = _relative(core) or _spoken(core)
    if hour_minute is None:
        raise TimeParseError(f"I can't read that as a time. Try {EXAMPLES}.")
    hour, minute = hour_minute
    return time(_apply_period(hour, period), minute)


def _relative(core: str) -> tuple[int, int] | None:
    """ "half past seven", "quarter to 8", "twenty five past 6", "10 to midnight"; and the
    British "half seven" (7:30)."""
    found = _RELATIVE.match(core)
    if found is None:
        british = re.fullmatch(r"half (\S+)", core)
        hour = _hour(british.group(1)) if british else None
        return (hour, 30) if hour is not None else None
    if found.group("half"):
        minutes: int | None = 30
    elif found.group("quarter"):
        minutes = 15
    else:
        minutes = _number(found.group("minutes").split())
    hour = _hour(found.group("hour"))
    if minutes is None or hour is None or not 1 <= minutes <= 59:
        return None
    total = hour * 60 + (minutes if found.group("direction") in ("past", "after") else -minutes)
    total %= 24 * 60
    return total // 60, total % 60


def _spoken(core: str) -> tuple[int, int] | None:
    """ "seven", "seven thirty", "seven oh five", "nineteen thirty", "twenty one fifteen"."""
    words = core.split()
    for split in (2, 1):
        if len(words) < split:
            continue
        hour = _number(words[:split])
        if hour is None or hour > 23:
            continue
        rest = words[split:]
        if not rest:
            return hour, 0
        if rest == ["hundred"]:
            return hour, 0
        minute = _minutes(rest)
        if minute is not None:
            return hour, minute
    return None


def _minutes(words: list[str]) -> int | None:
    """Minutes said after an hour: "thirty", "forty five", "oh five", "fifteen". A lone
    unit ("seven five") is too unclear to read."""
    if len(words) == 2 and words[0] in _ZERO and words[1] in _UNITS:
        return _UNITS[words[1]]
    if len(words) == 1 and words[0] in _UNITS:
        return None
    value = _number(words)
    return value if value is not None and 10 <= value <= 59 else None


def _number(words: list[str]) -> int | None:
    """0-59 from words or digits: "seven", "twenty five", "forty", "7", "25"."""
    if len(words) == 1:
        word = words[0]
        if word.isdigit() and len(word) <= 2:
            return int(word)
        return _UNITS.get(word, _TEENS.get(word, _TENS.get(word)))
    if len(words) == 2 and words[0] in _TENS and words[1] in _UNITS:
        return _TENS[words[0]] + _UNITS[words[1]]
    return None


def _hour(text: str) -> int | None:
    """The hour of "half past <hour>": a number 0-23 in words or digits, noon, midnight."""
    if text in _WORDS:
        return _WORDS[text].hour
    hour = _number(text.split())
    return hour if hour is not None and hour <= 23 else None


def _apply_period(hour: int, period: str | None) -> int:
    """The 24-hour hour for "7" + "evening", "7" + "p"; refuses what doesn't fit."""
    if period is None:
        return hour
    if period in ("a", "p"):
        if not 1 <= hour <= 12:
            raise TimeParseError(f"With am/pm the hour is 1 to 12. Try {EXAMPLES}.")
        return hour % 12 + (12 if period == "p" else 0)
    if hour >= 13:
        # "19:00 in the evening" is clear; "19:00 in the morning" is not.
        if period in ("afternoon", "evening", "night", "tonight"):
            return hour
        raise TimeParseError(f"{hour}:00 isn't in the morning. Try {EXAMPLES}.")
    if period == "morning":
        if hour == 12 or hour == 0:
            raise TimeQuestion("Do you mean 00:00 (midnight) or 12:00 (noon)?")
        return hour
    if period == "afternoon":
        if hour == 12:
            return 12
        if 1 <= hour <= 7:
            return hour + 12
    elif period in ("evening", "tonight"):
        if 4 <= hour <= 11:
            return hour + 12
    elif period == "night":
        if 6 <= hour <= 11:
            return hour + 12
        if hour == 12:
            return 0
        if 1 <= hour <= 4:
            return hour
    raise TimeQuestion(f"{hour} in the {period} is unclear. Send a time like 19:30.")


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
