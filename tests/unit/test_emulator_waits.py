"""Waiting on the emulator ends when the waiter is cancelled, whatever else happens in
the same instant: the playground and the tests cancel their watchers on the way out."""

from __future__ import annotations

import asyncio

from bot.emulator import BotApiEmulator, ChatUser


async def test_a_wait_cancelled_just_as_the_chat_changes_is_cancelled() -> None:
    emulator = BotApiEmulator()
    user = ChatUser(emulator)
    waiting = asyncio.create_task(emulator.wait_for(lambda event: False, timeout=60))
    await asyncio.sleep(0.05)  # it is waiting now
    await user.send("hello")  # wakes every waiter
    waiting.cancel()  # before the waiter has run again
    done, _ = await asyncio.wait({waiting}, timeout=5)
    assert done, "the cancelled wait went on waiting"
    assert waiting.cancelled()
