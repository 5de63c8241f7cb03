"""What every handler can reach: settings, database, content, clock and the services
built from them, behind one typed `context.deps` instead of string keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content import Content
from bot.core.answers import AnswerMatcher
from bot.core.clock import Clock
from bot.core.routine import Plan
from db.connection import Database

if TYPE_CHECKING:
    from bot.holds import HoldTimers
    from bot.reminders import ReminderService


@dataclass
class Deps:
    settings: Settings
    content: Content
    clock: Clock
    plan: Plan
    holds: HoldTimers
    matcher: AnswerMatcher
    # Daily reminders: the sweep job and the paced send queue (started in post_init).
    reminders: ReminderService | None = None
    # Opened in post_init, closed in post_shutdown.
    _db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is opened in post_init; the app is not initialized")
        return self._db

    def now(self) -> float:
        return self.clock.now().timestamp()


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`context.deps` in every handler and job callback."""

    @property
    def deps(self) -> Deps:
        deps: Deps = self.application.bot_data["deps"]
        return deps


BotApp = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
