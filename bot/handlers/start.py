"""/start: who the bot is, what it is not, and (for someone new) the safety screen."""

from __future__ import annotations

from telegram import Update

from bot.core.safety import may_exercise
from bot.core.text import esc
from bot.handlers.common import remember_user
from bot.handlers.gate import send_safety_screen
from bot.handlers.membership import offer_reminder_back
from bot.runtime.deps import BotContext


async def start(update: Update, context: BotContext) -> None:
    user = await remember_user(update, context)
    if user is None:
        return
    content = context.deps.content
    name = f", {esc(user.first_name)}" if user.first_name else ""
    greeting = esc(content.safety.greeting.format(minutes=content.routine_minutes))
    greeting = greeting.replace("Hi!", f"Hi{name}!", 1)
    text = f"{greeting}\n\n{esc(content.safety.disclaimer)}"
    cleared = may_exercise(user.safety)
    if cleared:
        text += "\n\nSend /routine to start, or /help to see everything I can do."
    await context.bot.send_message(user.chat_id, text)
    if not cleared:
        await send_safety_screen(context, user.chat_id)
    # Back after blocking the bot: offer the reminder the block turned off.
    await offer_reminder_back(context, user.user_id, user.chat_id)
