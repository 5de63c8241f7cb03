"""`python -m bot` as it runs in production: long polling against the Bot API server
named by TELEGRAM_API_URL (here the emulator), stopped cleanly by Ctrl-C / SIGINT."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.emulator import BotApiEmulator, ChatUser
from tests.conftest import TEST_TOKEN
from tests.e2e.live import start_live_bot


async def test_the_live_bot_answers_over_http_and_stops_cleanly(
    emulator: BotApiEmulator, tmp_path: Path, media_cache: Path
) -> None:
    process = await start_live_bot(emulator.url, tmp_path, media_cache, log_level="DEBUG")
    try:
        user = ChatUser(emulator)
        await user.send("/start")
        reply = await user.expect_message("BackCoach", timeout=30)
        assert "safety check" in (await user.expect_message(timeout=10)).plain
        assert reply.chat_id == user.chat_id
        assert {"routine", "reminder"} <= {c["command"] for c in emulator.commands}
        await user.send("Does the bridge help after shovelling at Wolverhampton?")
        await user.expect_message(timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert "Traceback" not in log
    assert TEST_TOKEN not in log  # DEBUG logs every request URL, token masked
    # DEBUG names each Bot API call, but neither what the user wrote nor what we answered.
    assert "Calling Bot API endpoint `sendMessage`" in log
    assert "Wolverhampton" not in log and "safety check" not in log
    assert (tmp_path / "live.sqlite3").exists()
