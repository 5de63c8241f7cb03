"""The bot as deployed, for benchmarks: `python -m bot` in its own process, long polling
the Bot API emulator that runs in the benchmark's process.

What a benchmark reads about that process:
- CPU time (user + system) from `/proc/<pid>/stat`: what the bot itself spent, whatever
  else shares the machine's cores;
- SQL statements and transactions, from the bot's debug counter (`db.trace`, enabled
  by `BACKCOACH_SQL_COUNT`, dumped on SIGUSR1);
- HTTP calls, from the emulator's request log.

The baseline is a bare python-telegram-bot bot (`bench.baseline_bot`) started the same
way against its own emulator, so both are measured in the same run on the same machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.machine import drawn_pictures
from bot.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:BENCH-token-for-the-emulator-00000"
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the ")" that ends the command name: state is field 3, utime 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def descendants(pid: int) -> list[int]:
    """The processes a process started, and theirs (the bot's chart worker, say), found by
    parent id in /proc (this kernel has no /proc/<pid>/task/<tid>/children)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):  # exited meanwhile
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, wanted = [], {pid}
    while wanted:
        wanted = {child for child, parent in parents.items() if parent in wanted}
        found += sorted(wanted)
    return found


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * (len(ordered) - 1) + 0.5))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Emulator(BotApiEmulator):
    """The emulator, plus when each request arrived (start-up is measured to the first
    getUpdates, which the bot makes only after its post_init has re-armed everything)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.first_poll_at: float | None = None

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.first_poll_at is None:
            self.first_poll_at = time.monotonic()
        return await super()._m_getUpdates(params)

    def calls(self, since: int = 0) -> int:
        """HTTP calls the bot made after request number `since`, polls excluded."""
        return sum(1 for method, _ in self.requests[since:] if method != "getUpdates")

    def call_methods(self, since: int = 0) -> dict[str, int]:
        counts: dict[str, int] = {}
        for method, _ in self.requests[since:]:
            if method != "getUpdates":
                counts[method] = counts.get(method, 0) + 1
        return counts


@dataclass
class BotProcess:
    """A bot running in its own process."""

    process: asyncio.subprocess.Process
    emulator: Emulator
    folder: Path
    spawned_at: float
    sql_file: Path
    stderr_path: Path
    ready_seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def children_cpu(self) -> float:
        """CPU time of the processes it started and that still run (a worker's own CPU is
        not in the bot's until the worker exits)."""
        total = 0.0
        for pid in descendants(self.pid):
            with contextlib.suppress(OSError):  # exited meanwhile
                total += cpu_seconds(pid)
        return total

    async def sql(self) -> dict[str, int]:
        """The bot's SQL counters now (empty for a bot that keeps none)."""
        if not self.notes.get("counts_sql"):
            return {}
        before = self.sql_file.stat().st_mtime_ns if self.sql_file.exists() else 0
        self.process.send_signal(signal.SIGUSR1)
        for _ in range(400):
            await asyncio.sleep(0.005)
            if self.sql_file.exists() and self.sql_file.stat().st_mtime_ns != before:
                with contextlib.suppress(ValueError):
                    data: dict[str, int] = json.loads(self.sql_file.read_text())
                    return data
        return {}

    async def stop(self) -> str:
        """SIGINT, as Ctrl-C or a service manager would; returns what it logged."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.stderr_path.read_text(errors="replace")


async def spawn(
    emulator: Emulator,
    folder: Path,
    *,
    module: str = "bot",
    args: Sequence[str] = (),
    database: Path | None = None,
    speed: float = 1.0,
    env: dict[str, str] | None = None,
    name: str = "bot",
    ready_timeout: float = 120.0,
) -> BotProcess:
    """Start `python -m <module>` against `emulator`; return once it polls for updates."""
    folder.mkdir(parents=True, exist_ok=True)
    if module == "bot" or "bot" in args:
        # The reviewed pictures beside the database, as a deployed bot has them: it
        # would otherwise spend its first seconds drawing them in a worker thread.
        drawn_pictures((database or folder / f"{name}.sqlite3").parent)
    sql_file = folder / f"{name}-sql.json"
    stderr_path = folder / f"{name}-stderr.log"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.url,
        "DATABASE_PATH": str(database or folder / f"{name}.sqlite3"),
        "BACKCOACH_SPEED": repr(speed),
        "BACKCOACH_SQL_COUNT": str(sql_file),
        **(env or {}),
    }
    emulator.first_poll_at = None
    spawned = time.monotonic()
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            cwd=folder,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    bot = BotProcess(process, emulator, folder, spawned, sql_file, stderr_path)
    deadline = spawned + ready_timeout
    while emulator.first_poll_at is None:
        if process.returncode is not None or time.monotonic() > deadline:
            log = stderr_path.read_text(errors="replace")
            await bot.stop()
            raise RuntimeError(f"{module} did not start polling:\n{log[-3000:]}")
        await asyncio.sleep(0.002)
    bot.ready_seconds = emulator.first_poll_at - spawned
    bot.notes["counts_sql"] = module == "bot"
    return bot


async def start_emulator(**kwargs: Any) -> Emulator:
    emulator = Emulator(**kwargs)
    await emulator.start()
    return emulator
