"""STUB from the `reminders` branch: the lead's routine branch provides the real module.

Only `start_routine`, which the reminder's "Start routine" button calls."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext


async def start_routine(update: Update, context: BotContext) -> None:
    """Start the routine for the user of `update` (a command or a button press)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, "Let's start")
