"""`python -m bot` as it runs in production: long polling against the Bot API server
named by TELEGRAM_API_URL (here the emulator), stopped cleanly by Ctrl-C / SIGINT."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.emulator import BotApiEmulator, ChatUser
from tests.conftest import TEST_TOKEN


async def test_the_live_bot_answers_over_http_and_stops_cleanly(
    emulator: BotApiEmulator, tmp_path: Path, media_cache: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[2]),
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": emulator.url,
            "DATABASE_PATH": str(tmp_path / "live.sqlite3"),
            "LOG_LEVEL": "DEBUG",
            # The tests' drawn pictures: the bot does not draw them all again meanwhile.
            "MEDIA_DIR": str(media_cache),
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        user = ChatUser(emulator)
        await user.send("/start")
        reply = await user.expect_message("BackCoach", timeout=30)
        assert "safety check" in (await user.expect_message(timeout=10)).plain
        assert reply.chat_id == user.chat_id
        assert {"routine", "reminder"} <= {c["command"] for c in emulator.commands}
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert "Traceback" not in log
    assert TEST_TOKEN not in log  # DEBUG logs every request URL, token masked
    assert (tmp_path / "live.sqlite3").exists()
