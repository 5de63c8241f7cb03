"""The reminder set-up conversation, as data: which question is open and what has been
answered. Pure; stored by `bot.services.setup`, asked by `bot.handlers.reminders`.

Every path is the same conversation: a time (typed after /reminder, in `/reminder 7:30`,
or a button) is followed by "every day or weekdays?"; a zone is asked first when we have
none; "Change time zone" on the days question comes back to it with the time kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

# A set-up left unanswered this long is gone: a later message is not an answer to it.
TIMEOUT_SECONDS = 600.0


class SetupStep(StrEnum):
    TIME = "time"  # "When should I remind you?"
    ZONE = "zone"  # "Which time zone are you in?"
    DAYS = "days"  # "Every day, or only on weekdays?"


@dataclass(frozen=True, slots=True)
class Setup:
    user_id: int
    step: SetupStep
    pending_time: str | None = None  # "HH:MM", once chosen
    weekdays_only: bool | None = None  # once chosen (before the zone was known)
    updated_at: float = 0.0

    def is_current(self, now: float) -> bool:
        return now - self.updated_at < TIMEOUT_SECONDS


AfterZone = Literal["save", "ask_days", "done"]


def after_zone(setup: Setup | None) -> AfterZone:
    """Once the zone is known: save (time and days both chosen), ask the days (a time is
    waiting), or nothing more (only the zone was being set)."""
    if setup is None or setup.pending_time is None:
        return "done"
    return "save" if setup.weekdays_only is not None else "ask_days"


_EVERY_DAY = {"every day", "everyday", "daily", "all days", "each day", "every", "all week"}
_WEEKDAYS = {
    "weekdays",
    "weekdays only",
    "only weekdays",
    "only on weekdays",
    "on weekdays",
    "weekday",
    "workdays",
    "work days",
    "working days",
    "mon fri",
    "monday to friday",
    "monday friday",
}


def parse_days(text: str) -> bool | None:
    """A typed answer to "every day or weekdays?": True for weekdays only, False for every
    day, None if it is neither."""
    words = " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())
    words = words.removeprefix("please ").removesuffix(" please")
    if words in _EVERY_DAY:
        return False
    if words in _WEEKDAYS:
        return True
    return None
