"""The one codec for every button's `callback_data`.

Every button is built here from a typed payload (`bot.core.buttons`) and every press is
read back here. Telegram allows 64 bytes of callback data: `encode` checks it when the
button is built. `decode` never raises: forged, truncated or out-of-range data is
`Unknown`, so a handler never sees a half-parsed press.

Wire formats (kept stable so buttons on old messages keep working after a deploy):
`r:<run>:<version>:<tap>[score]`, `g:on|rest`, `s:<choice>[:r]`, `f:yes|no`, `q:<topic>`,
`m:…` reminders, `z:ask|set:<zone>`, `i:on|off` pictures, and for progress (issue 12)
`p:14|30`, `p:goal[:<n>]`, `d:<run>:<exercise index>:e|r|h` (the dose tap), `c:on|off`,
`c:w:<hhmm>`, `c:<yyyymmdd>:<score>` (the morning check-in).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.buttons import (
    AskZone,
    ChangeTime,
    CheckinButton,
    CheckinScore,
    FeedbackButton,
    Felt,
    ForgetButton,
    GoalButton,
    GoOnToday,
    Pause,
    Payload,
    PickDays,
    PickTime,
    PicturesButton,
    ProgressButton,
    ReminderButton,
    ReminderTap,
    Resume,
    RoutineButton,
    RoutineTap,
    SafetyButton,
    SafetyChoice,
    SetWeekdays,
    SetZone,
    TopicButton,
    TurnOff,
    Unknown,
    WakeTime,
)

MAX_BYTES = 64
_MAX_ID = 2**63 - 1  # SQLite and PostgreSQL BIGINT: anything larger is forged
_HHMM = re.compile(r"^([01]\d|2[0-3])[0-5]\d$")
_TOPIC = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")
_INT = re.compile(r"^(0|[1-9]\d{0,18})$")
CHART_DAYS = (14, 30)
GOALS = range(3, 8)  # bot.core.progress GOAL_MIN..GOAL_MAX
_MAX_EXERCISES = 100
_FELT = {Felt.EASY: "e", Felt.RIGHT: "r", Felt.HARD: "h"}


class CallbackTooLong(ValueError):
    """A button's data would exceed Telegram's 64 bytes: a bug in the view, caught early."""


def encode(payload: Payload) -> str:
    data = _encode(payload)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackTooLong(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def _encode(payload: Payload) -> str:
    match payload:
        case RoutineButton(run_id, version, tap, value):
            score = "" if value is None else str(value)
            return f"r:{run_id}:{version}:{tap.value}{score}"
        case GoOnToday(go_on):
            return "g:on" if go_on else "g:rest"
        case SafetyButton(choice, then_routine):
            return f"s:{choice.value}" + (":r" if then_routine else "")
        case ForgetButton(confirm):
            return "f:yes" if confirm else "f:no"
        case TopicButton(topic_id):
            return f"q:{topic_id}"
        case PickTime(hhmm):
            return f"m:t:{hhmm}"
        case PickDays(hhmm, weekdays_only):
            return f"m:d:{hhmm}:{'w' if weekdays_only else 'a'}"
        case ChangeTime():
            return "m:chg"
        case TurnOff():
            return "m:off"
        case SetWeekdays(weekdays_only):
            return f"m:wd:{int(weekdays_only)}"
        case Pause(days):
            return f"m:p:{days}"
        case Resume():
            return "m:res"
        case ReminderButton(tap, day):
            return f"m:{tap.value}:{day:%Y%m%d}"
        case AskZone():
            return "z:ask"
        case SetZone(zone):
            return f"z:set:{zone}"
        case PicturesButton(show):
            return "i:on" if show else "i:off"
        case ProgressButton(days):
            return f"p:{days}"
        case GoalButton(goal):
            return "p:goal" if goal is None else f"p:goal:{goal}"
        case FeedbackButton(run_id, index, felt):
            return f"d:{run_id}:{index}:{_FELT[felt]}"
        case CheckinButton(on):
            return "c:on" if on else "c:off"
        case WakeTime(hhmm):
            return f"c:w:{hhmm}"
        case CheckinScore(day, score):
            return f"c:{day:%Y%m%d}:{score}"
    raise ValueError(f"no callback data for {payload!r}")


def _int(text: str) -> int | None:
    if not _INT.match(text):
        return None
    value = int(text)
    return value if value <= _MAX_ID else None


def _day(text: str) -> date | None:
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _routine(parts: list[str]) -> Payload:
    if len(parts) != 4:
        return Unknown()
    run_id, version, token = _int(parts[1]), _int(parts[2]), parts[3]
    if run_id is None or version is None:
        return Unknown()
    if token.startswith(RoutineTap.PAIN.value):
        score = _int(token[1:])
        if score is None or score > 10:
            return Unknown()
        return RoutineButton(run_id, version, RoutineTap.PAIN, score)
    try:
        tap = RoutineTap(token)
    except ValueError:
        return Unknown()
    return RoutineButton(run_id, version, tap)


def _reminder(parts: list[str]) -> Payload:
    kind, args = parts[1] if len(parts) > 1 else "", parts[2:]
    if kind == "t" and len(args) == 1 and _HHMM.match(args[0]):
        return PickTime(args[0])
    if kind == "d" and len(args) == 2 and _HHMM.match(args[0]) and args[1] in ("a", "w"):
        return PickDays(args[0], args[1] == "w")
    if kind == "chg" and not args:
        return ChangeTime()
    if kind == "off" and not args:
        return TurnOff()
    if kind == "wd" and args in (["0"], ["1"]):
        return SetWeekdays(args[0] == "1")
    if kind == "p" and len(args) == 1:
        days = _int(args[0])
        return Pause(days) if days is not None and 1 <= days <= 30 else Unknown()
    if kind == "res" and not args:
        return Resume()
    if kind in {tap.value for tap in ReminderTap} and len(args) == 1:
        day = _day(args[0])
        return ReminderButton(ReminderTap(kind), day) if day is not None else Unknown()
    return Unknown()


def _progress(parts: list[str]) -> Payload:
    args = parts[1:]
    if len(args) == 1 and args[0] in {str(d) for d in CHART_DAYS}:
        return ProgressButton(int(args[0]))
    if args == ["goal"]:
        return GoalButton()
    if len(args) == 2 and args[0] == "goal" and args[1] in {str(g) for g in GOALS}:
        return GoalButton(int(args[1]))
    return Unknown()


def _feedback(parts: list[str]) -> Payload:
    if len(parts) != 4:
        return Unknown()
    run_id, index = _int(parts[1]), _int(parts[2])
    felt = {code: felt for felt, code in _FELT.items()}.get(parts[3])
    if run_id is None or index is None or index >= _MAX_EXERCISES or felt is None:
        return Unknown()
    return FeedbackButton(run_id, index, felt)


def _checkin(parts: list[str]) -> Payload:
    args = parts[1:]
    if args in (["on"], ["off"]):
        return CheckinButton(args[0] == "on")
    if len(args) == 2 and args[0] == "w" and _HHMM.match(args[1]):
        return WakeTime(args[1])
    if len(args) == 2:
        day, score = _day(args[0]), _int(args[1])
        if day is not None and score is not None and score <= 10:
            return CheckinScore(day, score)
    return Unknown()


def decode(data: object) -> Payload:
    """The payload of a press; `Unknown()` for anything not built by `encode`."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_BYTES:
        return Unknown()
    parts = data.split(":")
    head = parts[0]
    if head == "r":
        return _routine(parts)
    if head == "g" and len(parts) == 2 and parts[1] in ("on", "rest"):
        return GoOnToday(parts[1] == "on")
    if head == "s" and (len(parts) == 2 or parts[2:] == ["r"]):
        try:
            return SafetyButton(SafetyChoice(parts[1]), then_routine=len(parts) == 3)
        except ValueError:
            return Unknown()
    if head == "f" and len(parts) == 2 and parts[1] in ("yes", "no"):
        return ForgetButton(parts[1] == "yes")
    if head == "q" and len(parts) == 2 and _TOPIC.match(parts[1]):
        return TopicButton(parts[1])
    if head == "m":
        return _reminder(parts)
    if head == "i" and len(parts) == 2 and parts[1] in ("on", "off"):
        return PicturesButton(parts[1] == "on")
    if head == "z":
        if parts == ["z", "ask"]:
            return AskZone()
        zone = data.removeprefix("z:set:")
        if data.startswith("z:set:") and _ZONE.match(zone):
            return SetZone(zone)
    if head == "p":
        return _progress(parts)
    if head == "d":
        return _feedback(parts)
    if head == "c":
        return _checkin(parts)
    return Unknown()


def matches(*kinds: type) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern: the press decodes to one of `kinds`."""

    def check(data: object) -> bool:
        return isinstance(decode(data), kinds)

    return check


Button = tuple[str, Payload]


def markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Rows of (label, payload) as Telegram's inline keyboard; None for no buttons."""
    if not any(rows):
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=encode(payload)) for label, payload in row]
            for row in rows
            if row
        ]
    )
