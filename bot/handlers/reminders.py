"""/reminder and /timezone: set a daily reminder in the user's own time zone, pause it,
turn it off, and the buttons on the reminder itself (Start routine, Snooze, Skip today).

Thin: parsing lives in `bot.core`, scheduling and storage in `bot.services.reminders`,
the set-up conversation's open question in `bot.services.setup` (SQLite, so it survives a
restart; gone after ten quiet minutes), the words in `bot.views.reminders`. Buttons carry
everything they need in their callback data (see `bot.handlers.callbacks`).

Every way in is one conversation: a time (typed after /reminder, `/reminder 7:30`, or a
button) is followed by "Every day, or only on weekdays?"; the zone is asked first when we
have none, and "Change time zone" on the days question comes back to it with the time
kept. Typed answers reach `answer_setup` through `bot.handlers.typed`, before the
question answerer; red flags, questions and routine words leave the set-up (`step_aside`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from telegram import Bot, KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatAction

from bot import places
from bot.content import Content
from bot.core.buttons import (
    AskZone,
    ChangeTime,
    Pause,
    PickDays,
    PickTime,
    ReminderButton,
    ReminderTap,
    Resume,
    SetWeekdays,
    SetZone,
    TurnOff,
)
from bot.core.commands import command_word
from bot.core.setup import SetupStep, after_zone, parse_days
from bot.core.text import esc
from bot.core.timeparse import TimeParseError, TimeQuestion, parse_time
from bot.handlers import questions
from bot.handlers.callbacks import decode
from bot.handlers.common import (
    edit_or_send,
    query_message,
    remember_user,
    send_screen,
    send_unasked,
)
from bot.handlers.messages import strip_buttons
from bot.runtime.deps import BotContext
from bot.runtime.sending import PacedSender
from bot.services.reminders import (
    SKIPPED,
    SNOOZE,
    Delivery,
    Due,
    Reminder,
    ReminderService,
    occurrence_date,
)
from bot.services.users import Profile
from bot.views import reminders as view
from bot.views.screen import Screen

log = logging.getLogger(__name__)

STALE_BUTTON = view.STALE_BUTTON
_OFF_WORDS = ("off", "stop", "none", "no", "cancel")


def _service(context: BotContext) -> ReminderService[PacedSender]:
    return context.deps.reminders


def _now(context: BotContext) -> datetime:
    return context.deps.clock.now()


# -- sending a due reminder (called by the reminder service through the paced queue) ----------


async def deliver(bot: Bot, content: Content, due: Due, now: datetime) -> Delivery:
    """Send one reminder. Flood pauses and sends that never left propagate: the queue
    retries them. A send that may have reached Telegram is never retried (UNKNOWN)."""
    day = occurrence_date(due.reminder, places.zone_info(due.zone or "UTC"))
    screen = view.reminder_message(
        due, day, content.routine_minutes, now, content.safety.reminder_yesterday
    )
    outcome, message_id = await send_unasked(
        bot, due.chat_id, screen, "reminder", due.reminder.user_id
    )
    return Delivery(outcome, message_id)


# -- asking -----------------------------------------------------------------------------------


async def _ask_time(context: BotContext, user: Profile, intro: str = "") -> None:
    await context.deps.setup.ask(user.user_id, SetupStep.TIME)
    await send_screen(context, user.chat_id, view.ask_time(intro))


async def _send_zone_question(context: BotContext, chat_id: int, intro: str = "") -> None:
    """The zone question, with a keyboard button that shares the location."""
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Share location", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder="City, zone or offset",
    )
    await context.bot.send_message(chat_id, view.ask_zone_text(intro), reply_markup=keyboard)


async def _ask_days(
    context: BotContext, user: Profile, hhmm: str, zone: str, hint: str = ""
) -> None:
    await context.deps.setup.ask(user.user_id, SetupStep.DAYS, pending_time=hhmm)
    await send_screen(context, user.chat_id, view.ask_days(hhmm, zone, _now(context), hint))


async def _have_time(context: BotContext, user: Profile, hhmm: str) -> None:
    """A valid time: ask the zone first if we don't know it, then the days."""
    zone, _ = await _service(context).get(user.user_id)
    if zone is None:
        await context.deps.setup.ask(user.user_id, SetupStep.ZONE, pending_time=hhmm)
        await _send_zone_question(context, user.chat_id, view.got_time_first(hhmm))
        return
    await _ask_days(context, user, hhmm, zone)


async def _save(
    context: BotContext, user: Profile, hhmm: str, weekdays_only: bool, message: Message | None
) -> None:
    """Time and days chosen: save them (or ask the zone first) and say when it comes."""
    service = _service(context)
    reminder = await service.set_time(user.user_id, hhmm, weekdays_only)
    if reminder is None:  # no zone yet (an old days button): ask it, then save
        await context.deps.setup.ask(
            user.user_id, SetupStep.ZONE, pending_time=hhmm, weekdays_only=weekdays_only
        )
        await _send_zone_question(context, user.chat_id)
        return
    await context.deps.setup.close(user.user_id)
    zone, _ = await service.get(user.user_id)
    assert zone is not None
    done = await service.done_today(user.user_id)
    text = view.confirmation(reminder, zone, _now(context), done_today=done)
    await edit_or_send(message, user.chat_id, context, Screen(text))


# -- commands ---------------------------------------------------------------------------------


async def reminder_command(update: Update, context: BotContext) -> None:
    """/reminder, /reminder 7:30, /reminder off."""
    user = await remember_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return
    argument = " ".join(context.args or []).strip()
    service = _service(context)
    if argument.lower() in _OFF_WORDS:
        await context.deps.setup.close(user.user_id)
        await service.turn_off(user.user_id)
        await message.reply_text(view.TURNED_OFF)
        return
    if argument:
        try:
            at = parse_time(argument)
        except TimeParseError as exc:
            await message.reply_text(f"{esc(str(exc))} Your reminder is unchanged.")
            return
        await _have_time(context, user, at.strftime("%H%M"))
        return
    zone, reminder, done = await service.upcoming(user.user_id)
    if zone is not None and reminder is not None and reminder.enabled:
        await context.deps.setup.close(user.user_id)
        screen = view.status(reminder, zone, _now(context), done_today=done)
        await send_screen(context, user.chat_id, screen)
        return
    await _ask_time(context, user)


async def timezone_command(update: Update, context: BotContext) -> None:
    """/timezone, or /timezone Berlin."""
    user = await remember_user(update, context)
    if user is None:
        return
    # Mid set-up a time already chosen is kept: the days question comes back after.
    await context.deps.setup.ask_zone_keeping(user.user_id)
    argument = " ".join(context.args or []).strip()
    if argument:
        await _zone_from_text(context, user, argument)
        return
    zone, _ = await _service(context).get(user.user_id)
    intro = f"Your time zone: {view.zone_text(zone, _now(context))}." if zone else ""
    await _send_zone_question(context, user.chat_id, intro)


async def cancel_setup(context: BotContext, user: Profile) -> bool:
    """/cancel while the set-up asks something: end it. False if none is open."""
    if await context.deps.setup.close(user.user_id) is None:
        return False
    await context.bot.send_message(
        user.chat_id, view.SETUP_CANCELLED, reply_markup=ReplyKeyboardRemove()
    )
    return True


# -- typed answers ----------------------------------------------------------------------------


async def step_aside(context: BotContext, user: Profile, text: str) -> bool:
    """While the set-up asks something, a warning sign, a question or a routine word
    ("next", "pause") is not an answer: leave the set-up and let it be handled as usual.
    Red flags always win."""
    reply = context.deps.matcher.match(text)
    if reply.kind not in ("red_flag", "answer") and command_word(text) is None:
        return False
    await context.deps.setup.close(user.user_id)
    await context.bot.send_message(
        user.chat_id, view.LEFT_SETUP, reply_markup=ReplyKeyboardRemove()
    )
    await questions.respond(context, user, text)
    return True


async def answer_setup(context: BotContext, user: Profile, text: str) -> bool:
    """Typed text while the set-up asks something: its answer. False if no set-up is
    open (the text is then a question for the answerer)."""
    deps = context.deps
    setup = await deps.setup.current(user.user_id)
    if setup is None:
        return False
    if deps.matcher.match(text).kind == "red_flag":
        return await step_aside(context, user, text)
    if setup.step is SetupStep.ZONE:
        # Checked before the place lookup, whose fuzzy match would turn "next" into Exeter.
        if not await step_aside(context, user, text):
            await deps.setup.touch(user.user_id)
            await _zone_from_text(context, user, text)
        return True
    if setup.step is SetupStep.DAYS and setup.pending_time is not None:
        weekdays = parse_days(text)
        if weekdays is not None:
            await _save(context, user, setup.pending_time, weekdays, None)
            return True
    try:
        at = parse_time(text)
    except TimeParseError as exc:
        # "after work" gets its question back; leaving the set-up is for anything else
        # (a question, a routine word). A red flag has already left it above.
        if not isinstance(exc, TimeQuestion) and await step_aside(context, user, text):
            return True
        await deps.setup.touch(user.user_id)
        if setup.step is SetupStep.DAYS and setup.pending_time is not None:
            zone, _ = await _service(context).get(user.user_id)
            if zone is not None:
                await _ask_days(context, user, setup.pending_time, zone, view.DAYS_HINT)
                return True
        await context.bot.send_message(user.chat_id, view.time_unreadable(str(exc)))
        return True
    await _have_time(context, user, at.strftime("%H%M"))
    return True


async def _zone_from_text(context: BotContext, user: Profile, text: str) -> None:
    if not places.is_loaded():
        # The first lookup after a start may wait for the city list: show we're on it.
        await context.bot.send_chat_action(user.chat_id, ChatAction.TYPING)
    result = await asyncio.to_thread(places.lookup, text, _now(context))
    if result.exact is not None:
        await _zone_chosen(context, user, result.exact.zone)
    elif result.choices:
        await send_screen(context, user.chat_id, view.zone_choices(result.choices))
    else:
        await context.bot.send_message(user.chat_id, view.ZONE_UNKNOWN)


async def got_location(update: Update, context: BotContext) -> None:
    message = update.effective_message
    user = await remember_user(update, context)
    if user is None or message is None:
        return
    location = message.location
    zone = None
    if location is not None:
        if not places.is_loaded():
            await context.bot.send_chat_action(user.chat_id, ChatAction.TYPING)
        zone = await asyncio.to_thread(places.zone_at, location.latitude, location.longitude)
    if zone is None:
        await message.reply_text("I couldn't find a time zone there. " + view.ZONE_UNKNOWN)
        return
    await _zone_chosen(context, user, zone)


async def _zone_chosen(context: BotContext, user: Profile, zone: str) -> None:
    """The zone is known: store it, then go back to where the set-up was."""
    service = _service(context)
    reminder = await service.set_zone(user.user_id, zone)
    now = _now(context)
    await context.bot.send_message(
        user.chat_id, view.zone_set(zone, now), reply_markup=ReplyKeyboardRemove()
    )
    setup = await context.deps.setup.current(user.user_id)
    match after_zone(setup):
        case "save":
            assert setup is not None and setup.pending_time and setup.weekdays_only is not None
            await _save(context, user, setup.pending_time, setup.weekdays_only, None)
        case "ask_days":
            assert setup is not None and setup.pending_time is not None
            await _ask_days(context, user, setup.pending_time, zone)
        case "done":
            await context.deps.setup.close(user.user_id)
            _, upcoming, done = await service.upcoming(user.user_id)
            if reminder is not None and upcoming is not None and reminder.enabled:
                text = view.zone_moved(upcoming, zone, now, done_today=done)
            else:
                text = view.NO_REMINDER_YET
            await context.bot.send_message(user.chat_id, text)


# -- buttons ----------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    """Every reminder and time-zone button. Each branch answers the query exactly once."""
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return
    payload = decode(query.data)
    service = _service(context)
    message = query_message(update)

    match payload:
        case PickTime(hhmm):
            await query.answer()
            await _have_time(context, user, hhmm)
            return
        case PickDays(hhmm, weekdays_only):
            await query.answer()
            await _save(context, user, hhmm, weekdays_only, message)
            return
        case ChangeTime():
            await query.answer()
            await _ask_time(context, user)
            return
        case AskZone():
            # Mid set-up ("Change time zone" on the days question) the time is kept, and
            # the set-up comes back to the days once the zone is known.
            await query.answer()
            await context.deps.setup.ask_zone_keeping(user.user_id)
            await _send_zone_question(context, user.chat_id)
            return
        case SetZone(zone):
            if not places.is_valid_zone(zone):
                await query.answer(STALE_BUTTON)
                return
            await query.answer()
            await _zone_chosen(context, user, zone)
            return
        case TurnOff():
            await context.deps.setup.close(user.user_id)
            await service.turn_off(user.user_id)
            await query.answer("Reminders are off.")
            await edit_or_send(message, user.chat_id, context, Screen(view.TURNED_OFF))
            return
        case SetWeekdays() | Pause() | Resume():
            await _change_status(update, context, user, payload)
            return
        case ReminderButton(tap, day):
            await _reminder_button(update, context, user, tap, day)
            return
    await query.answer(STALE_BUTTON)


async def _change_status(
    update: Update, context: BotContext, user: Profile, payload: SetWeekdays | Pause | Resume
) -> None:
    query = update.callback_query
    assert query is not None
    service = _service(context)
    reminder: Reminder | None = None
    note = ""
    if isinstance(payload, SetWeekdays):
        reminder = await service.set_weekdays(user.user_id, payload.weekdays_only)
    elif isinstance(payload, Pause):
        if payload.days in view.PAUSE_DAYS:
            reminder = await service.pause(user.user_id, payload.days)
            note = view.paused_note(payload.days)
    else:
        reminder = await service.resume(user.user_id)
        note = view.RESUMED_NOTE
    zone, upcoming, done = await service.upcoming(user.user_id)
    if reminder is None or upcoming is None or zone is None or not reminder.enabled:
        # An old status message after "Turn off" (or after a block turned it off).
        await query.answer(STALE_BUTTON)
        return
    await query.answer()
    screen = view.status(upcoming, zone, _now(context), note, done_today=done)
    await edit_or_send(query_message(update), user.chat_id, context, screen)


async def _reminder_button(
    update: Update, context: BotContext, user: Profile, tap: ReminderTap, day: date
) -> None:
    """The buttons on a sent reminder; `day` is the local date it was for."""
    query = update.callback_query
    assert query is not None
    service = _service(context)
    message = query_message(update)
    pressed = message.message_id if message is not None else None
    now = _now(context)
    if tap is ReminderTap.SNOOZE:
        snoozed = await service.snooze(user.user_id, day, pressed)
        if snoozed is None or snoozed.next_due is None:
            _, current = await service.get(user.user_id)
            skipped = (
                current is not None
                and current.last_date == day.isoformat()
                and current.message_id == SKIPPED
            )
            await query.answer(view.SKIPPED_TODAY if skipped else view.OLD_REMINDER)
            return
        zone, _ = await service.get(user.user_id)
        length = view.snooze_length(context.deps.clock.real(SNOOZE))
        await query.answer(f"Snoozed for {length}.")
        at = datetime.fromtimestamp(snoozed.next_due, UTC)
        screen = view.snoozed(view.local_clock(zone or "UTC", at), day)
        await edit_or_send(message, user.chat_id, context, screen)
        return
    # Start and Skip both end the day's reminders (a pending snooze is not needed now),
    # and the day's live reminder message loses its Start and Snooze buttons.
    _, live = await service.skip(user.user_id, day)
    if live is not None and live != pressed:
        await strip_buttons(context, user.chat_id, live)
    if tap is ReminderTap.START:
        await query.answer()
        if message is not None and message.reply_markup:
            await strip_buttons(context, user.chat_id, message.message_id)
        from bot.handlers.routine import start_routine

        await start_routine(update, context)
        return
    zone, reminder, done = await service.upcoming(user.user_id)
    await query.answer("Okay, skipping today.")
    text = "Okay, no more reminders today."
    if zone is not None and reminder is not None and reminder.enabled:
        text += f" Next: {view.describe_next(reminder, zone, now, done_today=done)}."
    await edit_or_send(message, user.chat_id, context, Screen(text))
