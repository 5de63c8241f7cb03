"""Small helpers every handler uses: who is talking, and how to answer safely."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import BadRequest

from bot.handlers.callbacks import markup
from bot.runtime.deps import BotContext
from bot.services.users import Profile
from bot.views.screen import Screen


def query_message(update: Update) -> Message | None:
    """The message a pressed button sits on, if the bot can still see it."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        return query.message
    return None


async def remember_user(update: Update, context: BotContext) -> Profile | None:
    """Make sure the user has a row (their chat may have changed); return it."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return await context.deps.users.remember(user.id, chat.id, user.first_name)


async def send_screen(context: BotContext, chat_id: int, screen: Screen) -> Message:
    return await context.bot.send_message(chat_id, screen.text, reply_markup=markup(screen.rows))


async def edit_or_send(
    message: Message | None, chat_id: int, context: BotContext, screen: Screen
) -> Message | None:
    """Edit `message` in place; if it cannot be edited (too old, deleted), send anew."""
    if message is not None:
        try:
            result = await message.edit_text(screen.text, reply_markup=markup(screen.rows))
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return message
    return await send_screen(context, chat_id, screen)
