"""A paced send queue for proactive bulk messages (reminders).

Why not PTB's `AIORateLimiter`: on one `RetryAfter` it holds *every* request of the bot,
so a reminder burst's flood pause would also hold interactive replies and "release now"
messages. Here only this queue waits: interactive sends go straight to `bot.send_message`
and are never queued behind a burst.

- Pacing: one send every `1 / rate` seconds across all workers (25/s by default, under
  Telegram's ~30/s for bulk notifications). Each key (a chat) is in the queue at most
  once, so one chat never gets more than one message at a time from here (~1/s per chat).
- `RetryAfter`: the whole queue pauses for the time Telegram asked, then the same item
  is retried first. Nothing is dropped.
- A send that never left (no connection could be made, no pooled connection was free) is
  retried with exponential backoff (1 s, 2 s, 4 s … up to `max_backoff`) while other
  items keep flowing.
- A send that may have reached Telegram (a read timeout, a connection dropped after the
  request was written, a 5xx) is *not* retried: Telegram has no idempotency key, and a
  message whose answer was merely slow would arrive twice. We choose a rare lost nudge
  over a rare duplicate (README, "Limits we chose"); `SEND_READ_TIMEOUT` makes the
  "slow answer" case rare in the first place.
- Anything else an attempt raises is logged and the item is dropped: the attempt itself
  decides what a `Forbidden` or `BadRequest` means (the reminder service handles them).

Several workers run attempts concurrently so that network latency does not lower the
rate; the pacing, not the worker count, bounds messages per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

# How long a send waits for Telegram's answer (PTB's default is 5 s for every call).
# Telegram usually answers in well under a second; a longer wait turns a slow answer into
# a success instead of an unknown. Not longer: updates are handled one at a time, so a
# reply waiting for its answer holds up the next user's update for that long.
SEND_READ_TIMEOUT = 15.0


def never_sent(exc: BaseException) -> bool:
    """True when a failed Bot API call cannot have reached Telegram, so trying again
    cannot deliver it twice: the connection was never made (refused, DNS, TLS, connect
    timeout), or no pooled connection was free. PTB wraps httpx's errors in `NetworkError`
    / `TimedOut` with the httpx error as the cause. Everything else (a read timeout, a
    connection dropped after the request was written, a 5xx) may have been delivered."""
    return isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


Attempt = Callable[[], Awaitable[None]]


@dataclass
class SenderStats:
    """Counters for logs and the benchmark."""

    attempts: int = 0
    done: int = 0
    retry_after: int = 0
    network_errors: int = 0
    dropped: int = 0
    # Failed in a way that may still have delivered it: not retried (see the docstring).
    maybe_sent: int = 0


@dataclass
class _Item:
    key: int
    attempt: Attempt
    tries: int = 0
    not_before: float = 0.0


@dataclass
class PacedSender:
    rate: float = 25.0
    workers: int = 8
    max_backoff: float = 60.0
    base_backoff: float = 1.0
    # Called (synchronously) when the backlog drops to `low_water`: a chance to refill.
    on_low: Callable[[], None] | None = None
    low_water: int = 0
    stats: SenderStats = field(default_factory=SenderStats)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.workers < 1:
            raise ValueError("rate must be positive and workers at least 1")
        self._queue: deque[_Item] = deque()
        self._keys: set[int] = set()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._changed = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    # -- the caller's side -------------------------------------------------------------------

    def __contains__(self, key: int) -> bool:
        return key in self._keys

    @property
    def backlog(self) -> int:
        """Items waiting or being sent (retries included)."""
        return len(self._keys)

    def submit(self, key: int, attempt: Attempt) -> bool:
        """Queue `attempt` for `key`; False if that key is already queued or we stopped."""
        if self._stopping or key in self._keys:
            return False
        self._keys.add(key)
        self._queue.append(_Item(key, attempt))
        self._idle.clear()
        self._changed.set()
        return True

    def start(self) -> None:
        if self._tasks:
            return
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._work(), name=f"paced-sender-{n}") for n in range(self.workers)
        ]

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking items; let sends in flight finish (up to `grace` s), then cancel.
        Queued items are dropped: they are still due in the database."""
        self._stopping = True
        self._changed.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        self._queue.clear()
        self._keys.clear()
        self._idle.set()

    async def join(self) -> None:
        """Wait until nothing is queued or in flight (tests, benchmark)."""
        await self._idle.wait()

    # -- workers ---------------------------------------------------------------------------

    def _ready_item(self, now: float) -> tuple[_Item | None, float | None]:
        """The first item whose backoff has passed, else the earliest time one will."""
        earliest: float | None = None
        for index, item in enumerate(self._queue):
            if item.not_before <= now:
                del self._queue[index]
                return item, None
            earliest = item.not_before if earliest is None else min(earliest, item.not_before)
        return None, earliest

    async def _take(self) -> _Item | None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            item, earliest = self._ready_item(loop.time())
            if item is not None:
                return item
            self._changed.clear()
            timeout = None if earliest is None else max(0.0, earliest - loop.time())
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel
            # that lands as the wait ends, and stop() would hang on this loop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._changed.wait()
        return None

    async def _pace(self) -> None:
        """Wait for a free slot (and for any RetryAfter pause to end)."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            wait = max(self._paused_until, self._next_slot) - now
            if wait <= 0:
                self._next_slot = max(now, self._next_slot) + 1.0 / self.rate
                return
            await asyncio.sleep(wait)

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await self._take()
            if item is None:
                return
            finished = True
            try:
                await self._pace()
                self.stats.attempts += 1
                await item.attempt()
                self.stats.done += 1
            except RetryAfter as exc:
                self.stats.retry_after += 1
                pause = retry_seconds(exc)
                self._paused_until = max(self._paused_until, loop.time() + pause)
                log.warning("flood control: reminder queue pauses %.1f s", pause)
                self._queue.appendleft(item)
                finished = False
            except NetworkError as exc:
                if isinstance(exc, BadRequest):
                    self.stats.dropped += 1
                    log.error("bad request for key %s, dropped: %s", item.key, exc)
                elif not never_sent(exc):
                    self.stats.maybe_sent += 1
                    log.warning(
                        "send for key %s may have reached Telegram (%s); not retried",
                        item.key,
                        exc,
                    )
                else:
                    self.stats.network_errors += 1
                    item.tries += 1
                    delay = min(self.max_backoff, self.base_backoff * 2 ** (item.tries - 1))
                    item.not_before = loop.time() + delay
                    log.warning(
                        "network error (%s); retrying key %s in %.0f s", exc, item.key, delay
                    )
                    self._queue.append(item)
                    finished = False
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats.dropped += 1
                log.exception("send for key %s failed; dropped", item.key)
            finally:
                if finished:
                    self._keys.discard(item.key)
                self._changed.set()
            self._after_item()

    def _after_item(self) -> None:
        if not self._keys:
            self._idle.set()
        if self.on_low is not None and len(self._keys) <= self.low_water and not self._stopping:
            self.on_low()


def retry_seconds(exc: RetryAfter) -> float:
    """`RetryAfter.retry_after` is seconds or a timedelta depending on PTB settings (and
    warns about the change in PTB 22: we handle both, so the warning is noise here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))
