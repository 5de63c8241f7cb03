"""The real bot as a separate process (`python -m bot`, as production runs it), pointed at
an emulator: for tests and benchmarks that kill it (SIGKILL) and start it again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "BackCoach is ready"


class BotProcess:
    def __init__(
        self,
        api_url: str,
        token: str,
        database: Path,
        log_file: Path,
        *,
        speed: float = 1.0,
        sweep_seconds: float = 60.0,
        media_dir: Path | None = None,
    ) -> None:
        self.api_url = api_url
        self.token = token
        self.database = database
        self.log_file = log_file
        self.speed = speed
        self.sweep_seconds = sweep_seconds
        # Where the exercise pictures are (None: drawn next to the database after start-up).
        self.media_dir = media_dir
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._log_from = 0

    def _env(self) -> dict[str, str]:
        media = {"MEDIA_DIR": str(self.media_dir)} if self.media_dir is not None else {}
        return {
            **media,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(_ROOT),
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_API_URL": self.api_url,
            "DATABASE_PATH": str(self.database),
            "BACKCOACH_SPEED": str(self.speed),
            "REMINDER_SWEEP_SECONDS": str(self.sweep_seconds),
            "LOG_LEVEL": "INFO",
        }

    async def start(self, *, ready_timeout: float = 30.0) -> None:
        """Start the bot and wait until it has restored its state and polls for updates."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log_from = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.log_file.parent,
                env=self._env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        self.starts += 1
        await self._wait_for_log(READY_LINE, ready_timeout)

    def log_since_start(self) -> str:
        with self.log_file.open("rb") as log:
            log.seek(self._log_from)
            return log.read().decode("utf-8", "replace")

    def log(self) -> str:
        return self.log_file.read_text("utf-8", "replace") if self.log_file.exists() else ""

    async def _wait_for_log(self, text: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while text not in self.log_since_start():
            if self.process is not None and self.process.returncode is not None:
                raise RuntimeError(f"the bot exited: {self.log_since_start()[-2000:]}")
            if loop.time() > deadline:
                raise TimeoutError(f"the bot did not log {text!r} in {timeout} s")
            await asyncio.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL, at once: no shutdown code runs (what a power cut or the OOM killer does).
        Synchronous, so an emulator hook can call it in the middle of a request."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # dead, not yet reaped
                os.kill(self.process.pid, signal.SIGKILL)

    async def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGINT, as Ctrl-C: a clean stop; returns the exit status."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        return await self.wait_exit(timeout)
