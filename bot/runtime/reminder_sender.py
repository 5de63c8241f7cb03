"""Several workers on one PostgreSQL: reminders go out from one worker at a time.

Telegram allows a bot about 30 bulk messages a second, in all. Two ways to keep several
workers under it: a shared send budget in the database (every send takes a slot from one
hot row), or one sender at a time. We take the second:

- Every worker runs this loop. The one that holds the PostgreSQL advisory lock
  `backcoach:reminder-sender` is the sender: it runs the reminder sweep and the paced
  queue exactly as a single process does (25 messages/s, flood pauses, per-row claims),
  so the rate across the cluster is that one queue's rate, and nothing about the
  single-process guarantees changes.
- The others try the lock every `retry` seconds (one cheap query). The lock lives on a
  database connection the sender holds for as long as it sends: when its process dies,
  PostgreSQL drops the connection and the lock with it, and another worker takes over
  within about `retry` seconds.
- Taking over starts like a process start: claims left mid-send by the old sender are
  resolved (`ReminderService.start` -> `recover_interrupted`, and the check-ins' own:
  counted as sent, never sent twice); only the lock's holder sends, so no live
  sender's claim is ever among them. The morning check-ins ride on the same queue and
  sweep, so the same one worker sends them.
- A sender that stops cleanly lets its sends in flight finish, then lets go of the lock.

Why not the shared budget: one sender needs no new table, keeps the one-process code
path, and cannot be slower: Telegram's per-bot limit, not a worker's CPU, bounds
reminders (one worker sends 25/s using a few percent of a core, docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.services.reminders import ReminderService
from db.connection import Database

log = logging.getLogger(__name__)

LOCK = "backcoach:reminder-sender"
# Seconds between a non-sender's tries to become the sender.
RETRY_EVERY = 1.0


class ReminderSenderLease:
    def __init__(
        self,
        db: Database,
        service: ReminderService[Any],
        interval: float,
        *,
        retry: float = RETRY_EVERY,
        also_recover: Sequence[Callable[[], Awaitable[object]]] = (),
        also_sweep: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:
        self.db = db
        self.service = service
        # What rides on the same queue and sweep (the morning check-ins): recovered on
        # taking over, swept after each reminder sweep.
        self.also_recover = tuple(also_recover)
        self.also_sweep = tuple(also_sweep)
        self.interval = interval
        self.retry = retry
        self.sending = False
        self.terms = 0  # how many times this worker became the sender
        self._stopping = asyncio.Event()
        self._first_try = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start competing for the lock. Returns after the first try: when this worker
        got it, interrupted sends are resolved and the queue runs, as after a one-process
        start-up (the first sweep follows at once, in the background)."""
        if self._task is None:
            self._stopping.clear()
            self._first_try.clear()
            self._task = asyncio.create_task(self._run(), name="reminder-sender-lease")
            waiter = asyncio.create_task(self._first_try.wait())
            await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()

    async def stop(self) -> None:
        """Stop sweeping; sends in flight finish (up to the queue's grace), then the lock
        is released for another worker."""
        self._stopping.set()
        if self._task is not None:
            try:
                async with asyncio.timeout(15):
                    await asyncio.shield(self._task)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self.db.advisory_lock(LOCK) as mine:
                    if mine:
                        await self._send_while_holding()
            except Exception:  # the database may be away for a moment: try again
                log.exception("reminder sender: lost the database; trying again")
            finally:
                self._first_try.set()
            await self._pause(self.retry)

    async def _send_while_holding(self) -> None:
        self.sending = True
        self.terms += 1
        log.info("this worker now sends the reminders (it holds %s)", LOCK)
        try:
            await self.service.start()
            for recover in self.also_recover:
                await recover()
            self._first_try.set()
            while not self._stopping.is_set():
                await self.service.sweep_logged()
                for sweep in self.also_sweep:
                    await sweep()
                # Aligned to whole intervals of real time plus a little slack, as the
                # single-process sweep (bot.app._schedule_sweep): a 07:30 reminder goes
                # out at 07:30:00.2.
                slack = min(0.2, self.interval / 10)
                await self._pause(self.interval - (time.time() % self.interval) + slack)
        finally:
            await self.service.stop()
            self.sending = False
            log.info("this worker no longer sends reminders")

    async def _pause(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
