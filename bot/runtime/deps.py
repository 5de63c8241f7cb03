"""What every handler and job can reach, behind one typed `context.deps`.

`Deps` is built once, in `post_init`, after the database is open, and never changes: no
optional field that is always set, no private field written from outside. `deps_of(app)`
is the one accessor (handlers use `context.deps`, which calls it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content import Content
from bot.core.answers import AnswerMatcher
from bot.core.clock import ScaledClock
from bot.core.routine import Plan
from bot.runtime.charts import ChartRenderer
from bot.runtime.holds import HoldTimers
from bot.runtime.sending import PacedSender
from bot.services.checkins import CheckinService
from bot.services.media import MediaService
from bot.services.progress import ProgressService
from bot.services.reminders import ReminderService
from bot.services.routine import RoutineService
from bot.services.setup import SetupService
from bot.services.users import UserService
from db.connection import Database

_KEY = "deps"


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    content: Content
    clock: ScaledClock
    plan: Plan
    matcher: AnswerMatcher
    db: Database
    holds: HoldTimers
    users: UserService
    routines: RoutineService
    reminders: ReminderService[PacedSender]
    setup: SetupService  # the reminder set-up conversation (its open question)
    media: MediaService  # the exercise pictures: which to send, their file_ids, Text only
    # Issue 12: /progress and its chart, the morning check-in (sent through the
    # reminders' sweep and paced queue).
    progress: ProgressService
    checkins: CheckinService[PacedSender]
    charts: ChartRenderer

    def now(self) -> float:
        return self.clock.timestamp()


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`context.deps` in every handler and job callback."""

    @property
    def deps(self) -> Deps:
        return deps_of(self.application)


BotApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]


def deps_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Deps:
    deps = app.bot_data.get(_KEY)
    if not isinstance(deps, Deps):
        raise RuntimeError("Deps are built in post_init: the application is not initialized")
    return deps


def install(app: Application[Any, Any, Any, Any, Any, Any], deps: Deps) -> None:
    app.bot_data[_KEY] = deps


def uninstall(app: Application[Any, Any, Any, Any, Any, Any]) -> Deps | None:
    deps = app.bot_data.pop(_KEY, None)
    return deps if isinstance(deps, Deps) else None
