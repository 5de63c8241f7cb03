"""The safety screen (/safety, and before the first routine): red flags come before any
exercise. An answer that a warning sign applies is stored at once and stops any routine.
When /routine (or a reminder's Start) brought the user here, "None of these apply" goes
straight on into the routine."""

from __future__ import annotations

from telegram import Update

from bot.core.buttons import SafetyButton, SafetyChoice
from bot.core.safety import SafetyStatus, routine_gate
from bot.handlers import routine
from bot.handlers.callbacks import decode
from bot.handlers.common import edit_or_send, query_message, remember_user
from bot.handlers.gate import send_safety_screen
from bot.runtime.deps import BotContext
from bot.views import safety as view
from bot.views.screen import Screen


async def safety(update: Update, context: BotContext) -> None:
    """/safety: take the screen again (things change)."""
    user = await remember_user(update, context)
    if user is not None:
        await send_safety_screen(context, user.chat_id)


async def answer_screen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return
    deps = context.deps
    texts = deps.content.safety
    payload = decode(query.data)
    message = query_message(update)
    if not isinstance(payload, SafetyButton):
        await query.answer(view.STALE_BUTTON)
        return
    if payload.choice is SafetyChoice.NONE:
        await deps.users.set_safety(user.user_id, SafetyStatus.CLEARED)
        await query.answer("Thanks!")
        text = view.cleared(texts, then_routine=payload.then_routine)
        await edit_or_send(message, user.chat_id, context, Screen(text))
        if payload.then_routine:
            cleared = await deps.users.get(user.user_id)
            if cleared is not None:
                await routine.offer_or_begin(context, cleared)
        return
    # Something applies: store the cautious answer now, before the user picks a list, so
    # that leaving the question unanswered can never leave an old "cleared" behind.
    status = (
        SafetyStatus.URGENT if payload.choice is SafetyChoice.URGENT else SafetyStatus.SEE_DOCTOR
    )
    await deps.users.set_safety(user.user_id, status)
    stopped = await deps.routines.stop_open(user.user_id)
    await query.answer()
    if payload.choice is SafetyChoice.SOME:
        await edit_or_send(message, user.chat_id, context, view.which_list(deps.content))
        return
    text = view.warning_applies(texts, routine_gate(status), stopped is not None)
    await edit_or_send(message, user.chat_id, context, Screen(text))
