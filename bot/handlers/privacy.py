"""/forget: delete everything stored about the user, after one confirmation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotApp, BotContext
from bot.handlers.common import edit_or_send, keyboard, query_message
from db import users


async def forget(update: Update, context: BotContext) -> None:
    if update.effective_message is None:
        return
    await update.effective_message.reply_text(
        "This deletes everything I store about you: your safety answer, your routines and "
        "pain scores, and your reminder. It can't be undone.",
        reply_markup=keyboard([[("🗑 Delete everything", "f:yes"), ("Keep it", "f:no")]]),
    )


async def confirm(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    chat_id = update.effective_chat.id if update.effective_chat else user.id
    if query.data == "f:yes":
        deps = context.deps
        deps.holds.cancel_user(user.id)
        await users.forget(deps.db, user.id)
        await query.answer("Deleted.")
        text = "Done: I've deleted everything about you. Send /start if you want to begin again."
    else:
        await query.answer()
        text = "Okay, nothing was deleted."
    await edit_or_send(query_message(update), chat_id, context, text)


def register(app: BotApp) -> None:
    app.add_handler(CommandHandler("forget", forget))
    app.add_handler(CallbackQueryHandler(confirm, pattern=r"^f:"))
