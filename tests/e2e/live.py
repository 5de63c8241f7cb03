"""`python -m bot` as production starts it, for the tests that must see the real process:
its signals, its exit status and its log."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.conftest import TEST_TOKEN


async def start_live_bot(
    api_url: str,
    tmp_path: Path,
    media_cache: Path | None = None,
    *,
    log_level: str = "INFO",
) -> asyncio.subprocess.Process:
    """The bot against the Bot API at `api_url`, with its output collected. Given the
    tests' drawn pictures, it does not spend seconds of CPU drawing them all again while
    the test waits on its answers and its stop."""
    media = {} if media_cache is None else {"MEDIA_DIR": str(media_cache)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[2]),
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_PATH": str(tmp_path / "live.sqlite3"),
            "LOG_LEVEL": log_level,
            **media,
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
