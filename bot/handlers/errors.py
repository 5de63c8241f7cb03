"""The last line of defence: log every unhandled error with the update's id, and tell
the user something short and kind instead of leaving them in silence."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from bot.runtime.deps import BotContext
from bot.runtime.tracking_bot import AnswerTrackingBot

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. Nothing you told me was lost; please try again."


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    # BadRequest subclasses NetworkError in PTB, but it is our bug, not the network's.
    if isinstance(error, (NetworkError, TimedOut)) and not isinstance(error, BadRequest):
        log.warning("network trouble handling update %s: %s", update_id, error)
    else:
        log.error("unhandled error in update %s", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    query = update.callback_query
    bot = context.bot
    answered = query is not None and isinstance(bot, AnswerTrackingBot) and bot.answered(query.id)
    if query is not None and not answered:
        # A button must always be answered, or the user's spinner keeps turning; but
        # exactly once, so not when the failing handler had answered it already.
        try:
            await query.answer("Sorry, something went wrong. Please try again.")
        except Exception:
            log.debug("the button of update %s was already answered", update_id)
    chat = update.effective_chat
    if chat is None or isinstance(error, Forbidden):
        return
    try:
        await context.bot.send_message(chat.id, APOLOGY)
    except Exception:  # the apology itself failed (network down, user blocked us)
        log.warning("could not send the apology for update %s", update_id)
