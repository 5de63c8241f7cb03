"""What each button acts on, as typed values (no strings to split, no Telegram).

Views put these in their rows; `bot.handlers.callbacks` is the one codec that turns them
into `callback_data` (≤ 64 bytes) and back. A forged, unknown or malformed string decodes
to `Unknown`, never to an exception, so a handler only ever sees a well-formed press.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RoutineTap(StrEnum):
    """A routine button. The state-changing ones mirror `bot.core.routine.Action`."""

    NEXT = "n"
    SHOW_ALL = "a"
    START_HOLD = "h"
    RELEASE = "e"
    SKIP = "s"
    HURT = "o"
    PAUSE = "p"
    RESUME = "r"
    STOP = "x"  # 🛑 Stop: asks "Stop the routine?" first (a slip of the thumb is easy)
    PAIN = "v"  # with a score 0-10
    # Stop at once: "Stop" on that question, "Not now" on the first pain score, "Stop for
    # today" after It hurts (answers to a question the screen asks; see the routine view).
    CONFIRM_STOP = "X"
    # Not state changes: they explain or re-show the current step.
    KEEP_GOING = "k"  # "Keep going" on the stop question: the step again, in place
    WHY = "w"
    WHY_ALL = "W"  # Why?, pressed on the whole card: the answer keeps the card whole
    SHOW = "c"  # show the current step again, as a new message
    RESTART = "new"  # stop the open routine and begin a fresh one


@dataclass(frozen=True, slots=True)
class RoutineButton:
    """Carries the run and the version it was drawn for: an old or doubled press is seen."""

    run_id: int
    version: int
    tap: RoutineTap
    value: int | None = None  # the pain score, for PAIN


class SafetyChoice(StrEnum):
    NONE = "none"  # none of the warning signs applies
    SOME = "some"  # one applies: which list?
    URGENT = "urgent"
    DOCTOR = "doctor"


@dataclass(frozen=True, slots=True)
class SafetyButton:
    choice: SafetyChoice
    # The screen was shown because /routine needed it: "None of these apply" goes on
    # into the routine.
    then_routine: bool = False


@dataclass(frozen=True, slots=True)
class GoOnToday:
    """The answer to "your pain rose earlier today: still go on?" (gently, or rest)."""

    go_on: bool


@dataclass(frozen=True, slots=True)
class ForgetButton:
    confirm: bool


@dataclass(frozen=True, slots=True)
class TopicButton:
    """A "did you mean" or /why choice: send that topic's answer."""

    topic_id: str


# -- reminders and time zones ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PickTime:
    hhmm: str  # "0730"


@dataclass(frozen=True, slots=True)
class PickDays:
    hhmm: str
    weekdays_only: bool


@dataclass(frozen=True, slots=True)
class ChangeTime:
    pass


@dataclass(frozen=True, slots=True)
class TurnOff:
    pass


@dataclass(frozen=True, slots=True)
class SetWeekdays:
    weekdays_only: bool


@dataclass(frozen=True, slots=True)
class Pause:
    days: int


@dataclass(frozen=True, slots=True)
class Resume:
    pass


class ReminderTap(StrEnum):
    """The buttons on a sent reminder."""

    START = "go"
    SNOOZE = "snz"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class ReminderButton:
    tap: ReminderTap
    day: date  # the local date the reminder was for


@dataclass(frozen=True, slots=True)
class AskZone:
    pass


@dataclass(frozen=True, slots=True)
class SetZone:
    zone: str  # an IANA name; checked again when pressed


# -- progress, the weekly goal, the dose tap, the morning check-in (issue 12) ----------------


@dataclass(frozen=True, slots=True)
class ProgressButton:
    """Show /progress with the chart of the last `days` days (14 or 30)."""

    days: int


@dataclass(frozen=True, slots=True)
class GoalButton:
    """Open the goal picker (None), or set the weekly goal to `goal` (3-7)."""

    goal: int | None = None


class Felt(StrEnum):
    """The optional tap after an exercise: Easy / About right / Too hard."""

    EASY = "easy"
    RIGHT = "right"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class FeedbackButton:
    """How an exercise felt. Carries the run and the exercise's place in it, so a tap on an
    old message still lands on the routine it was for (and only its owner's counts)."""

    run_id: int
    exercise_index: int
    felt: Felt


@dataclass(frozen=True, slots=True)
class CheckinButton:
    """Turn the morning check-in on or off."""

    on: bool


@dataclass(frozen=True, slots=True)
class WakeTime:
    """The usual wake-up time, picked from the check-in's offer."""

    hhmm: str  # "0700"


@dataclass(frozen=True, slots=True)
class CheckinScore:
    """The answer to "How's your back this morning?": the local date it was asked for."""

    day: date
    score: int


@dataclass(frozen=True, slots=True)
class PicturesButton:
    """The exercise pictures: "Text only" under a picture (show=False), or "Pictures on"."""

    show: bool


@dataclass(frozen=True, slots=True)
class Unknown:
    """Anything the codec could not read: forged, truncated, or from an old version."""


ReminderPayload = PickTime | PickDays | ChangeTime | TurnOff | SetWeekdays | Pause | Resume
ZonePayload = AskZone | SetZone
ProgressPayload = (
    ProgressButton | GoalButton | FeedbackButton | CheckinButton | WakeTime | CheckinScore
)
Payload = (
    RoutineButton
    | GoOnToday
    | SafetyButton
    | ForgetButton
    | TopicButton
    | ReminderPayload
    | ReminderButton
    | ZonePayload
    | ProgressPayload
    | PicturesButton
    | Unknown
)
