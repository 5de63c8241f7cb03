"""/reminder and /timezone: set a daily reminder in the user's own time zone, pause it,
turn it off, and the buttons on the reminder itself (Start routine, Snooze, Skip today).

Thin: parsing lives in `bot.core`, scheduling and storage in `bot.reminders`. Buttons
carry everything they need in their callback data (`m:` reminders, `z:` zones), so they
keep working after a restart; only typed answers (a time, a place) need the small
conversation below, which ends on /cancel or after ten quiet minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
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

from bot.context import BotApp, BotContext
from bot.core import timezones
from bot.core.commands import command_word
from bot.core.redflags import detect_red_flag
from bot.core.text import esc
from bot.core.timeparse import (
    EXAMPLES,
    TimeParseError,
    TimeQuestion,
    format_time,
    parse_time,
    time_from_hhmm,
)
from bot.handlers import questions
from bot.handlers.common import edit_or_send, keyboard, query_message, remember_user
from bot.reminders import (
    PAUSE_DAYS,
    SNOOZE,
    ReminderService,
    describe_next,
    describe_preference,
)
from db.reminders import Reminder

ASK_TIME, ASK_ZONE = range(2)
END = ConversationHandler.END
TIMEOUT_SECONDS = 600

COMMON_TIMES = [["07:00", "07:30", "08:00"], ["12:00", "18:00", "20:00"]]
ZONE_QUESTION = (
    "Which time zone are you in? Tap <b>📍 Share location</b>, or type a city "
    "(Berlin, Pune), a zone (Asia/Kolkata) or an offset (+5:30, UTC-4)."
)
ZONE_UNKNOWN = (
    "I don't know that place. Try a bigger city near you (Munich), a zone "
    "(Europe/Berlin) or an offset (+5:30, UTC-4)."
)
STALE_BUTTON = "That button no longer works. Send /reminder."


def _service(context: BotContext) -> ReminderService:
    service = context.deps.reminders
    if service is None:
        raise RuntimeError("the reminder service is wired in build_application")
    return service


def _now(context: BotContext) -> datetime:
    return context.deps.clock.now()


def _local_clock(zone: str, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(zone))
    return f"{local.hour:02d}:{local.minute:02d}"


def _zone_text(zone: str, now: datetime) -> str:
    label = timezones.zone_label(zone)
    text = f"{esc(label)} (it's {_local_clock(zone, now)} there now)"
    if zone.startswith("Etc/") or zone == "UTC":
        text += ". A fixed offset has no daylight saving; send a city to follow it"
    return text


def _status_text(reminder: Reminder, zone: str, now: datetime) -> str:
    label = esc(timezones.zone_label(zone))
    lines = [f"⏰ Your reminder: {describe_preference(reminder)} ({label})."]
    if reminder.paused_until is not None and reminder.paused_until > now.timestamp():
        lines.append(f"Paused. It resumes by itself: {describe_next(reminder, zone, now)}.")
    else:
        lines.append(f"Next: {describe_next(reminder, zone, now)}.")
    return "\n".join(lines)


def _status_keyboard(reminder: Reminder, now: datetime) -> list[list[tuple[str, str]]]:
    days = ("Every day", "m:wd:0") if reminder.weekdays_only else ("Weekdays only", "m:wd:1")
    paused = reminder.paused_until is not None and reminder.paused_until > now.timestamp()
    pause_row = (
        [("▶️ Resume now", "m:res")]
        if paused
        else [(f"Pause {n} day{'s' if n > 1 else ''}", f"m:p:{n}") for n in PAUSE_DAYS]
    )
    return [
        [("🕗 Change time", "m:chg"), days],
        pause_row,
        [("🌍 Time zone", "z:ask"), ("🔕 Turn off", "m:off")],
    ]


def _confirmation(reminder: Reminder, zone: str, now: datetime) -> str:
    return (
        f"✅ Done. I'll remind you {describe_preference(reminder)} "
        f"({esc(timezones.zone_label(zone))}).\n"
        f"Next: {describe_next(reminder, zone, now)}."
    )


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


# -- asking -----------------------------------------------------------------------------------


async def _ask_time(update: Update, context: BotContext, intro: str = "") -> int:
    rows = [[(t, f"m:t:{t.replace(':', '')}") for t in row] for row in COMMON_TIMES]
    text = (intro + "\n\n" if intro else "") + (
        f"When should I remind you each day? Tap a time or type one, like {EXAMPLES}."
    )
    await context.bot.send_message(_chat_id(update), text, reply_markup=keyboard(rows))
    return ASK_TIME


async def _ask_zone(update: Update, context: BotContext, intro: str = "") -> int:
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Share location", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder="City, zone or offset",
    )
    text = (intro + "\n\n" if intro else "") + ZONE_QUESTION + "\n\nSend /cancel to stop."
    await context.bot.send_message(_chat_id(update), text, reply_markup=markup)
    return ASK_ZONE


async def _ask_days(update: Update, context: BotContext, hhmm: str, zone: str) -> None:
    now = _now(context)
    at = time_from_hhmm(hhmm)
    assert at is not None
    text = (
        f"Reminder at {format_time(at)}, {_zone_text(zone, now)}.\n\n"
        "Every day, or only on weekdays?"
    )
    rows = [
        [("Every day", f"m:d:{hhmm}:a"), ("Weekdays only", f"m:d:{hhmm}:w")],
        [("🌍 Change time zone", "z:ask")],
    ]
    await edit_or_send(None, _chat_id(update), context, text, keyboard(rows))


async def _have_time(update: Update, context: BotContext, hhmm: str, *, direct: bool) -> int:
    """A valid time: ask the zone first if we don't know it, then save or ask the days."""
    user = update.effective_user
    assert user is not None
    service = _service(context)
    zone, _ = await service.get(user.id)
    if zone is None:
        _set_pending(context, hhmm, direct)
        at = time_from_hhmm(hhmm)
        assert at is not None
        return await _ask_zone(update, context, f"Got it: {format_time(at)}. One thing first.")
    if direct:
        reminder = await service.set_time(user.id, hhmm)
        if reminder is not None:
            await context.bot.send_message(
                _chat_id(update), _confirmation(reminder, zone, _now(context))
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
        await message.reply_text("🔕 Reminders are off. Send /reminder to set one again.")
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
        now = _now(context)
        markup = keyboard(_status_keyboard(reminder, now))
        await message.reply_text(_status_text(reminder, zone, now), reply_markup=markup)
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
    intro = f"Your time zone: {_zone_text(zone, _now(context))}." if zone else ""
    return await _ask_zone(update, context, intro)


def _snooze_length(context: BotContext) -> str:
    """30 minutes, or less when BACKCOACH_SPEED runs time faster (demos)."""
    seconds = SNOOZE.total_seconds() / context.deps.settings.speed
    return f"{round(seconds / 60)} minutes" if seconds >= 60 else f"{round(seconds)} seconds"


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
        user.chat_id,
        "I've left the reminder set-up; send /reminder to come back to it.",
        reply_markup=ReplyKeyboardRemove(),
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
    result = await asyncio.to_thread(timezones.lookup, text, _now(context))
    if result.exact is not None:
        return await _zone_chosen(update, context, result.exact.zone)
    if result.choices:
        rows = [[(choice.label, f"z:set:{choice.zone}")] for choice in result.choices]
        await message.reply_text(
            "Which one do you mean? Or type another place.", reply_markup=keyboard(rows)
        )
        return ASK_ZONE
    await message.reply_text(ZONE_UNKNOWN)
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
        zone = await asyncio.to_thread(timezones.zone_at, location.latitude, location.longitude)
    if zone is None:
        await message.reply_text("I couldn't find a time zone there. " + ZONE_UNKNOWN)
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
        chat_id, f"🌍 Time zone: {_zone_text(zone, now)}.", reply_markup=ReplyKeyboardRemove()
    )
    pending = _pop_pending(context)
    if pending is not None:
        hhmm, direct = pending
        if direct:
            reminder = await service.set_time(user.id, hhmm)
            if reminder is not None:
                await context.bot.send_message(chat_id, _confirmation(reminder, zone, now))
        else:
            await _ask_days(update, context, hhmm, zone)
    elif reminder is not None and reminder.enabled:
        await context.bot.send_message(
            chat_id, f"Your reminder moves with it. Next: {describe_next(reminder, zone, now)}."
        )
    else:
        await context.bot.send_message(chat_id, "Send /reminder to set a daily reminder.")
    return END


# -- buttons ----------------------------------------------------------------------------------


def _parts(update: Update) -> list[str]:
    query = update.callback_query
    return (query.data or "").split(":") if query is not None else []


def _day(tag: str) -> date | None:
    try:
        return datetime.strptime(tag, "%Y%m%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None


async def on_button(update: Update, context: BotContext) -> int:
    """Every `m:` and `z:` button. Each branch answers the query exactly once."""
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return END
    parts = _parts(update)
    service = _service(context)
    message = query_message(update)
    chat_id = user.chat_id
    now = _now(context)
    kind = ":".join(parts[:2])

    if kind == "m:t" and len(parts) == 3 and time_from_hhmm(parts[2]) is not None:
        await query.answer()
        _pop_pending(context)
        return await _have_time(update, context, parts[2], direct=False)
    if kind == "m:d" and len(parts) == 4 and time_from_hhmm(parts[2]) and parts[3] in ("a", "w"):
        reminder = await service.set_time(user.user_id, parts[2], parts[3] == "w")
        await query.answer()
        if reminder is None:  # no zone yet (an old button): ask it, then save
            _set_pending(context, parts[2], True)
            return await _ask_zone(update, context)
        zone, _ = await service.get(user.user_id)
        assert zone is not None
        await edit_or_send(message, chat_id, context, _confirmation(reminder, zone, now))
        return END
    if kind == "m:chg":
        await query.answer()
        return await _ask_time(update, context)
    if kind == "z:ask":
        await query.answer()
        _pop_pending(context)
        return await _ask_zone(update, context)
    if kind == "z:set" and len(parts) >= 3:
        zone = ":".join(parts[2:])
        if not timezones.is_valid_zone(zone):
            await query.answer(STALE_BUTTON)
            return END
        await query.answer()
        return await _zone_chosen(update, context, zone)
    if kind == "m:off":
        await service.turn_off(user.user_id)
        await query.answer("Reminders are off.")
        text = "🔕 Reminders are off. Send /reminder to set one again."
        await edit_or_send(message, chat_id, context, text)
        return END
    if kind in ("m:wd", "m:p", "m:res"):
        return await _change_status(update, context, parts)
    if kind in ("m:go", "m:snz", "m:skip") and len(parts) == 3 and _day(parts[2]):
        return await _reminder_button(update, context, parts[1], _day(parts[2]))
    await query.answer(STALE_BUTTON)
    return END


async def _change_status(update: Update, context: BotContext, parts: list[str]) -> int:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    service = _service(context)
    reminder: Reminder | None = None
    note = ""
    if parts[:2] == ["m", "wd"] and len(parts) == 3 and parts[2] in ("0", "1"):
        reminder = await service.set_weekdays(user.id, parts[2] == "1")
    elif parts[:2] == ["m", "p"] and len(parts) == 3 and parts[2].isdigit():
        days = int(parts[2])
        if days in PAUSE_DAYS:
            reminder = await service.pause(user.id, days)
            note = f"⏸ Paused for {days} day{'s' if days > 1 else ''}."
    elif parts == ["m", "res"]:
        reminder = await service.resume(user.id)
        note = "▶️ Resumed."
    zone, _ = await service.get(user.id)
    if reminder is None or zone is None or not reminder.enabled:
        # An old status message after "Turn off" (or after a block turned it off).
        await query.answer(STALE_BUTTON)
        return END
    await query.answer()
    now = _now(context)
    text = (note + "\n" if note else "") + _status_text(reminder, zone, now)
    await edit_or_send(
        query_message(update),
        _chat_id(update),
        context,
        text,
        keyboard(_status_keyboard(reminder, now)),
    )
    return END


async def _reminder_button(
    update: Update, context: BotContext, action: str, day: date | None
) -> int:
    """The buttons on a sent reminder; `day` is the local date it was for."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None and day is not None
    service = _service(context)
    message = query_message(update)
    now = _now(context)
    if action == "go":
        await service.skip(user.id, day)  # a pending snooze for that day is not needed now
        await query.answer()
        if message is not None:
            with contextlib.suppress(BadRequest):  # too old to edit: the buttons stay
                await message.edit_reply_markup(None)
        from bot.handlers.routine import start_routine

        await start_routine(update, context)
        return END
    if action == "snz":
        snoozed = await service.snooze(user.id, day)
        if snoozed is None or snoozed.next_due is None:
            await query.answer("That reminder is from an earlier day, or reminders are off.")
            return END
        zone, _ = await service.get(user.id)
        await query.answer(f"Snoozed for {_snooze_length(context)}.")
        at = datetime.fromtimestamp(snoozed.next_due, UTC)
        when = _local_clock(zone or "UTC", at)
        text = f"⏰ Snoozed. I'll remind you again at {when}."
        markup = keyboard([[("Skip today", f"m:skip:{day:%Y%m%d}")]])
        await edit_or_send(message, _chat_id(update), context, text, markup)
        return END
    # skip
    await service.skip(user.id, day)
    zone, reminder = await service.get(user.id)
    await query.answer("Okay, skipping today.")
    text = "Okay, no more reminders today."
    if zone is not None and reminder is not None and reminder.enabled:
        text += f" Next: {describe_next(reminder, zone, now)}."
    await edit_or_send(message, _chat_id(update), context, text)
    return END


def register(app: BotApp) -> None:
    entry_points: list[BaseHandler[Update, BotContext, object]] = [
        CommandHandler("reminder", reminder_command),
        CommandHandler("timezone", timezone_command),
        MessageHandler(filters.LOCATION, got_location),
        CallbackQueryHandler(on_button, pattern=r"^[mz]:"),
    ]
    with warnings.catch_warnings():
        # PTB warns that button presses are tracked per chat, not per message: that is
        # what we want (any of our buttons may move this user's flow on).
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
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
    app.add_handler(conversation)
