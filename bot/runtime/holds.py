"""Timers for running holds.

Each hold gets a "release now" timer (plus at most a couple of countdown ticks): entries
in one heap, served by one event-loop timer at the earliest. Arming is a heap push and
cancelling is O(1) (the hold's generation is dropped; its entries are skipped when their
time comes), however many users are holding. APScheduler, behind PTB's JobQueue, spent
about 0.15 ms arming each job (a uuid4 from os.urandom, `inspect.signature` of the
callback, its job store), which made re-arming 10,000 holds at start-up take seconds. A
timer that fires late (a busy moment) still runs: a late "release now" beats a lost one.
Timers are not persisted: the database is the truth and
`bot.handlers.holds.restore_holds` re-arms them at start.

Each timer runs its callback as PTB would run a job (a `Job` with its data, a context
built from it, errors to the application's error handler), as a task the application
waits for when it stops; `cancel_all` drops the timers at stop.

How long each timer waits comes from the `ScaledClock`; what the release and the ticks
say is the handlers' business (`bot.handlers.holds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, Job, JobQueue

from bot.core.clock import ScaledClock

# Seconds between countdown edits, as the user reads them: Telegram allows ~20 edits a
# minute in one chat.
COUNTDOWN_EVERY = 10
# A release owed for longer than this (after a restart, or taken over from a dead
# worker) is closed quietly instead of announced late.
MISFIRE_GRACE_SECONDS = 30

JobCallback = Callable[[Any], Coroutine[Any, Any, None]]
# A countdown edit running later than this (real seconds) while a release is being sent
# means the process is behind: the edit is skipped, so releases get the time.
TICK_SLACK = 0.2


@dataclass(order=True, slots=True)
class _Due:
    when: float  # loop time
    seq: int  # ties fire in the order they were armed
    run_id: int = field(compare=False)
    generation: int = field(compare=False)
    callback: JobCallback = field(compare=False)
    data: Any = field(compare=False)


class HoldTimers:
    """Every hold's timers in one heap under one event-loop timer: arming is a heap push
    (microseconds, so re-arming 10,000 holds at start-up is cheap) and cancelling drops
    the hold's generation, so its entries are skipped when their time comes."""

    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self._heap: list[_Due] = []
        self._seq = itertools.count()
        self._armed: dict[int, int] = {}  # run_id -> the generation of its live timers
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        self._runs_by_user: dict[int, int] = {}
        self._users_by_run: dict[int, int] = {}
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.releasing = 0  # releases being saved and sent right now
        self._early: set[asyncio.Task[None]] = set()

    @contextlib.contextmanager
    def release_running(self) -> Iterator[None]:
        """Around a release's save and send: the countdown edits meanwhile may yield."""
        self.releasing += 1
        try:
            yield
        finally:
            self.releasing -= 1

    def tick_may_run(self, late_by: float) -> bool:
        """A countdown edit is cosmetic, a release is not: skip a tick that fires late
        while releases are under way (a skipped tick is fine, a late release is not)."""
        return late_by <= TICK_SLACK or self.releasing == 0

    def arm(
        self,
        job_queue: JobQueue[Any],
        *,
        run_id: int,
        user_id: int,
        ends_at: float,
        hold_seconds: int,
        release: JobCallback,
        tick: JobCallback | None,
        data: Any,
    ) -> None:
        """Schedule the release at `ends_at` (a Unix instant) and a countdown tick every
        `COUNTDOWN_EVERY` seconds of a `hold_seconds` hold (none when `tick` is None);
        each tick's data is `(data, seconds left to show)`."""
        self.cancel(run_id)
        self._app = job_queue.application
        generation = next(self._seq)
        start = asyncio.get_running_loop().time()
        release_in = ends_at - self.clock.timestamp()
        self._push(start + max(0.0, release_in), run_id, generation, release, data)
        if tick is not None:
            for shown in range(hold_seconds - COUNTDOWN_EVERY, 0, -COUNTDOWN_EVERY):
                delay = release_in - self.clock.real_seconds(shown)
                if delay > 0:
                    self._push(start + delay, run_id, generation, tick, (data, shown))
        self._armed[run_id] = generation
        self._runs_by_user[user_id] = run_id
        self._users_by_run[run_id] = user_id
        self._wake()

    def _push(
        self, when: float, run_id: int, generation: int, callback: JobCallback, data: Any
    ) -> None:
        heapq.heappush(self._heap, _Due(when, next(self._seq), run_id, generation, callback, data))

    def _wake(self) -> None:
        """One loop timer, at the earliest entry."""
        if not self._heap or self._heap[0].when >= self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = self._heap[0].when
        self._timer = asyncio.get_running_loop().call_at(self._timer_at, self._fire)

    def _fire(self) -> None:
        self._timer, self._timer_at = None, math.inf
        loop = asyncio.get_running_loop()
        now = loop.time()
        app = self._app
        while self._heap and self._heap[0].when <= now:
            due = heapq.heappop(self._heap)
            if app is None or self._armed.get(due.run_id) != due.generation:
                continue  # cancelled or re-armed since
            job = Job(due.callback, data=due.data, name=f"hold-{due.run_id}")
            if app.running:  # a task the application waits for when it stops
                app.create_task(_run(app, job), name="hold-timer")
            else:  # between post_init and start: run it all the same
                task = loop.create_task(_run(app, job), name="hold-timer")
                self._early.add(task)
                task.add_done_callback(self._early.discard)
        self._wake()

    def cancel(self, run_id: int) -> None:
        """The hold's timers will not fire (those that already did are unaffected)."""
        user_id = self._users_by_run.pop(run_id, None)
        if user_id is not None and self._runs_by_user.get(user_id) == run_id:
            del self._runs_by_user[user_id]
        self._armed.pop(run_id, None)

    def cancel_user(self, user_id: int) -> None:
        run_id = self._runs_by_user.pop(user_id, None)
        if run_id is not None:
            self.cancel(run_id)

    def cancel_all(self) -> None:
        """The bot is stopping: no timer may fire after (the database re-arms them)."""
        self._armed.clear()
        self._runs_by_user.clear()
        self._users_by_run.clear()
        self._heap.clear()
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, math.inf


async def _run(app: Application[Any, Any, Any, Any, Any, Any], job: Job[Any]) -> None:
    """What PTB's JobQueue does when a job is due: a context for the job, the callback,
    and any error to the application's error handlers."""
    context = app.context_types.context.from_job(job, app)
    try:
        await job.callback(context)
    except Exception as exc:
        await app.process_error(None, exc, job=job)
