"""What the bot says outside a private chat: one line pointing to the private chat."""

from __future__ import annotations

from bot.core.chats import private_link
from bot.core.text import esc

NOT_YOURS = "This button isn't yours"


def talk_privately(bot_username: str) -> str:
    """The one line a group gets for a command or a mention (nothing personal in it)."""
    return (
        "I coach one person at a time, in private, so nothing about your back is shared "
        f"here. Talk to me: {esc(private_link(bot_username))}"
    )
