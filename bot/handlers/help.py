"""/help, the command menu, and the answer to commands the bot does not know."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotApp, BotContext

# (command, menu description); the order is the menu's order.
COMMANDS: list[tuple[str, str]] = [
    ("routine", "Start today's 5 exercises"),
    ("reminder", "Set or change your daily reminder"),
    ("timezone", "Set your time zone"),
    ("ask", "Ask a question, e.g. /ask why glute bridge"),
    ("why", "Why an exercise helps, e.g. /why cat cow"),
    ("safety", "Take the safety check again"),
    ("cancel", "Stop what we're doing"),
    ("forget", "Delete everything I store about you"),
    ("start", "Say hello and see what I do"),
    ("help", "Show this list"),
]

HELP_TEXT = (
    "<b>What I can do</b>\n"
    + "\n".join(f"/{name} – {description}" for name, description in COMMANDS)
    + "\n\nYou can also just type a question, like “how long do I hold the back flexion stretch?”"
)


async def set_commands(app: BotApp) -> None:
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


async def help_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(HELP_TEXT)


async def unknown_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            "I don't know that command. Here's what I can do:\n\n" + HELP_TEXT
        )


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes: say what works instead of staying silent."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            "I can only read text and button presses. Send /help to see what I can do."
        )


def register(app: BotApp) -> None:
    # First of all: edited messages go here, before any command handler can see them.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, edited))
    app.add_handler(CommandHandler("help", help_command))


async def edited(update: Update, context: BotContext) -> None:
    """Edits are not re-read: an edited "/routine" must not start anything twice."""
    if update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id,
            "I only read new messages, so your edit didn't change anything. "
            "Send it again as a new message if you meant to.",
        )


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button nobody recognises (a very old message, forged data): answer, change nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer("That button no longer works. Send /help.")


def register_fallbacks(app: BotApp) -> None:
    """Registered after every feature, in the same group, so they only get what no
    feature handler matched."""
    app.add_handler(CallbackQueryHandler(unknown_button))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.LOCATION, not_text)
    )
