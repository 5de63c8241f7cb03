"""The /progress chart, rendered off the event loop.

matplotlib holds the GIL for much of a render (~100-200 ms), so a worker *thread* still
delays every other update the loop is handling; a worker *process* does not. By default
one worker process renders all charts, one at a time (2 cores: one for the loop, one for
charts), started on the first /progress (so start-up is unchanged) with the "spawn"
method (forking a process that runs threads and an event loop is unsafe), at a lower OS
priority, so that on busy cores the bot's own process runs first. If that
process dies, the next chart starts a new one, and this chart is rendered in a thread.
`make bench-progress` measures both ways against interactive replies.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.progress import CheckIn, Routine
from bot.media.charts import progress_chart

log = logging.getLogger(__name__)

Mode = Literal["process", "thread"]


# The chart worker's niceness: when the cores are busy, the OS runs the bot's event loop
# (button presses, "Release now") before charts, which can wait a little.
WORKER_NICENESS = 10


def _lower_priority() -> None:
    """In the worker process: yield the CPU to the bot's process when both want it."""
    with contextlib.suppress(OSError, AttributeError):  # not permitted, or not POSIX
        os.nice(WORKER_NICENESS)


class ChartRenderer:
    def __init__(self, mode: Mode = "process") -> None:
        self.mode: Mode = mode
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    async def render(
        self,
        routines: Sequence[Routine],
        checkins: Sequence[CheckIn],
        *,
        zone: ZoneInfo,
        today: date,
        days: int,
    ) -> bytes:
        """The chart's PNG bytes, rendered in the worker (process or thread)."""
        job = functools.partial(
            progress_chart, list(routines), list(checkins), zone=zone, today=today, days=days
        )
        if self.mode == "thread":
            return await asyncio.to_thread(job)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor(), job)
        except BrokenProcessPool:
            log.warning("the chart process died; starting a new one next time")
            self._drop()
            return await asyncio.to_thread(job)

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return self._pool

    def _drop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker process (at shutdown); charts still waiting are cancelled."""
        self._drop()
