"""/reminder and /timezone: set a daily reminder in the user's own time zone, pause it,
turn it off, and the buttons on the reminder itself (Start routine, Snooze, Skip today).

Thin: parsing lives in `bot.core`, scheduling and storage in `bot.services.reminders`,
the words in `bot.views.reminders`. Buttons carry everything they need in their callback
data (see `bot.handlers.callbacks`), so they keep working after a restart; only typed
answers (a time, a place) need the small conversation below, which ends on /cancel or
after ten quiet minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import UTC, date, datetime
from typing import get_args

from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden
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
from bot.core.buttons import (
    AskZone,
    ChangeTime,
    Pause,
    PickDays,
    PickTime,
    ReminderButton,
    ReminderPayload,
    ReminderTap,
    Resume,
    SetWeekdays,
    SetZone,
    TurnOff,
    ZonePayload,
)
from bot.core.commands import command_word
from bot.core.redflags import detect_red_flag
from bot.core.text import esc
from bot.core.timeparse import TimeParseError, TimeQuestion, parse_time
from bot.handlers import questions
from bot.handlers.callbacks import decode, markup, matches
from bot.handlers.common import edit_or_send, query_message, remember_user, send_screen
from bot.runtime.deps import BotContext
from bot.runtime.sending import PacedSender
from bot.services.reminders import (
    SNOOZE,
    Due,
    Reminder,
    ReminderService,
    SendOutcome,
    occurrence_date,
)
from bot.views import reminders as view
from bot.views.screen import Screen

log = logging.getLogger(__name__)

ASK_TIME, ASK_ZONE = range(2)
END = ConversationHandler.END
TIMEOUT_SECONDS = 600
STALE_BUTTON = view.STALE_BUTTON


def _service(context: BotContext) -> ReminderService[PacedSender]:
    return context.deps.reminders


def _now(context: BotContext) -> datetime:
    return context.deps.clock.now()


def _set_pending(context: BotContext, hhmm: str, direct: bool) -> None:
    """A typed time waiting for the zone question (a cache: lost on restart, harmless)."""
    if context.user_data is not None:
        context.user_data["pending_time"] = (hhmm, direct)


def _pop_pending(context: BotContext) -> tuple[str, bool] | None:
    if context.user_data is None:
        return None
    pending: tuple[str, bool] | None = context.user_data.pop("pending_time", None)
    return pending


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    user = update.effective_user
    if chat is not None:
        return chat.id
    assert user is not None
    return user.id


# -- sending a due reminder (called by the reminder service through the paced queue) ----------


async def deliver(bot: Bot, minutes: int, due: Due, now: datetime) -> SendOutcome:
    """Send one reminder. Flood pauses and network errors propagate: the queue retries."""
    day = occurrence_date(due.reminder, places.zone_info(due.zone or "UTC"))
    screen = view.reminder_message(due, day, minutes, now)
    try:
        await bot.send_message(due.chat_id, screen.text, reply_markup=markup(screen.rows))
    except Forbidden:
        return SendOutcome.BLOCKED
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            return SendOutcome.BLOCKED
        # Our message is wrong: count the day as handled rather than loop.
        log.error("reminder for user %s rejected: %s", due.reminder.user_id, exc)
        return SendOutcome.REJECTED
    return SendOutcome.SENT


# -- asking -----------------------------------------------------------------------------------


async def _ask_time(update: Update, context: BotContext, intro: str = "") -> int:
    await send_screen(context, _chat_id(update), view.ask_time(intro))
    return ASK_TIME


async def _ask_zone(update: Update, context: BotContext, intro: str = "") -> int:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Share location", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder="City, zone or offset",
    )
    await context.bot.send_message(
        _chat_id(update), view.ask_zone_text(intro), reply_markup=keyboard
    )
    return ASK_ZONE


async def _ask_days(update: Update, context: BotContext, hhmm: str, zone: str) -> None:
    await send_screen(context, _chat_id(update), view.ask_days(hhmm, zone, _now(context)))


async def _have_time(update: Update, context: BotContext, hhmm: str, *, direct: bool) -> int:
    """A valid time: ask the zone first if we don't know it, then save or ask the days."""
    user = update.effective_user
    assert user is not None
    service = _service(context)
    zone, _ = await service.get(user.id)
    if zone is None:
        _set_pending(context, hhmm, direct)
        return await _ask_zone(update, context, view.got_time_first(hhmm))
    if direct:
        reminder = await service.set_time(user.id, hhmm)
        if reminder is not None:
            await context.bot.send_message(
                _chat_id(update), view.confirmation(reminder, zone, _now(context))
            )
        return END
    await _ask_days(update, context, hhmm, zone)
    return END


# -- commands ---------------------------------------------------------------------------------


async def reminder_command(update: Update, context: BotContext) -> int:
    """/reminder, /reminder 7:30, /reminder off."""
    user = await remember_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return END
    _pop_pending(context)
    argument = " ".join(context.args or []).strip()
    service = _service(context)
    if argument.lower() in ("off", "stop", "none", "no", "cancel"):
        await service.turn_off(user.user_id)
        await message.reply_text(view.TURNED_OFF)
        return END
    if argument:
        try:
            at = parse_time(argument)
        except TimeParseError as exc:
            await message.reply_text(f"{esc(str(exc))} Your reminder is unchanged.")
            return END
        return await _have_time(update, context, at.strftime("%H%M"), direct=True)
    zone, reminder = await service.get(user.user_id)
    if zone is not None and reminder is not None and reminder.enabled:
        await send_screen(context, user.chat_id, view.status(reminder, zone, _now(context)))
        return END
    return await _ask_time(update, context)


async def timezone_command(update: Update, context: BotContext) -> int:
    """/timezone, or /timezone Berlin."""
    user = await remember_user(update, context)
    if user is None:
        return END
    _pop_pending(context)
    argument = " ".join(context.args or []).strip()
    if argument:
        return await _zone_from_text(update, context, argument)
    zone, _ = await _service(context).get(user.user_id)
    intro = f"Your time zone: {view.zone_text(zone, _now(context))}." if zone else ""
    return await _ask_zone(update, context, intro)


async def cancel(update: Update, context: BotContext) -> int:
    _pop_pending(context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            "Okay, nothing changed.", reply_markup=ReplyKeyboardRemove()
        )
    return END


# -- typed answers ----------------------------------------------------------------------------


async def step_aside(update: Update, context: BotContext, text: str) -> bool:
    """While a time or a place is asked for, a warning sign, a question or a routine word
    ("next", "pause") is not an answer: leave the set-up and let it be handled as usual.
    Red flags always win."""
    user = await remember_user(update, context)
    if user is None:
        return False
    reply = context.deps.matcher.match(text)
    if reply.kind not in ("red_flag", "answer") and command_word(text) is None:
        return False
    _pop_pending(context)
    await context.bot.send_message(
        user.chat_id, view.LEFT_SETUP, reply_markup=ReplyKeyboardRemove()
    )
    await questions.respond(context, user, text)
    return True


async def timed_out(update: Update, context: BotContext) -> int:
    """The set-up was left unanswered: forget the half-chosen time."""
    _pop_pending(context)
    return END


async def got_time_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    if message is None or not message.text:
        return ASK_TIME
    try:
        at = parse_time(message.text)
    except TimeParseError as exc:
        # "after work" gets its question back; leaving the set-up is for anything else
        # (a question, a routine word) and for a red flag, which always wins.
        vague = isinstance(exc, TimeQuestion) and detect_red_flag(message.text) is None
        if not vague and await step_aside(update, context, message.text):
            return END
        await message.reply_text(f"{esc(str(exc))}\n\nSend /cancel to stop.")
        return ASK_TIME
    return await _have_time(update, context, at.strftime("%H%M"), direct=False)


async def _zone_from_text(update: Update, context: BotContext, text: str) -> int:
    message = update.effective_message
    assert message is not None
    # The first lookup loads the city list (about a second): keep the event loop free.
    result = await asyncio.to_thread(places.lookup, text, _now(context))
    if result.exact is not None:
        return await _zone_chosen(update, context, result.exact.zone)
    if result.choices:
        await send_screen(context, _chat_id(update), view.zone_choices(result.choices))
        return ASK_ZONE
    await message.reply_text(view.ZONE_UNKNOWN)
    return ASK_ZONE


async def got_zone_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    if message is None or not message.text:
        return ASK_ZONE
    # Checked before the place lookup, whose fuzzy match would turn "next" into Exeter.
    if await step_aside(update, context, message.text):
        return END
    return await _zone_from_text(update, context, message.text)


async def got_location(update: Update, context: BotContext) -> int:
    message = update.effective_message
    if await remember_user(update, context) is None or message is None:
        return END
    location = message.location
    zone = None
    if location is not None:
        zone = await asyncio.to_thread(places.zone_at, location.latitude, location.longitude)
    if zone is None:
        await message.reply_text("I couldn't find a time zone there. " + view.ZONE_UNKNOWN)
        return ASK_ZONE
    return await _zone_chosen(update, context, zone)


async def _zone_chosen(update: Update, context: BotContext, zone: str) -> int:
    user = update.effective_user
    assert user is not None
    service = _service(context)
    reminder = await service.set_zone(user.id, zone)
    now = _now(context)
    chat_id = _chat_id(update)
    await context.bot.send_message(
        chat_id, f"🌍 Time zone: {view.zone_text(zone, now)}.", reply_markup=ReplyKeyboardRemove()
    )
    pending = _pop_pending(context)
    if pending is not None:
        hhmm, direct = pending
        if direct:
            reminder = await service.set_time(user.id, hhmm)
            if reminder is not None:
                await context.bot.send_message(chat_id, view.confirmation(reminder, zone, now))
        else:
            await _ask_days(update, context, hhmm, zone)
    elif reminder is not None and reminder.enabled:
        await context.bot.send_message(
            chat_id,
            f"Your reminder moves with it. Next: {view.describe_next(reminder, zone, now)}.",
        )
    else:
        await context.bot.send_message(chat_id, "Send /reminder to set a daily reminder.")
    return END


# -- buttons ----------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> int:
    """Every reminder and time-zone button. Each branch answers the query exactly once."""
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return END
    payload = decode(query.data)
    service = _service(context)
    message = query_message(update)
    chat_id = user.chat_id
    now = _now(context)

    match payload:
        case PickTime(hhmm):
            await query.answer()
            _pop_pending(context)
            return await _have_time(update, context, hhmm, direct=False)
        case PickDays(hhmm, weekdays_only):
            reminder = await service.set_time(user.user_id, hhmm, weekdays_only)
            await query.answer()
            if reminder is None:  # no zone yet (an old button): ask it, then save
                _set_pending(context, hhmm, True)
                return await _ask_zone(update, context)
            zone, _ = await service.get(user.user_id)
            assert zone is not None
            screen = Screen(view.confirmation(reminder, zone, now))
            await edit_or_send(message, chat_id, context, screen)
            return END
        case ChangeTime():
            await query.answer()
            return await _ask_time(update, context)
        case AskZone():
            await query.answer()
            _pop_pending(context)
            return await _ask_zone(update, context)
        case SetZone(zone):
            if not places.is_valid_zone(zone):
                await query.answer(STALE_BUTTON)
                return END
            await query.answer()
            return await _zone_chosen(update, context, zone)
        case TurnOff():
            await service.turn_off(user.user_id)
            await query.answer("Reminders are off.")
            await edit_or_send(message, chat_id, context, Screen(view.TURNED_OFF))
            return END
        case SetWeekdays() | Pause() | Resume():
            return await _change_status(update, context, payload)
        case ReminderButton(tap, day):
            return await _reminder_button(update, context, tap, day)
    await query.answer(STALE_BUTTON)
    return END


async def _change_status(
    update: Update, context: BotContext, payload: SetWeekdays | Pause | Resume
) -> int:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    service = _service(context)
    reminder: Reminder | None = None
    note = ""
    if isinstance(payload, SetWeekdays):
        reminder = await service.set_weekdays(user.id, payload.weekdays_only)
    elif isinstance(payload, Pause):
        if payload.days in view.PAUSE_DAYS:
            reminder = await service.pause(user.id, payload.days)
            note = view.paused_note(payload.days)
    else:
        reminder = await service.resume(user.id)
        note = view.RESUMED_NOTE
    zone, _ = await service.get(user.id)
    if reminder is None or zone is None or not reminder.enabled:
        # An old status message after "Turn off" (or after a block turned it off).
        await query.answer(STALE_BUTTON)
        return END
    await query.answer()
    screen = view.status(reminder, zone, _now(context), note)
    await edit_or_send(query_message(update), _chat_id(update), context, screen)
    return END


async def _reminder_button(update: Update, context: BotContext, tap: ReminderTap, day: date) -> int:
    """The buttons on a sent reminder; `day` is the local date it was for."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    service = _service(context)
    message = query_message(update)
    now = _now(context)
    if tap is ReminderTap.START:
        await service.skip(user.id, day)  # a pending snooze for that day is not needed now
        await query.answer()
        if message is not None:
            with contextlib.suppress(BadRequest):  # too old to edit: the buttons stay
                await message.edit_reply_markup(None)
        from bot.handlers.routine import start_routine

        await start_routine(update, context)
        return END
    if tap is ReminderTap.SNOOZE:
        snoozed = await service.snooze(user.id, day)
        if snoozed is None or snoozed.next_due is None:
            await query.answer("That reminder is from an earlier day, or reminders are off.")
            return END
        zone, _ = await service.get(user.id)
        length = view.snooze_length(context.deps.clock.real(SNOOZE))
        await query.answer(f"Snoozed for {length}.")
        at = datetime.fromtimestamp(snoozed.next_due, UTC)
        screen = view.snoozed(view.local_clock(zone or "UTC", at), day)
        await edit_or_send(message, _chat_id(update), context, screen)
        return END
    await service.skip(user.id, day)
    zone, reminder = await service.get(user.id)
    await query.answer("Okay, skipping today.")
    text = "Okay, no more reminders today."
    if zone is not None and reminder is not None and reminder.enabled:
        text += f" Next: {view.describe_next(reminder, zone, now)}."
    await edit_or_send(message, _chat_id(update), context, Screen(text))
    return END


def conversation() -> ConversationHandler[BotContext]:
    """The reminder set-up: its entry points are the commands and buttons that may ask
    for a typed time or place; only those typed answers need conversation state."""
    entry_points: list[BaseHandler[Update, BotContext, object]] = [
        CommandHandler("reminder", reminder_command),
        CommandHandler("timezone", timezone_command),
        MessageHandler(filters.LOCATION, got_location),
        CallbackQueryHandler(
            on_button,
            pattern=matches(*get_args(ReminderPayload), *get_args(ZonePayload), ReminderButton),
        ),
    ]
    with warnings.catch_warnings():
        # PTB warns that button presses are tracked per chat, not per message: that is
        # what we want (any of our buttons may move this user's flow on).
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=entry_points,
            states={
                ASK_TIME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_time_text)],
                ASK_ZONE: [
                    MessageHandler(filters.LOCATION, got_location),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, got_zone_text),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            conversation_timeout=TIMEOUT_SECONDS,
        )
