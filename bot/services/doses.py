"""Each routine's own plan: today's dose of every exercise, planned when the routine
starts and read back from the database afterwards (issue 12).

At the start (`plan_new`): the last two attempts of each exercise and the last routine's
pain (two bounded reads) go through the pure rules in `bot.core.dose`; the doses, with the
reason the card states, are stored with the run (`db.progress.record_doses`). From then on
the run's plan is rebuilt from what was stored (`plan_for`), so a restart, a second
device or a change of the rules mid-routine never changes a routine's timer halfway.

Plans are small and there are few distinct ones (a handful of notches per exercise), so
they are interned by their doses and each run only points at one: the cache of recent
runs costs a dictionary entry per run.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Literal, cast

from bot.content import Content
from bot.core.clock import ScaledClock
from bot.core.dose import Attempt, Dose, Feedback, gentle_doses, pain_rose, plan_doses, restore
from bot.core.routine import Plan
from db import progress
from db.connection import Database

log = logging.getLogger(__name__)

# Runs whose plan is kept in memory (a dict entry each; the plans themselves are shared).
CACHED_RUNS = 50_000

Key = tuple[tuple[int, str | None], ...]


class RunPlans:
    def __init__(
        self,
        db: Database,
        content: Content,
        clock: ScaledClock,
        *,
        cached_runs: int = CACHED_RUNS,
    ) -> None:
        self.db = db
        self.content = content
        self.clock = clock
        self.base = Plan.from_content(content)
        self._limit = cached_runs
        self._runs: OrderedDict[int, Plan] = OrderedDict()
        self._interned: dict[Key, Plan] = {}

    async def plan_new(self, run_id: int, user_id: int, *, gentle: bool = False) -> Plan:
        """Decide and store the doses of a routine that just started; its plan.
        `gentle`: every exercise at the low end, said so (the "go on gently" routine)."""
        if gentle:
            doses = gentle_doses(self.content)
        else:
            ids = [e.id for e in self.content.exercises]
            rows = await progress.attempts(self.db, user_id, ids)
            histories = {
                exercise_id: [
                    Attempt(
                        cast(Literal["done", "skipped", "hurt"], row["outcome"]),
                        cast(Feedback | None, row["feedback"]),
                        row["dose"],
                    )
                    for row in found
                ]
                for exercise_id, found in rows.items()
            }
            last = await progress.last_pain(self.db, user_id)
            rose = pain_rose(*last) if last is not None else False
            doses = plan_doses(self.content, histories, pain_rose_last_time=rose)
        planned = {exercise_id: dose.stored for exercise_id, dose in doses.items()}
        stored = await progress.record_doses(
            self.db, run_id, user_id, planned, self.clock.timestamp()
        )
        if len(stored) < len(planned):
            # A retried start: it keeps the doses it first planned, as stored.
            return await self._load(run_id)
        return self._keep(run_id, self._plan(stored))

    async def plan_for(self, run_id: int) -> Plan:
        """The run's plan: from memory, or rebuilt from its stored doses."""
        plan = self._runs.get(run_id)
        if plan is not None:
            self._runs.move_to_end(run_id)
            return plan
        return await self._load(run_id)

    async def preload(self, run_ids: list[int]) -> None:
        """Put the plans of many routines in memory with a few queries (start-up re-arms
        every running hold; one query each would make it grow with the holds)."""
        missing = [run_id for run_id in run_ids if run_id not in self._runs]
        stored = await progress.runs_doses(self.db, missing)
        for run_id in missing:
            self._keep(run_id, self._plan(stored[run_id]) if run_id in stored else self.base)

    def cached(self, run_id: int) -> Plan | None:
        """The run's plan if it is in memory (every load of a routine puts it there)."""
        return self._runs.get(run_id)

    async def _load(self, run_id: int) -> Plan:
        stored = await progress.run_doses(self.db, run_id)
        return self._keep(run_id, self._plan(stored) if stored else self.base)

    def _keep(self, run_id: int, plan: Plan) -> Plan:
        self._runs[run_id] = plan
        self._runs.move_to_end(run_id)
        while len(self._runs) > self._limit:
            self._runs.popitem(last=False)
        return plan

    def _plan(self, stored: dict[str, tuple[int, str | None]]) -> Plan:
        key: Key = tuple(stored.get(e.id, (0, None)) for e in self.content.exercises)
        plan = self._interned.get(key)
        if plan is None:
            doses: dict[str, Dose] = {
                e.id: restore(
                    e, self.content.dose.notches(e.id), self.content.dose.lines, stored.get(e.id)
                )
                for e in self.content.exercises
            }
            plan = Plan.from_content(self.content, doses)
            self._interned[key] = plan
        return plan
