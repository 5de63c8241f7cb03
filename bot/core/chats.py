"""Where the coach talks: only in a user's own private chat with the bot.

Pure rules the guard (`bot.handlers.guard`) applies to every update before any feature
sees it. Telegram gives a private chat its user's id, so "this chat is the presser's own
private chat" is one comparison; groups and channels have negative ids.
"""

from __future__ import annotations

from collections.abc import Iterable

PRIVATE = "private"
# The /start payload of the link a group gets; /start ignores it (nothing to carry over).
GROUP_LINK_PAYLOAD = "from_group"


def is_own_private_chat(chat_type: str | None, chat_id: int | None, user_id: int | None) -> bool:
    """True only for a private chat whose user is `user_id`: the one place a message is
    read as the user's, a press acts on the user's data, and the user's chat is stored."""
    return chat_type == PRIVATE and user_id is not None and chat_id == user_id


def addressed_to(bot_username: str, commands: Iterable[str], mentions: Iterable[str]) -> bool:
    """Is a group message for this bot? A command with no `@bot` suffix or with ours
    (`/why@backcoach_bot`), or an `@backcoach_bot` mention. Case does not matter."""
    ours = bot_username.lower()
    for command in commands:
        _, at, target = command.partition("@")
        if not at or target.lower() == ours:
            return True
    return any(mention.lower().lstrip("@") == ours for mention in mentions)


def private_link(bot_username: str) -> str:
    """The deep link that opens a private chat with the bot (and sends /start)."""
    return f"https://t.me/{bot_username}?start={GROUP_LINK_PAYLOAD}"
