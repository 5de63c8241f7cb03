"""A Bot API emulator and its user-side driver.

The same code serves the end-to-end tests, the local playground and the benchmarks: the
real `Application` talks to it over real HTTP through `TELEGRAM_API_URL`.
"""

from bot.emulator.driver import ChatUser, GroupMember
from bot.emulator.server import BotApiEmulator, Event, StoredMessage

__all__ = ["BotApiEmulator", "ChatUser", "Event", "GroupMember", "StoredMessage"]
