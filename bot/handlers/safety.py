"""The safety screen (/safety, and before the first routine): red flags come before any
exercise. An answer that a warning sign applies is stored at once and stops any routine."""

from __future__ import annotations

from telegram import Update

from bot.core.buttons import SafetyButton, SafetyChoice
from bot.core.safety import Gate, SafetyStatus, routine_gate
from bot.handlers.callbacks import decode
from bot.handlers.common import edit_or_send, query_message, remember_user, send_screen
from bot.runtime.deps import BotContext
from bot.views import safety as view
from bot.views.screen import Screen


async def send_safety_screen(context: BotContext, chat_id: int) -> None:
    await send_screen(context, chat_id, view.screen(context.deps.content))


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
        await edit_or_send(message, user.chat_id, context, Screen(view.cleared(texts)))
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


async def refuse_if_unsafe(context: BotContext, chat_id: int, gate: Gate) -> bool:
    """Red flags win: True (and the user was told why) when the gate says no."""
    if gate is Gate.ALLOWED:
        return False
    if gate is Gate.NEEDS_SCREEN:
        await send_safety_screen(context, chat_id)
        return True
    await context.bot.send_message(chat_id, view.routine_refused(context.deps.content.safety, gate))
    return True
