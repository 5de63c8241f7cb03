"""`build_application`: the one place that knows every part and wires them together.

Every handler is registered here, in one ordered list, so that who gets an update can be
read top to bottom. All live in group 0, where the first match wins (other groups would
see every update again, and a button would be answered twice).
"""

from __future__ import annotations

import functools
import gc
import logging
import ssl
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, cast, get_args

import httpx
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import places
from bot.config import Settings
from bot.content import Content, load_content
from bot.core.answers import AnswerMatcher
from bot.core.buttons import (
    ForgetButton,
    GoOnToday,
    PicturesButton,
    ReminderButton,
    ReminderPayload,
    RoutineButton,
    SafetyButton,
    TopicButton,
    ZonePayload,
)
from bot.core.clock import Clock, ScaledClock
from bot.core.routine import Plan
from bot.handlers import (
    errors,
    help,
    membership,
    pictures,
    privacy,
    questions,
    reminders,
    routine,
    safety,
    start,
    typed,
)
from bot.handlers import progress as progress_handlers
from bot.handlers.callbacks import matches
from bot.handlers.guard import PrivateChatsOnly
from bot.handlers.holds import restore_holds
from bot.media.figures import MediaLibrary
from bot.runtime.charts import ChartRenderer
from bot.runtime.deps import BotApp, BotContext, Deps, deps_of, install, uninstall
from bot.runtime.holds import HoldTimers
from bot.runtime.sending import SEND_READ_TIMEOUT, PacedSender
from bot.runtime.tracking_bot import AnswerTrackingBot
from bot.services.checkins import CheckinService
from bot.services.doses import RunPlans
from bot.services.media import MediaService
from bot.services.progress import ProgressService
from bot.services.reminders import ReminderService
from bot.services.routine import RoutineService
from bot.services.setup import SetupService
from bot.services.users import UserService
from bot.views.answers import AnswerTexts
from bot.workers import start_shared_duties, stop_shared_duties
from db.connection import Database

log = logging.getLogger(__name__)

Handler = BaseHandler[Update, BotContext, Any]

# Updates the bot asks Telegram for (polling and, later, webhooks).
# my_chat_member: a user who blocks the bot has their reminder turned off at once.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def handlers() -> list[Handler]:
    """Every handler, in the order PTB tries them (the first match wins)."""
    return [
        # The privacy guard before everything: the coach is a private conversation. What
        # comes from a group, or a press on a message outside the presser's own private
        # chat, stops here (bot.handlers.guard).
        PrivateChatsOnly(),
        # The user blocked or unblocked the bot (their private chat only).
        ChatMemberHandler(membership.on_my_status, ChatMemberHandler.MY_CHAT_MEMBER),
        # Edits first: an edited "/routine" must not start anything twice.
        MessageHandler(filters.UpdateType.EDITED, help.edited),
        CommandHandler("help", help.help_command),
        CommandHandler("start", start.start),
        CommandHandler("safety", safety.safety),
        CallbackQueryHandler(safety.answer_screen, pattern=matches(SafetyButton)),
        CommandHandler("forget", privacy.forget),
        CallbackQueryHandler(privacy.confirm, pattern=matches(ForgetButton)),
        # Reminders and time zones. Their set-up's open question lives in SQLite: typed
        # answers and /cancel reach it through `typed` (before the routine and questions).
        CommandHandler("reminder", reminders.reminder_command),
        CommandHandler("timezone", reminders.timezone_command),
        CallbackQueryHandler(
            reminders.on_button,
            pattern=matches(*get_args(ReminderPayload), *get_args(ZonePayload), ReminderButton),
        ),
        MessageHandler(filters.LOCATION, reminders.got_location),
        # Progress (issue 12): its buttons, and the typed wake-up time they may ask for
        # (text that is not one goes on to `typed`).
        progress_handlers.conversation(typed.on_text),
        CommandHandler("progress", progress_handlers.progress_command),
        CommandHandler("goal", progress_handlers.goal_command),
        CommandHandler("export", progress_handlers.export_command),
        CommandHandler("routine", routine.start_routine),
        CommandHandler("cancel", typed.cancel),
        CallbackQueryHandler(routine.on_button, pattern=matches(RoutineButton)),
        CallbackQueryHandler(routine.on_go_on_today, pattern=matches(GoOnToday)),
        CommandHandler("ask", questions.ask),
        CommandHandler("why", questions.why),
        CallbackQueryHandler(questions.on_suggestion, pattern=matches(TopicButton)),
        CommandHandler("pictures", pictures.pictures_command),
        CallbackQueryHandler(pictures.on_button, pattern=matches(PicturesButton)),
        # Free text: an answer the reminder set-up waits for wins, then questions.
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, typed.on_text),
        # Catch-alls last, so they only get what no feature took.
        CallbackQueryHandler(help.unknown_button),
        MessageHandler(filters.COMMAND, help.unknown_command),
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.LOCATION, help.not_text
        ),
    ]


def _warm_places(freeze_gc: bool) -> None:
    """Load the place index and every zone's rules. Then, with `freeze_gc` (the live
    bot), hand what start-up loaded (some 300,000 objects the collector tracks, most of
    them the city index, all kept for the process's life) to `gc.freeze`: a full garbage
    collection no longer walks them, so it stops being an 80 ms pause in whatever reply,
    release or sweep it lands in (bench-reminders: the busiest-minute sweep with every
    row written took 124-129 ms of CPU, 37-42 ms with the freeze)."""
    places.warm()
    if freeze_gc:
        gc.collect()
        gc.freeze()


def _post_init(
    settings: Settings,
    content: Content,
    clock: ScaledClock,
    matcher: AnswerMatcher,
    library: MediaLibrary,
    freeze_gc: bool = False,
) -> Callable[[BotApp], Coroutine[Any, Any, None]]:
    async def post_init(app: BotApp) -> None:
        """Open the database, build `Deps` once, then re-arm what was running."""
        db = await Database.open(settings.database)
        try:
            holds = HoldTimers(clock)
            plan = Plan.from_content(content)
            media = MediaService(db, library, clock)
            reminder_service = ReminderService(
                db,
                clock,
                PacedSender(),
                functools.partial(reminders.deliver, app.bot, content),
            )
            checkins = CheckinService(
                db,
                clock,
                reminder_service.sender,
                functools.partial(progress_handlers.deliver_checkin, app.bot),
            )
            install(
                app,
                Deps(
                    settings=settings,
                    content=content,
                    clock=clock,
                    plan=plan,
                    matcher=matcher,
                    db=db,
                    holds=holds,
                    users=UserService(db, clock),
                    routines=RoutineService(
                        db, plan, clock, holds.cancel, plans=RunPlans(db, content, clock)
                    ),
                    reminders=reminder_service,
                    setup=SetupService(db, clock),
                    media=media,
                    progress=ProgressService(db, content, clock),
                    checkins=checkins,
                    charts=ChartRenderer(),
                ),
            )
        except BaseException:
            # Not installed yet, so post_shutdown would not close it: aiosqlite's thread
            # would keep the process alive.
            await db.close()
            raise
        await help.set_commands(app)
        if settings.shares_database:  # several workers may share it: bot/workers.py
            await start_shared_duties(app, deps_of(app), settings)
        else:
            await restore_holds(app)
            await reminder_service.start()
            await checkins.recover_interrupted()
            _schedule_sweep(
                app, reminder_service, checkins, clock.real_seconds(settings.reminder_sweep_seconds)
            )
        # Only after the holds are re-armed: these threads hold the GIL for seconds of
        # pure-Python work, and re-arming 10,000 holds beside them took 1.6 s, not 0.3 s.
        # The city index (about a second of work) loads in a worker thread, not awaited:
        # start-up is no slower, and the first place lookup rarely waits.
        threading.Thread(
            target=_warm_places, args=(freeze_gc,), name="places-warm", daemon=True
        ).start()
        # Pictures missing from the cache are drawn in a worker thread; meanwhile, text.
        media.start()
        log.info("BackCoach is ready (database %s)", db.label)

    return post_init


def _schedule_sweep(
    app: BotApp,
    service: ReminderService[PacedSender],
    checkins: CheckinService[PacedSender],
    interval: float,
) -> None:
    """Catch up right away, then wake on the sweep interval (each minute by default),
    aligned to whole intervals of real time (reminders are at whole minutes) plus a
    little slack, so a 07:30 reminder goes out at 07:30:00.2, not at 07:30:59. The same
    job sends the morning check-ins through the same queue."""
    if app.job_queue is None:
        raise RuntimeError(
            "the reminder sweep needs PTB's JobQueue (python-telegram-bot[job-queue])"
        )

    async def sweep(context: BotContext) -> None:
        await service.sweep_logged()
        await checkins.sweep_logged()

    app.job_queue.run_once(sweep, 0.0, name="reminder-sweep-start")
    app.job_queue.run_repeating(
        sweep,
        interval=interval,
        first=interval - (time.time() % interval) + min(0.2, interval / 10),
        name="reminder-sweep",
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )


async def _post_stop(app: BotApp) -> None:
    """After updates stop, before the HTTP client closes: no hold timer fires any more
    (the database re-arms them at the next start); let reminder sends finish."""
    deps = deps_of(app)
    await stop_shared_duties(app)
    deps.holds.cancel_all()
    await deps.reminders.stop()
    await deps.media.stop()


async def _post_shutdown(app: BotApp) -> None:
    deps = uninstall(app)
    if deps is not None:
        deps.charts.close()
        await deps.db.close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's own default (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), built once per
    process and shared by both clients of every bot: loading the CA bundle takes about
    20 ms per client, and the tests start a few hundred bots."""
    return httpx.create_ssl_context()


def build_application(
    settings: Settings,
    *,
    content: Content | None = None,
    clock: Clock | None = None,
    media: MediaLibrary | None = None,
    matcher: AnswerMatcher | None = None,
    freeze_gc: bool = False,
) -> BotApp:
    """Build the bot. Nothing touches the network or the database until `initialize()`
    and `post_init` run (run_polling does both; tests use `start_application`). `media`:
    the exercise pictures (by default loaded from content, cached in settings.media_path).
    `matcher`: the question matcher built from this `content` (by default built here,
    about 0.1 s; the tests start hundreds of bots from one content and build it once).
    `freeze_gc`: the live process (`python -m bot`), see `_warm_places`."""
    content = content if content is not None else load_content()
    if media is None:
        media = MediaLibrary.load(settings.media_path, content)
    scaled = ScaledClock(settings.speed, clock)
    if matcher is None:
        matcher = AnswerMatcher(content, AnswerTexts(content))
    app = cast(
        BotApp,
        Application.builder()
        .bot(
            AnswerTrackingBot(
                token=settings.token,
                base_url=settings.bot_url,
                base_file_url=settings.file_url,
                defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=places.zone_info("UTC")),
                # A pool for replies, one for getUpdates. Sends wait longer for an answer
                # than PTB's 5 s: a slow answer is not retried (bot/runtime/sending.py).
                request=HTTPXRequest(
                    connection_pool_size=256,
                    read_timeout=SEND_READ_TIMEOUT,
                    httpx_kwargs={"verify": _tls_context()},
                ),
                get_updates_request=HTTPXRequest(httpx_kwargs={"verify": _tls_context()}),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init(settings, content, scaled, matcher, media, freeze_gc))
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build(),
    )
    for handler in handlers():
        app.add_handler(handler)
    app.add_error_handler(errors.on_error)
    return app


async def start_application(app: BotApp, *, poll_timeout: float = 1.0) -> None:
    """What run_polling does, for callers that own the event loop (tests, playground):
    initialize, post_init, start polling, start dispatching."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0.0, timeout=int(poll_timeout) or 1, allowed_updates=ALLOWED_UPDATES
    )
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
