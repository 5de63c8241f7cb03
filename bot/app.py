"""`build_application`: the one place that knows every part and wires them together."""

from __future__ import annotations

import logging
from typing import cast

from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.content import Content, load_content
from bot.context import BotApp, BotContext, Deps
from bot.core.answers import AnswerMatcher
from bot.core.clock import Clock, SystemClock
from bot.core.routine import Plan
from bot.handlers import errors, help, privacy, questions, reminders, routine, safety, start
from bot.holds import HoldTimers
from bot.reminders import ReminderService
from bot.sending import SEND_READ_TIMEOUT
from bot.tracking_bot import AnswerTrackingBot
from db.connection import Database

log = logging.getLogger(__name__)

# Every handler lives in group 0, where the first match wins; the catch-alls are
# registered last so they only see what no feature took. (Other groups would see every
# update again, and a button would be answered twice.)


def deps_of(app: BotApp) -> Deps:
    deps: Deps = app.bot_data["deps"]
    return deps


async def _post_init(app: BotApp) -> None:
    deps = deps_of(app)
    deps._db = await Database.open(deps.settings.database_path)
    await help.set_commands(app)
    await routine.restore_holds(app)
    if deps.reminders is not None:
        await deps.reminders.start(app)
    log.info("BackCoach is ready (database %s)", deps.settings.database_path)


async def _post_stop(app: BotApp) -> None:
    """After updates stop, before the HTTP client closes: let reminder sends finish."""
    deps = deps_of(app)
    if deps.reminders is not None:
        await deps.reminders.stop()


async def _post_shutdown(app: BotApp) -> None:
    deps = deps_of(app)
    if deps._db is not None:
        await deps._db.close()
        deps._db = None


def build_application(
    settings: Settings,
    *,
    content: Content | None = None,
    clock: Clock | None = None,
) -> BotApp:
    """Build the bot. Nothing touches the network or the database until `initialize()`
    and `post_init` run (run_polling does both; tests use `start_application`)."""
    content = content if content is not None else load_content()
    clock = clock if clock is not None else SystemClock()
    app = cast(
        BotApp,
        Application.builder()
        .bot(
            AnswerTrackingBot(
                token=settings.token,
                base_url=settings.bot_url,
                base_file_url=settings.file_url,
                defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone),
                # A pool for replies, one for getUpdates. Sends wait longer for an
                # answer than PTB's 5 s: a slow answer is not retried (bot/sending.py).
                request=HTTPXRequest(connection_pool_size=256, read_timeout=SEND_READ_TIMEOUT),
                get_updates_request=HTTPXRequest(),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build(),
    )
    deps = Deps(
        settings=settings,
        content=content,
        clock=clock,
        plan=Plan.from_content(content),
        holds=HoldTimers(),
        matcher=AnswerMatcher(content),
    )
    deps.reminders = ReminderService(deps)
    app.bot_data["deps"] = deps

    help.register(app)
    start.register(app)
    safety.register(app)
    privacy.register(app)
    # The reminder set-up conversation first: while it runs, its /cancel and the typed
    # times and places are its own (outside it, /cancel falls through to the routine).
    reminders.register(app)
    routine.register(app)
    questions.register(app)
    errors.register(app)
    questions.register_free_text(app)
    help.register_fallbacks(app)  # last
    return app


async def start_application(app: BotApp, *, poll_timeout: float = 1.0) -> None:
    """What run_polling does, for callers that own the event loop (tests, playground):
    initialize, post_init, start polling, start dispatching."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=int(poll_timeout) or 1)
    await app.start()


async def stop_application(app: BotApp) -> None:
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
