"""Timers for running holds.

Each hold gets its own one-shot APScheduler job for "release now" (plus at most a couple
of countdown ticks), kept by handle in a dict rather than looked up by name: cancelling is
O(1) however many users are holding. Jobs get a misfire grace time, so a busy moment
delays a "release now" by a little instead of dropping it. Jobs are not persisted: the
database is the truth and `bot.handlers.holds.restore_holds` re-arms them at start.

How long each timer waits comes from the `ScaledClock`; what the release and the ticks
say is the handlers' business (`bot.handlers.holds`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterator
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from telegram.ext import Job, JobQueue

from bot.core.clock import ScaledClock

# A release that fires late is still worth sending (within reason); APScheduler's
# default of 1 s would silently drop it when the event loop is busy.
MISFIRE_GRACE_SECONDS = 30
# Seconds between countdown edits, as the user reads them: Telegram allows ~20 edits a
# minute in one chat.
COUNTDOWN_EVERY = 10

JobCallback = Callable[[Any], Coroutine[Any, Any, None]]
# A countdown edit running later than this (real seconds) while a release is being sent
# means the process is behind: the edit is skipped, so releases get the time.
TICK_SLACK = 0.2


class HoldTimers:
    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self._jobs: dict[int, list[Job[Any]]] = {}
        self._runs_by_user: dict[int, int] = {}
        self._users_by_run: dict[int, int] = {}
        self.releasing = 0  # releases being saved and sent right now

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
        release_in = ends_at - self.clock.timestamp()
        ticks = []
        for shown in range(hold_seconds - COUNTDOWN_EVERY, 0, -COUNTDOWN_EVERY):
            delay = release_in - self.clock.real_seconds(shown)
            if delay > 0 and tick is not None:
                ticks.append((delay, shown, tick))
        kwargs = {"misfire_grace_time": MISFIRE_GRACE_SECONDS}
        jobs = [
            job_queue.run_once(
                release,
                when=timedelta(seconds=max(0.0, release_in)),
                data=data,
                name=f"release-{run_id}",
                job_kwargs=kwargs,
            )
        ]
        for delay, remaining, callback in ticks:
            jobs.append(
                job_queue.run_once(
                    callback,
                    when=timedelta(seconds=delay),
                    data=(data, remaining),
                    name=f"tick-{run_id}",
                    job_kwargs=kwargs,
                )
            )
        self._jobs[run_id] = jobs
        self._runs_by_user[user_id] = run_id
        self._users_by_run[run_id] = user_id

    def cancel(self, run_id: int) -> None:
        user_id = self._users_by_run.pop(run_id, None)
        if user_id is not None and self._runs_by_user.get(user_id) == run_id:
            del self._runs_by_user[user_id]
        for job in self._jobs.pop(run_id, []):
            if job.removed:
                continue
            # A one-shot job that already ran is gone from the scheduler.
            with contextlib.suppress(JobLookupError):
                job.schedule_removal()

    def cancel_user(self, user_id: int) -> None:
        run_id = self._runs_by_user.pop(user_id, None)
        if run_id is not None:
            self.cancel(run_id)
