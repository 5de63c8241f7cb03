"""/help, the command menu, and the answers for what no feature handles."""

from __future__ import annotations

from telegram import BotCommand, Update

from bot.runtime.deps import BotApp, BotContext
from bot.views import help as view


async def set_commands(app: BotApp) -> None:
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in view.COMMANDS])


async def help_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(view.HELP_TEXT)


async def unknown_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(view.UNKNOWN_COMMAND)


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes: say what works instead of staying silent."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(view.NOT_TEXT)


async def edited(update: Update, context: BotContext) -> None:
    """Edits are not re-read: an edited "/routine" must not start anything twice."""
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, view.EDITED)


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button nobody recognises (a very old message, forged data): answer, change nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer(view.UNKNOWN_BUTTON)
