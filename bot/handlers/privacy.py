"""/forget: delete everything stored about the user, after one confirmation."""

from __future__ import annotations

from telegram import Update

from bot.core.buttons import ForgetButton
from bot.handlers.callbacks import decode, markup
from bot.handlers.common import edit_or_send, query_message
from bot.runtime.deps import BotContext
from bot.views.screen import Screen

ASK = (
    "This deletes everything I store about you: your safety answer, your routines and "
    "pain scores, your morning check-ins and weekly goal, and your reminder. It can't be "
    "undone. (/export first if you want a copy.)"
)


async def forget(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return
    await update.effective_message.reply_text(
        ASK,
        reply_markup=markup(
            [[("🗑 Delete everything", ForgetButton(True)), ("Keep it", ForgetButton(False))]]
        ),
    )


async def confirm(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    payload = decode(query.data)
    if isinstance(payload, ForgetButton) and payload.confirm:
        deps = context.deps
        deps.holds.cancel_user(user.id)
        await deps.users.forget(user.id)
        await query.answer("Deleted.")
        text = "Done: I've deleted everything about you. Send /start if you want to begin again."
    else:
        await query.answer()
        text = "Okay, nothing was deleted."
    await edit_or_send(query_message(update), chat_id, context, Screen(text))
