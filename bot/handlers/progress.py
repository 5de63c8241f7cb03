"""/progress, /goal, /export, the dose tap after each exercise, and the morning check-in
(issue 12). Thin: the use cases are `bot.services.progress` and `bot.services.checkins`,
the words `bot.views.progress`, the chart is rendered off the event loop by
`bot.runtime.charts`.

Only the wake-up time needs a conversation (it can be typed); every button carries what
it acts on, so they keep working after a restart.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from datetime import date, time
from typing import get_args

from telegram import Bot, InputMediaPhoto, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import places
from bot.core import schedule
from bot.core.buttons import (
    CheckinButton,
    CheckinScore,
    FeedbackButton,
    GoalButton,
    ProgressButton,
    ProgressPayload,
    WakeTime,
)
from bot.core.commands import command_word
from bot.core.progress import SeeSomeone, default_checkin_time
from bot.core.routine import RoutineState
from bot.core.text import esc
from bot.core.timeparse import TimeParseError, parse_time, time_from_hhmm
from bot.handlers.callbacks import decode, markup, matches
from bot.handlers.common import (
    edit_or_send,
    query_message,
    remember_user,
    send_screen,
    send_unasked,
)
from bot.runtime.deps import BotContext
from bot.services.checkins import DueCheckIn
from bot.services.progress import Progress
from bot.services.reminders import SendOutcome
from bot.views import progress as view
from bot.views.screen import Screen

log = logging.getLogger(__name__)

ASK_WAKE = 0
END = ConversationHandler.END
TIMEOUT_SECONDS = 600


# -- /progress --------------------------------------------------------------------------------


async def progress_command(update: Update, context: BotContext) -> None:
    user = await remember_user(update, context)
    if user is not None:
        show(context, user.user_id, user.chat_id)


def show(
    context: BotContext, user_id: int, chat_id: int, *, days: int = 14, edit: Message | None = None
) -> None:
    """Send the progress text with its chart (one photo; with fewer than two routines, the
    honest text alone), as a new message or (`edit`, the chart switch) in place.

    It runs in a task of its own: PTB handles updates one at a time, and a chart can wait
    for the one chart worker behind many others (1,000 users asking in the same minute),
    so nobody's button press waits for it (`make bench-progress` measures this)."""
    context.application.create_task(
        _show(context, user_id, chat_id, days, edit), name=f"progress-{user_id}"
    )


async def _show(
    context: BotContext, user_id: int, chat_id: int, days: int, edit: Message | None
) -> None:
    deps = context.deps
    data = await deps.progress.progress(user_id)
    screen = view.progress(
        data.report,
        deps.content,
        days=days,
        checkin_on=data.checkin_on,
        zone_known=data.zone_known,
    )
    if not data.report.enough:
        await edit_or_send(edit, chat_id, context, screen)
        return
    if edit is None:
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    await _send_chart(context, user_id, chat_id, data, screen, days, edit)


async def _send_chart(
    context: BotContext,
    user_id: int,
    chat_id: int,
    data: Progress,
    screen: Screen,
    days: int,
    edit: Message | None,
) -> None:
    png = await context.deps.charts.render(
        data.history.recent, data.history.checkins, zone=data.zone, today=data.today, days=days
    )
    if edit is not None:
        media = InputMediaPhoto(png, caption=screen.text, parse_mode=ParseMode.HTML)
        try:
            await edit.edit_media(media, reply_markup=markup(screen.rows))
            return
        except BadRequest as exc:
            log.info("could not switch the chart in place (%s); sending anew", exc)
    await context.bot.send_photo(
        chat_id, png, caption=screen.text, reply_markup=markup(screen.rows)
    )
    await see_someone_once(context, user_id, chat_id, data.report.see_someone, data.checkin_on)


async def see_someone_once(
    context: BotContext,
    user_id: int,
    chat_id: int,
    reason: SeeSomeone | None,
    checkin_on: bool,
) -> None:
    """ "Worth seeing a GP or physiotherapist", the first time there is a reason only."""
    if reason is not None and await context.deps.progress.first_time_see_someone(user_id, reason):
        await send_screen(context, chat_id, view.see_someone(reason, checkin_on=checkin_on))


# -- /goal ------------------------------------------------------------------------------------


async def goal_command(update: Update, context: BotContext) -> None:
    """/goal: pick 3-7; /goal 4 sets it at once."""
    user = await remember_user(update, context)
    if user is None:
        return
    typed = " ".join(context.args or []).strip()
    service = context.deps.progress
    if not typed:
        await send_screen(context, user.chat_id, view.goal_prompt(await service.goal(user.user_id)))
        return
    goal = view.parse_goal(typed)
    if goal is None:
        await send_screen(context, user.chat_id, view.goal_out_of_range())
        return
    week = await service.set_goal(user.user_id, goal)
    await send_screen(context, user.chat_id, view.goal_set(week))


# -- /export ----------------------------------------------------------------------------------


async def export_command(update: Update, context: BotContext) -> None:
    """/export: the user's whole history as a CSV file, times in their zone."""
    user = await remember_user(update, context)
    if user is None:
        return
    deps = context.deps
    data = await deps.progress.export(user.user_id)
    if not data.routines and not data.checkins:
        await context.bot.send_message(user.chat_id, view.NOTHING_TO_EXPORT)
        return
    csv = view.export_csv(data.routines, data.exercises, data.checkins, deps.content, data.zone)
    await context.bot.send_document(
        user.chat_id,
        csv,
        filename=view.export_filename(data.today),
        caption=esc(view.export_caption(data.zone)),
    )


# -- the dose tap -----------------------------------------------------------------------------


async def offer_feedback(
    context: BotContext,
    old: RoutineState,
    ended: tuple[int, str, str],
    message: Message | None,
) -> None:
    """An exercise just ended. Done: the message it ended on keeps its text and its
    buttons become the optional Easy / About right / Too hard row. Skipped (or stopped,
    which already counts as too hard): its buttons just go."""
    index, _, outcome = ended
    rows = [view.feedback_row(old.run_id, index)] if outcome == "done" else []
    message_id = message.message_id if message is not None else old.message_id
    if message_id is None:
        return
    if not rows and message is not None and not message.reply_markup:
        return
    with contextlib.suppress(BadRequest):  # too old, or already without buttons
        await context.bot.edit_message_reply_markup(
            old.chat_id, message_id, reply_markup=markup(rows)
        )


async def _feedback(update: Update, context: BotContext, payload: FeedbackButton) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    saved = await context.deps.progress.feedback(
        payload.run_id, user.id, payload.exercise_index, payload.felt
    )
    if not saved:
        await query.answer(view.STALE)
        return
    await query.answer(view.feedback_ack(payload.felt))
    message = query_message(update)
    if message is not None:
        rows = view.feedback_chosen(payload.run_id, payload.exercise_index, payload.felt)
        with contextlib.suppress(BadRequest):  # the same tap twice: nothing to change
            await message.edit_reply_markup(markup(rows))


# -- the morning check-in ---------------------------------------------------------------------


async def deliver_checkin(bot: Bot, due: DueCheckIn, day: date) -> SendOutcome:
    """Send one morning check-in (called through the paced queue). Flood pauses and sends
    that never left propagate: the queue retries them. One that may have reached Telegram
    is never retried (UNKNOWN, counted as sent; see bot/runtime/sending.py)."""
    screen = view.checkin_prompt(day)
    outcome, _ = await send_unasked(bot, due.chat_id, screen, "check-in", due.user_id)
    return outcome


async def _turn_on(context: BotContext, user_id: int, chat_id: int, at: time) -> None:
    scheduled = await context.deps.checkins.turn_on(user_id, at)
    if scheduled is None:
        await context.bot.send_message(chat_id, view.CHECKIN_NEEDS_ZONE)
        return
    now = context.deps.clock.now()
    first = schedule.format_when(scheduled.first, now, places.zone_info(scheduled.zone))
    await send_screen(context, chat_id, view.checkin_on(scheduled.at, first))


async def _checkin_button(update: Update, context: BotContext, on: bool) -> int:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    checkins = context.deps.checkins
    if not on:
        await checkins.turn_off(user.id)
        await query.answer("Morning check-in off.")
        await send_screen(context, chat_id, view.checkin_off())
        return END
    await query.answer()
    _, zone_known = await context.deps.progress.zone(user.id)
    if not zone_known:  # the morning is a local morning: the zone comes first
        await context.bot.send_message(chat_id, view.CHECKIN_NEEDS_ZONE)
        return END
    settings = await checkins.settings(user.id)
    if settings.checkin_enabled and settings.checkin_time:
        await send_screen(context, chat_id, view.checkin_already_on(settings.checkin_time))
        return END
    stored = time_from_hhmm(settings.checkin_time) if settings.checkin_time else None
    if stored is not None:  # asked once: the time is kept while it is off
        await _turn_on(context, user.id, chat_id, stored)
        return END
    await send_screen(context, chat_id, view.checkin_offer())
    return ASK_WAKE


async def _wake_time(update: Update, context: BotContext, wake: time) -> int:
    user = update.effective_user
    assert user is not None
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    await _turn_on(context, user.id, chat_id, default_checkin_time(wake))
    return END


TextHandler = Callable[[Update, BotContext], Awaitable[None]]
_BARE_NUMBER = re.compile(r"^\s*\d{1,2}\s*$")


async def got_wake_text(update: Update, context: BotContext, elsewise: TextHandler) -> int:
    """The wake-up time, typed. Anything else that means something (a question, a warning
    sign, a routine word, a pain score for an open routine) leaves the question and goes
    to `elsewise`, the usual free-text handler."""
    message = update.effective_message
    user = await remember_user(update, context)
    if message is None or not message.text or user is None:
        return ASK_WAKE
    text = message.text
    try:
        wake = parse_time(text)
    except TimeParseError as exc:
        reply = context.deps.matcher.match(text)
        if reply.kind in ("red_flag", "answer") or command_word(text) is not None:
            await elsewise(update, context)
            return END
        await message.reply_text(f"{esc(str(exc))} {view.CHECKIN_TYPE_A_TIME}")
        return ASK_WAKE
    if _BARE_NUMBER.match(text) and await context.deps.routines.load_open(user.user_id):
        await elsewise(update, context)  # "7" mid-routine is a pain score, not 07:00
        return END
    return await _wake_time(update, context, wake)


async def _checkin_score(update: Update, context: BotContext, payload: CheckinScore) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    deps = context.deps
    message = query_message(update)
    saved = await deps.progress.record_checkin(user.id, payload.day, payload.score)
    if saved is None:
        await query.answer(view.CHECKIN_TOO_OLD)
        if message is not None:
            with contextlib.suppress(BadRequest):
                await message.edit_reply_markup(None)
        return
    await query.answer()
    await edit_or_send(
        message, chat_id, context, view.checkin_saved(saved.score, saved.day, saved.previous)
    )
    data = await deps.progress.progress(user.id)
    await see_someone_once(context, user.id, chat_id, data.report.see_someone, data.checkin_on)


async def cancel(update: Update, context: BotContext) -> int:
    if update.effective_message is not None:
        await update.effective_message.reply_text("Okay, the morning check-in stays off.")
    return END


async def timed_out(update: Update, context: BotContext) -> int:
    return END


# -- buttons ----------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> int:
    """Every progress button; each branch answers the query exactly once."""
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return END
    payload = decode(query.data)
    message = query_message(update)
    deps = context.deps
    match payload:
        case ProgressButton(days):
            await query.answer()
            # The switch on the chart edits it in place; "My progress" under a summary
            # (a text message) brings a new one.
            chart = message if message is not None and message.photo else None
            show(context, user.user_id, user.chat_id, days=days, edit=chart)
        case GoalButton(None):
            await query.answer()
            current = await deps.progress.goal(user.user_id)
            await send_screen(context, user.chat_id, view.goal_prompt(current))
        case GoalButton(int(goal)):
            week = await deps.progress.set_goal(user.user_id, goal)
            await query.answer(f"Goal: {goal} a week.")
            await edit_or_send(message, user.chat_id, context, view.goal_set(week))
        case FeedbackButton():
            await _feedback(update, context, payload)
        case CheckinButton(on):
            return await _checkin_button(update, context, on)
        case WakeTime(hhmm):
            wake = time_from_hhmm(hhmm)
            await query.answer()
            if wake is not None:
                if message is not None:
                    with contextlib.suppress(BadRequest):
                        await message.edit_reply_markup(None)
                return await _wake_time(update, context, wake)
        case CheckinScore():
            await _checkin_score(update, context, payload)
        case _:
            await query.answer(view.STALE)
    return END


def conversation(elsewise: TextHandler) -> ConversationHandler[BotContext]:
    """The progress buttons; only "turn the check-in on" may wait for a typed time.
    `elsewise` answers text that turns out not to be one (the free-text handler)."""

    async def wake_text(update: Update, context: BotContext) -> int:
        return await got_wake_text(update, context, elsewise)

    entry_points: list[BaseHandler[Update, BotContext, object]] = [
        CallbackQueryHandler(on_button, pattern=matches(*get_args(ProgressPayload))),
    ]
    with warnings.catch_warnings():
        # Button presses are tracked per chat, not per message: any progress button may
        # end the question for the wake-up time.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=entry_points,
            states={
                ASK_WAKE: [MessageHandler(filters.TEXT & ~filters.COMMAND, wake_text)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            conversation_timeout=TIMEOUT_SECONDS,
        )
