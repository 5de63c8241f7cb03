"""Several workers on one PostgreSQL: "Release now" must come even when the worker that
started a hold is gone.

The worker that starts a hold arms its own timer (`HoldTimers`), as with one process.
Every worker also runs this sweep: about once a second it claims holds that ended more
than `grace` seconds ago and are still running in the database (nobody saved their
release: their worker died, or lags), and hands each to `take_over`, which announces it
through the same release path as a timer (or closes it quietly when it is far too late).
Exactly one worker announces: the claim bumps the routine's version and skips rows
another worker is claiming (`FOR UPDATE SKIP LOCKED`), and the release is the routine's
versioned save, which succeeds once whoever tries.

The same sweep settles "Release now" messages a worker saved as owed but died before
sending (`announce_due` without `announcing_at`, 0.5 s old), or died while sending
(`announcing_at` 30 s old), as a restart of that worker would have: the message's own
claim (`announcing_at`) keeps it to one.

So a dead worker's hold is announced at most `grace + every` (plus one query) after it
ended: 1.5 s with the defaults, inside the 2 s the issue allows. The query is an index
walk over `routine_runs_holding` that finds nothing almost always.

On SQLite there is one process by rule, and its timers (re-armed at start-up) suffice:
this sweep runs only when the database is shared (`Settings.shares_database`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.core.clock import ScaledClock
from bot.core.routine import RoutineState
from bot.services.routine import OwedRelease, RoutineService

log = logging.getLogger(__name__)

# Seconds between sweeps, and how long after its end a hold counts as orphaned (its own
# worker's timer normally fires within milliseconds). Real seconds, whatever the speed.
SWEEP_EVERY = 1.0
GRACE = 0.5
BATCH = 100
# A "Release now" being sent this long is its dead worker's (sends give up after 15 s).
IN_FLIGHT_STALE = 30.0

TakeOver = Callable[[RoutineState], Awaitable[None]]
Settle = Callable[[OwedRelease], Awaitable[None]]


class HoldSweep:
    def __init__(
        self,
        routines: RoutineService,
        clock: ScaledClock,
        take_over: TakeOver,
        settle: Settle,
        *,
        every: float = SWEEP_EVERY,
        grace: float = GRACE,
        batch: int = BATCH,
    ) -> None:
        self.routines = routines
        self.clock = clock
        self.take_over = take_over
        self.settle = settle
        self.every = every
        self.grace = grace
        self.batch = batch
        self.taken_over = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="hold-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def sweep(self) -> int:
        """Claim and hand over what is overdue now; the number taken over."""
        now = self.clock.timestamp()
        for owed in await self.routines.abandoned_releases(now - self.grace, now - IN_FLIGHT_STALE):
            log.info("routine %s: settling a release its worker did not", owed.state.run_id)
            try:
                await self.settle(owed)
            except Exception:
                log.exception("routine %s: could not settle its release", owed.state.run_id)
        taken = 0
        while True:
            ended_before = self.clock.timestamp() - self.grace
            states = await self.routines.claim_overdue_holds(ended_before, self.batch)
            for state in states:
                log.info("routine %s: taking over a hold its worker did not release", state.run_id)
                try:
                    await self.take_over(state)
                except Exception:  # one broken routine must not stop the sweep
                    log.exception("routine %s: could not take over its hold", state.run_id)
                taken += 1
            if len(states) < self.batch:
                self.taken_over += taken
                return taken

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.sweep()
            except Exception:  # the database may be away for a moment: try again
                log.exception("hold sweep failed")
            await asyncio.sleep(max(0.0, self.every - (loop.time() - started)))
