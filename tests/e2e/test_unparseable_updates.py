"""An update the library cannot parse is logged once and skipped; everyone else is
still answered, and the bot still stops promptly on SIGINT or SIGTERM.

The bad update here is real: a message with a poll as a Bot API 9.6 server sends it
(no `members_only`, which Bot API 10.0 added), which python-telegram-bot 22.8 refuses
to build.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.server import ApiError
from bot.runtime.deps import BotApp
from tests.conftest import TEST_TOKEN
from tests.e2e.live import start_live_bot

SECRET = "Alice's private poll: do you still have leg numbness?"


def old_server_poll(chat_id: int = 2002) -> dict[str, Any]:
    """A poll message the way a Bot API 9.6 server (an older self-hosted one) sends it."""
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Alice"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Alice"},
            "poll": {
                "id": "5001",
                "question": SECRET,
                "options": [
                    {"persistent_id": "a", "text": "yes", "voter_count": 0},
                    {"persistent_id": "b", "text": "no", "voter_count": 0},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
            },
        }
    }


def parse_failures(caplog: pytest.LogCaptureFixture, update_id: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if f"update {update_id} (" in r.getMessage()]


async def logged(caplog: pytest.LogCaptureFixture, *update_ids: int, timeout: float = 10) -> None:
    """Until the bot has logged each of these updates as unparseable (it has fetched them)."""
    deadline = time.monotonic() + timeout
    while not all(parse_failures(caplog, update_id) for update_id in update_ids):
        if time.monotonic() > deadline:
            pytest.fail(f"the bot never read updates {update_ids}")
        await asyncio.sleep(0.01)


async def test_an_unparseable_update_is_skipped_and_the_next_user_is_answered(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # INFO, as in production (at DEBUG, PTB logs every request and answer in full).
    caplog.set_level(logging.INFO)
    [bad] = await emulator.push_raw_updates(old_server_poll())
    await user.send("/help")
    await user.expect_message("What I can do")
    await user.send("/help")  # a second round trip: the bad update was not fetched again
    await user.expect_message("What I can do")

    [line] = parse_failures(caplog, bad)
    assert line.levelno == logging.WARNING
    assert "members_only" in line.getMessage()  # what the operator needs to know
    logged = caplog.text + "".join(str(r.msg) + str(r.args) for r in caplog.records)
    assert SECRET not in logged and "leg numbness" not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_bad_update_in_the_middle_of_a_batch_loses_none_of_the_others(
    bot: BotApp, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    first, second = ChatUser(emulator, user_id=3001), ChatUser(emulator, user_id=3002)
    help_from = [
        {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": u.chat_id, "type": "private", "first_name": "Sam"},
                "from": {"id": u.user_id, "is_bot": False, "first_name": "Sam"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        }
        for u in (first, second)
    ]
    _, bad, _ = await emulator.push_raw_updates(help_from[0], old_server_poll(), help_from[1])
    await first.expect_message("What I can do")
    await second.expect_message("What I can do")
    assert len(parse_failures(caplog, bad)) == 1


async def test_a_batch_of_only_bad_updates_is_confirmed_so_polling_moves_on(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bad = await emulator.push_raw_updates(
        old_server_poll(2002), {"message": "not an object"}, old_server_poll(2003)
    )
    # Let the bot fetch that batch alone (it may not even be polling yet): /help comes
    # only once it has read all three.
    await logged(caplog, *bad)
    await user.send("/help")
    await user.expect_message("What I can do")
    for update_id in bad:
        assert len(parse_failures(caplog, update_id)) == 1
    # The server was told: no later getUpdates asks for an offset at or below them.
    offsets = [int(p.get("offset") or 0) for m, p in emulator.requests if m == "getUpdates"]
    assert max(offsets) > max(bad)


# -- the production entry point: stops within 5 s, whatever state it is in --------------------


async def stop_within(process: asyncio.subprocess.Process, sig: int, seconds: float) -> str:
    """Send `sig`; the process must end within `seconds`. Returns its stderr."""
    process.send_signal(sig)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=seconds)
    except TimeoutError:
        process.kill()
        _, stderr = await process.communicate()
        pytest.fail(f"still running {seconds} s after {signal.Signals(sig).name}")
    return stderr.decode(errors="replace")


async def live_and_answering(emulator: BotApiEmulator, user_id: int = 1001) -> None:
    user = ChatUser(emulator, user_id=user_id)
    await user.send("/help")
    await user.expect_message("What I can do", timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_the_live_bot_skips_an_unparseable_update_and_stops_promptly(
    emulator: BotApiEmulator, tmp_path: Path, media_cache: Path, sig: int
) -> None:
    process = await start_live_bot(emulator.url, tmp_path, media_cache)
    try:
        await live_and_answering(emulator)
        [bad] = await emulator.push_raw_updates(old_server_poll())
        await live_and_answering(emulator, user_id=1002)  # answered despite the bad one
    finally:
        log = await stop_within(process, sig, 5)
    assert process.returncode == 0, log[-2000:]
    assert log.count(f"update {bad} (") == 1, log[-2000:]
    assert SECRET not in log and "Traceback" not in log and TEST_TOKEN not in log


@pytest.mark.slow
async def test_the_live_bot_stops_promptly_while_polling_waits_out_flood_control(
    emulator: BotApiEmulator, tmp_path: Path, media_cache: Path
) -> None:
    process = await start_live_bot(emulator.url, tmp_path, media_cache)
    try:
        await live_and_answering(emulator)
        # The poll after this /help is told to wait 30 s (PTB's own wait cannot be
        # interrupted).
        user = ChatUser(emulator, user_id=1002)
        update_id = await user.send("/help")
        emulator.fail(
            "getUpdates",
            ApiError(429, "Too Many Requests: retry after 30", 30),
            when=lambda params: int(params.get("offset") or 0) > update_id,
        )
        await user.expect_message("What I can do", timeout=30)
        await asyncio.sleep(1)  # that poll got its 429 and waits
    finally:
        log = await stop_within(process, signal.SIGTERM, 5)
    assert process.returncode == 0, log[-2000:]
    assert log.count("getUpdates failed") == 1, log[-2000:]


async def test_polling_backs_off_and_recovers_when_get_updates_fails(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    emulator.fail("getUpdates", ApiError(502, "Bad Gateway"), times=2)
    await user.send("/help")
    await user.expect_message("What I can do", timeout=10)
    failures = [r for r in caplog.records if "getUpdates failed" in r.getMessage()]
    assert len(failures) == 2 and all(r.levelno == logging.WARNING for r in failures)
    assert not [r for r in caplog.records if r.exc_info]  # one line each, no traceback
    assert any("getUpdates works again" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
async def test_the_live_bot_stops_promptly_while_a_reply_waits_for_telegram(
    emulator: BotApiEmulator, tmp_path: Path, media_cache: Path
) -> None:
    process = await start_live_bot(emulator.url, tmp_path, media_cache)
    try:
        await live_and_answering(emulator)
        emulator.answer_slowly(60)  # Telegram takes its time to confirm every send
        user = ChatUser(emulator, user_id=1003)
        await user.send("/help")
        await user.expect_message("What I can do")  # delivered; its answer is on its way
    finally:
        log = await stop_within(process, signal.SIGINT, 5)
    # Cut short rather than wait for Telegram: the send counts as done (it was delivered).
    assert "stopped without waiting for work in flight" in log, log[-2000:]
    assert process.returncode == 1 and TEST_TOKEN not in log
