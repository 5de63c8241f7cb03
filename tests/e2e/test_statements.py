"""What a button press costs in SQL, counted exactly as the benchmarks count it
(`db/trace.py`, `BACKCOACH_SQL_COUNT`) on the bot's own SQLite connection. Issue 14's
goal is at most 3 statements a press on average over a routine; these are the presses
that make it up, with their exact counts, so a change that adds a read to a press fails
here rather than only moving a benchmark figure.

Updates are handled one at a time (PTB's default, bot/app.py), so once the reply to a
/help sent after a press has arrived, everything the press did is counted (its last
write may come after its last message); /help itself makes no statement. The reminder
sweep, the only other user of the connection here, runs once at start-up only."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.emulator import ChatUser
from bot.runtime.deps import BotApp
from db import trace
from tests.conftest import BotStarter, begin_routine, clear_safety, next_step


@pytest.fixture
async def counted(
    start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[BotApp]:
    """A bot whose connection counts its statements (the benchmarks' counter)."""
    monkeypatch.setenv(trace.ENV, str(tmp_path / "sql.json"))
    previous = signal.getsignal(signal.SIGUSR1)  # the counter's dump, for benchmarks
    try:
        # The reminder sweep: its start-up catch-up, then not for years (it is aligned to
        # whole intervals of the clock, so a shorter one could land inside a count).
        yield await start_bot(reminder_sweep_seconds=1e9)
    finally:
        signal.signal(signal.SIGUSR1, previous)


async def settled(user: ChatUser) -> None:
    """Every update sent so far is handled (its last write may follow its last message)."""
    await user.send("/help")
    await user.expect_message("What I can do")


async def cost(user: ChatUser, update: Callable[[], Awaitable[object]]) -> dict[str, int]:
    """Statements and transactions (BEGIN … COMMIT pairs) made while handling `update`."""
    await settled(user)
    before = trace.counts()
    await update()
    await settled(user)
    after = trace.counts()
    return {
        "statements": after.get("statement", 0) - before.get("statement", 0),
        "transactions": (after.get("transaction", 0) - before.get("transaction", 0)) // 2,
    }


async def test_each_routine_press_makes_its_exact_statements(
    counted: BotApp, user: ChatUser
) -> None:
    await clear_safety(user)
    # A first routine uploads the first two pictures: the counted one sends them by id.
    await begin_routine(user)
    await user.press("Skip exercise")
    await user.expect_message("2/5 · Cat/cow stretch")
    await user.send("/cancel")
    await user.expect_message("Routine stopped")
    await user.send("/routine")
    await user.expect_message("How is your pain right now")

    async def pain_score() -> None:
        await user.press("5", user.find_button_message("10"))
        card = await user.expect_message("Back flexion stretch")
        assert card.kind == "photo"  # sent with its picture, by file_id

    # The routine read (with its user's safety answer and "Text only" choice), the save,
    # the new card's message id: the picture reads nothing of its own.
    assert await cost(user, pain_score) == {"statements": 3, "transactions": 0}
    # A step edited in place: the read and the save.
    assert await cost(user, lambda: next_step(user, 2)) == {"statements": 2, "transactions": 0}

    async def skip() -> None:
        await user.press("Skip exercise")
        await user.expect_message("2/5 · Cat/cow stretch")

    # An exercise ends: the read; its outcome and the state in one transaction; the new
    # card's message id.
    assert await cost(user, skip) == {"statements": 4, "transactions": 1}
