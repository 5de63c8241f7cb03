"""Showing a routine's screens: a new message, an edit in place, buttons removed.

The message with the live buttons is remembered on the routine (`message_id`), so that
after a restart or a stale press the bot knows which message to bring up to date.
"""

from __future__ import annotations

import logging
import math

from telegram import Message
from telegram.error import BadRequest

from bot.core.routine import Phase, RoutineState, Status
from bot.handlers import pictures
from bot.handlers.callbacks import markup
from bot.runtime.deps import BotContext, Deps
from bot.views import routine as view
from bot.views.screen import Screen

log = logging.getLogger(__name__)


async def send(
    context: BotContext,
    state: RoutineState,
    screen: Screen,
    *,
    live: bool = True,
    picture: bool = True,
    remember: bool = True,
) -> Message:
    """A new message. With `live`, its buttons become the routine's current ones (saved
    here unless `remember` is False: the caller then saves them with its own write); at
    the start of an exercise (or of its second side) it comes as the caption of its
    picture (`bot.handlers.pictures`), unless `picture` is False."""
    shown = None
    if live and picture:
        shown = await pictures.send_routine_screen(context, state, screen)
    message = shown or await context.bot.send_message(
        state.chat_id, screen.text, reply_markup=markup(screen.rows)
    )
    if live and remember and screen.rows:
        await context.deps.routines.set_message(state.run_id, message.message_id)
    return message


async def edit(
    context: BotContext, message: Message | None, state: RoutineState, screen: Screen
) -> Message:
    """Edit `message` into `screen`, or send anew when there is none or it can't be edited;
    returns the message now showing the screen. A picture's text is its caption: edited as
    one, or (too long for a caption) sent anew as text under the picture."""
    if message is None:
        return await send(context, state, screen)
    try:
        if not pictures.carries_media(message):
            await message.edit_text(screen.text, reply_markup=markup(screen.rows))
        elif pictures.fits_caption(screen.text):
            await message.edit_caption(screen.text, reply_markup=markup(screen.rows))
        else:
            await strip(context, message)
            return await send(context, state, screen, picture=False)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.info("could not edit message %s (%s); sending anew", message.id, exc)
            return await send(context, state, screen)
    if screen.rows and state.message_id != message.message_id:
        # A write only when the live buttons moved to another message.
        await context.deps.routines.set_message(state.run_id, message.message_id)
    return message


async def strip_buttons(context: BotContext, chat_id: int, message_id: int | None) -> None:
    """Old steps keep their text but lose their buttons, so nobody presses them later."""
    if message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("could not remove buttons from message %s: %s", message_id, exc)


async def strip(context: BotContext, message: Message | None) -> None:
    if message is not None and message.reply_markup:
        await strip_buttons(context, message.chat_id, message.message_id)


def current_screen(state: RoutineState, deps: Deps) -> Screen:
    """The screen for where the routine is now (after a stale button, Resume, Continue)."""
    plan = deps.routines.plan_of(state)
    if state.status is Status.PAUSED:
        return view.paused(state, plan)
    if state.phase is Phase.PAIN_BEFORE:
        return view.pain_prompt(state, before=True)
    if state.phase is Phase.PAIN_AFTER:
        return view.pain_prompt(state, before=False)
    if state.hold_ends_at is not None:
        left = deps.routines.seconds_left(state)
        return view.hold_countdown(state, plan, max(1, math.ceil(left)))
    return view.exercise_step(state, plan)
