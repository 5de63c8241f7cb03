"""Small helpers every handler uses: who is talking, and how to answer safely."""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.core.chats import is_own_private_chat
from bot.handlers.callbacks import markup
from bot.runtime.deps import BotContext
from bot.runtime.sending import never_sent
from bot.services.reminders import SendOutcome
from bot.services.users import Profile
from bot.views.screen import Screen

log = logging.getLogger(__name__)


def query_message(update: Update) -> Message | None:
    """The message a pressed button sits on, if the bot can still see it."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        return query.message
    return None


async def remember_user(update: Update, context: BotContext) -> Profile | None:
    """Make sure the user has a row; return it. Only the user's own private chat is ever
    stored (their reminders go there): the guard keeps other chats from reaching any
    handler, and this checks again, as the one place that writes it."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not is_own_private_chat(chat.type, chat.id, user.id):
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


async def send_unasked(
    bot: Bot, chat_id: int, screen: Screen, what: str, user_id: int
) -> tuple[SendOutcome, int | None]:
    """A message the user did not ask for just now (a reminder, a check-in), and what
    became of it, with the sent message's id. Flood pauses and sends that never left
    propagate: the paced queue retries them. One that may have reached Telegram is never
    retried (UNKNOWN, counted as sent; see bot/runtime/sending.py)."""
    try:
        sent = await bot.send_message(chat_id, screen.text, reply_markup=markup(screen.rows))
    except Forbidden:
        return SendOutcome.BLOCKED, None
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            return SendOutcome.BLOCKED, None
        # Our message is wrong: count the day as handled rather than loop.
        log.error("%s for user %s rejected: %s", what, user_id, exc)
        return SendOutcome.REJECTED, None
    except NetworkError as exc:
        if never_sent(exc):
            raise
        log.info("%s for user %s: no answer from Telegram (%s)", what, user_id, exc)
        return SendOutcome.UNKNOWN, None
    return SendOutcome.SENT, sent.message_id
