"""The privacy guard: the first handler in the list, so no feature ever sees an update
that is not the user's own private conversation with the bot.

- A message in a group (or a channel) that is for the bot, a command or a mention, gets
  one short line with a link to a private chat. Nothing is stored about the group or the
  sender, and the sender's chat (where their reminders go) never moves.
- A button pressed anywhere but in the presser's own private chat (a group message, or a
  message from someone else's chat) gets "This button isn't yours" and changes nothing.
  In their own private chat the presser is the owner of everything the buttons act on.
- Anything else outside a private chat (edits, other bots' commands, the bot being added
  to a group) is ignored.
"""

from __future__ import annotations

from typing import Any

from telegram import Chat, MessageEntity, Update, User
from telegram.ext import BaseHandler

from bot.core.chats import addressed_to, is_own_private_chat
from bot.runtime.deps import BotContext
from bot.views import groups as view


def _chat_and_user(update: Update) -> tuple[Chat | None, User | None]:
    """For a press: the chat of the message the button is on, and who pressed it."""
    query = update.callback_query
    if query is not None:
        return (query.message.chat if query.message is not None else None), query.from_user
    return update.effective_chat, update.effective_user


def is_private_to_its_user(update: Update) -> bool:
    chat, user = _chat_and_user(update)
    return is_own_private_chat(
        chat.type if chat is not None else None,
        chat.id if chat is not None else None,
        user.id if user is not None else None,
    )


async def outside_private_chat(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(view.NOT_YOURS)
        return
    message = update.message  # new messages only: edits in a group are not for us
    if message is None or not message.text:
        return
    found = message.parse_entities([MessageEntity.BOT_COMMAND, MessageEntity.MENTION])
    commands = [text for entity, text in found.items() if entity.type == "bot_command"]
    mentions = [text for entity, text in found.items() if entity.type == "mention"]
    username = context.bot.username
    if addressed_to(username, commands, mentions):
        await message.reply_text(view.talk_privately(username))


class PrivateChatsOnly(BaseHandler[Update, BotContext, None]):
    """Takes every update that is not the user's own private chat (see the module doc)."""

    def __init__(self) -> None:
        super().__init__(outside_private_chat)

    def check_update(self, update: object) -> Any:
        return isinstance(update, Update) and not is_private_to_its_user(update)
