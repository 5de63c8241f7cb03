"""The user blocks or unblocks the bot (`my_chat_member` in their private chat).

Blocked: their reminder goes off at once, instead of at the next failed send, and a
routine in progress is paused (a running hold sends no "Release now"). Unblocked
(Telegram's "Restart", or /start again): the bot offers to turn the reminder back on.
Groups never get here (the guard takes every non-private update first).
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from bot.handlers.common import send_screen
from bot.runtime.deps import BotContext
from bot.views import reminders as view

log = logging.getLogger(__name__)


async def on_my_status(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None:
        return
    user_id, chat_id = change.from_user.id, change.chat.id
    status = change.new_chat_member.status
    if status == ChatMember.BANNED:
        if await context.deps.reminders.user_blocked(user_id):
            log.info("user %s blocked the bot; reminder turned off", user_id)
        if await context.deps.routines.pause_open(user_id):
            log.info("user %s blocked the bot; their routine is paused", user_id)
        return
    if status == ChatMember.MEMBER:
        await offer_reminder_back(context, user_id, chat_id)


async def offer_reminder_back(context: BotContext, user_id: int, chat_id: int) -> None:
    """If a block turned the user's reminder off, ask whether to turn it back on (once)."""
    reminder = await context.deps.reminders.welcome_back(user_id)
    if reminder is not None:
        await send_screen(context, chat_id, view.welcome_back(reminder))
