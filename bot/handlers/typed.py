"""What typed input means: free text and /cancel go to the reminder set-up first when it
is asking something (its answers win over the question answerer), otherwise to the
question answerer and the routine. Red flags win over both (see
`bot.handlers.reminders.step_aside` and `bot.handlers.questions.respond`)."""

from __future__ import annotations

from telegram import Update

from bot.handlers import reminders, routine
from bot.handlers.common import remember_user
from bot.handlers.questions import respond
from bot.runtime.deps import BotContext


async def on_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    user = await remember_user(update, context)
    if message is None or user is None:
        return
    text = message.text or ""
    if await reminders.answer_setup(context, user, text):
        return
    await respond(context, user, text)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: the reminder set-up if it is asking something, else the open routine."""
    user = await remember_user(update, context)
    if user is None:
        return
    if await reminders.cancel_setup(context, user):
        return
    await routine.cancel(update, context)
