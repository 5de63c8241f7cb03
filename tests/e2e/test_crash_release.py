"""A crash (SIGKILL of the real `python -m bot`) right after a hold's release is saved
loses no "Release now", and one right as it is sent never brings a second one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.content import load_content
from bot.core.clock import ScaledClock
from bot.core.routine import Action, Plan, Transition
from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.process import BotProcess
from bot.emulator.server import ApiError
from bot.services.routine import RoutineService
from db.connection import Database
from tests.conftest import TEST_TOKEN, cleared_routine, start_first_hold

# Each test starts the bot process twice (a few seconds each).
pytestmark = pytest.mark.slow


@pytest.fixture
async def live_bot(
    emulator: BotApiEmulator, tmp_path: Path, media_cache: Path
) -> AsyncIterator[BotProcess]:
    # Speed 20: the 20 s hold lasts 1 s. The pictures are the tests' drawn ones.
    process = BotProcess(
        emulator.url,
        TEST_TOKEN,
        tmp_path / "bot.sqlite3",
        tmp_path / "bot.log",
        speed=20.0,
        media_dir=media_cache,
    )
    await process.start()
    yield process
    process.kill()
    if process.process is not None:
        await process.wait_exit()


def kill_when(
    emulator: BotApiEmulator, bot: BotProcess, method: str, needle: str
) -> Callable[[], bool]:
    """SIGKILL the bot the moment its `method` call with `needle` in the text reaches the
    Bot API (the request itself then goes through, as it would at Telegram). Returns a
    check that it happened."""
    fired = False

    def watch(params: dict[str, Any]) -> bool:
        nonlocal fired
        if not fired and needle in str(params.get("text", "")):
            fired = True
            bot.kill()
        return False  # never fails the request: it only watches

    emulator.fail(method, ApiError(500, "never used"), when=watch)
    return lambda: fired


async def start_hold(user: ChatUser) -> None:
    await cleared_routine(user)
    await start_first_hold(user)


def releases(user: ChatUser) -> int:
    return sum("Release now" in text for text in user.sent_texts())


async def released_as_the_timer_saves_it(database: Path) -> None:
    """What the hold's timer writes before it sends anything: the release, with its
    "Release now" owed (the bot sends right after this write, so no request of its own
    marks that moment; the test writes it the bot's way instead)."""
    clock = ScaledClock(20.0)
    db = await Database.open(database)
    try:
        service = RoutineService(db, Plan.from_content(load_content()), clock)
        [state] = await service.holding()
        result = await service.perform(state, Action.RELEASE, announce=True)
        assert isinstance(result, Transition)
    finally:
        await db.close()


async def test_a_crash_right_after_the_release_is_saved_still_announces_it(
    live_bot: BotProcess, emulator: BotApiEmulator, user: ChatUser
) -> None:
    # The timer saves the release, then sends "Release now" at once: die in between.
    # The bot dies at its countdown's last edit and the release is saved as it saves it.
    killed = kill_when(emulator, live_bot, "editMessageText", "10 s left")
    await start_hold(user)
    await live_bot.wait_exit()
    await released_as_the_timer_saves_it(live_bot.database)
    assert killed() and releases(user) == 0
    await live_bot.start()
    release = await user.expect_message("Release now", timeout=10)
    await user.press("Next exercise", release)
    await user.expect_message("2/5 · Cat/cow")
    assert releases(user) == 1
    assert "Traceback" not in live_bot.log()


async def test_a_crash_while_release_now_is_sent_never_sends_it_twice(
    live_bot: BotProcess, emulator: BotApiEmulator, user: ChatUser
) -> None:
    killed = kill_when(emulator, live_bot, "sendMessage", "Release now")
    await start_hold(user)
    await live_bot.wait_exit()
    assert killed()
    await live_bot.start()
    # It may have reached the user: the restart closes the countdown quietly instead.
    done = await user.expect_edit("Hold done", timeout=10)
    assert "Next exercise ▶" in done.button_labels
    await user.press("Next exercise", done)
    await user.expect_message("2/5 · Cat/cow")
    assert releases(user) == 1
    assert "Traceback" not in live_bot.log()
