"""Small helpers every handler uses: who is talking, and how to answer safely."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext
from db import users


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback_data) pairs."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def query_message(update: Update) -> Message | None:
    """The message a pressed button sits on, if the bot can still see it."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        return query.message
    return None


async def remember_user(update: Update, context: BotContext) -> users.User | None:
    """Make sure the user has a row (their chat may have changed); return it."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    deps = context.deps
    await users.upsert(deps.db, user.id, chat.id, user.first_name, deps.now())
    return await users.get(deps.db, user.id)


async def edit_or_send(
    message: Message | None,
    chat_id: int,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Edit `message` in place; if it cannot be edited (too old, deleted), send anew."""
    if message is not None:
        try:
            result = await message.edit_text(text, reply_markup=markup)
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return message
    return await context.bot.send_message(chat_id, text, reply_markup=markup)
