"""Routines in and out of the database, through the core's state machine.

Every caller that touches a routine (its buttons, free text, the safety screen, hold
timers, /forget) goes through `RoutineService`, so that loading, applying and saving
happen one way only: `perform` applies an action and saves it in one transaction, or
says why it didn't as a typed `Rejected`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

from bot.core import schedule
from bot.core.clock import ScaledClock
from bot.core.routine import (
    Action,
    InvalidAction,
    Outcome,
    Phase,
    Plan,
    Rejected,
    RoutineState,
    Status,
    Transition,
    apply,
    keeps_stop_advice,
)
from bot.core.safety import SafetyStatus, status_of
from bot.places import is_valid_zone, zone_info
from bot.services.doses import RunPlans
from db import routines
from db.connection import Database

log = logging.getLogger(__name__)

# A "Release now" owed at a crash is still sent after a restart this soon (seconds): the
# same grace a late hold timer gets. Later, or if the message may already have gone out,
# the countdown is quietly closed instead (README, "Limits we chose").
ANNOUNCE_LATE_UP_TO = 30.0


@dataclass(frozen=True, slots=True)
class OwedRelease:
    """A hold the timer released whose "Release now" was not settled at a crash."""

    state: RoutineState  # as saved with the release
    announce: bool  # send it now; otherwise close the countdown quietly


class RoutineService:
    def __init__(
        self,
        db: Database,
        plan: Plan,
        clock: ScaledClock,
        on_hold_stopped: Callable[[int], None] = lambda run_id: None,
        *,
        plans: RunPlans | None = None,
    ) -> None:
        self.db = db
        self.plan = plan
        self.clock = clock
        # Each run's own plan with its doses (issue 12); None: every run uses `plan`.
        self._plans = plans
        # The runtime's hold timers: a hold that stops must not ring "Release now" later.
        self._on_hold_stopped = on_hold_stopped

    async def load(self, run_id: int) -> RoutineState | None:
        """The routine, or None. One whose step no longer exists (the content was edited
        since) is stopped rather than crashing every button press."""
        return await self._checked(await routines.load(self.db, run_id))

    async def load_pressed(self, run_id: int) -> tuple[RoutineState | None, SafetyStatus | None]:
        """A pressed button's routine and its user's safety answer, in one read."""
        loaded = await routines.load(self.db, run_id)
        safety = status_of(loaded.safety_status) if loaded is not None else None
        return await self._checked(loaded), safety

    async def _checked(self, loaded: routines.Loaded | None) -> RoutineState | None:
        if loaded is None:
            return None
        run_id = int(loaded.row["id"])
        outcomes = cast(tuple[tuple[str, Outcome], ...], tuple(loaded.outcomes))
        # The user's "Text only" rides along: the card this update sends reads it there.
        state = replace(RoutineState.from_row(loaded.row, outcomes), text_only=loaded.text_only)
        await self.plan_for(state)  # in memory from here on, for `plan_of`
        if state.is_open and not self.fits_plan(state):
            log.warning("routine %s no longer fits the content; stopping it", run_id)
            await self.perform(state, Action.STOP)
            return await self.load(run_id)
        return state

    def fits_plan(self, state: RoutineState) -> bool:
        if state.phase is not Phase.EXERCISE:
            return True
        return state.exercise_index < len(self.plan.exercises) and state.step_index < len(
            self.plan.steps[state.exercise_index]
        )

    async def load_open(self, user_id: int) -> RoutineState | None:
        state = await self._checked(await routines.load_open(self.db, user_id))
        return state if state is not None and state.is_open else None

    async def begin(
        self, user_id: int, chat_id: int, *, gentle: bool = False
    ) -> tuple[RoutineState, bool]:
        """A new routine (its doses planned; `gentle`: all at the low end), or the one
        already open; the flag says whether it is new."""
        try:
            row = await routines.create(self.db, user_id, chat_id, self.clock.timestamp())
        except routines.AlreadyOpen:
            state = await self.load_open(user_id)
            if state is None:  # it ended between the insert and the read: try once more
                row = await routines.create(self.db, user_id, chat_id, self.clock.timestamp())
                return await self._planned(RoutineState.from_row(row), gentle), True
            return state, False
        return await self._planned(RoutineState.from_row(row), gentle), True

    async def _planned(self, state: RoutineState, gentle: bool) -> RoutineState:
        if self._plans is not None:
            await self._plans.plan_new(state.run_id, state.user_id, gentle=gentle)
        return state

    async def plan_for(self, state: RoutineState) -> Plan:
        """The routine's own plan: its exercises with today's doses."""
        if self._plans is None:
            return self.plan
        return await self._plans.plan_for(state.run_id)

    def plan_of(self, state: RoutineState) -> Plan:
        """`plan_for` without waiting, for a routine this service loaded (which keeps its
        plan in memory); the content's low ends if it somehow is not there."""
        if self._plans is None:
            return self.plan
        plan = self._plans.cached(state.run_id)
        if plan is None:
            log.warning("routine %s: its plan was not in memory; using the low ends", state.run_id)
            return self.plan
        return plan

    async def perform(
        self,
        state: RoutineState,
        action: Action,
        *,
        value: int | None = None,
        announce: bool = False,
    ) -> Transition | Rejected:
        """Apply `action` and save it; the saved transition, or why it didn't apply.
        `announce`: a "Release now" message is owed for it, recorded in the same
        transaction (see `owed_releases`)."""
        now = self.clock.timestamp()
        plan = await self.plan_for(state)
        hold_ends_at = None
        if action is Action.START_HOLD and state.phase is Phase.EXERCISE:
            hold_ends_at = now + self.clock.real_seconds(state.step(plan).seconds)
        try:
            result = apply(state, action, plan, now=now, value=value, hold_ends_at=hold_ends_at)
        except InvalidAction as exc:
            log.info("routine %s: %s does not fit (%s)", state.run_id, action.name, exc)
            return Rejected.NOT_FITTING
        saved = await routines.save(
            self.db,
            result.state.to_row(),
            expected_version=state.version,
            outcome=result.outcome,
            now=now,
            announce_due=now if announce else None,
        )
        if not saved:
            return Rejected.RACED
        if state.holding and not result.state.holding:
            self._on_hold_stopped(state.run_id)
        return result

    async def stop_open(self, user_id: int) -> RoutineState | None:
        """Stop the user's open routine, if any (a red flag was confirmed)."""
        state = await self.load_open(user_id)
        if state is None:
            return None
        result = await self.perform(state, Action.STOP)
        return result.state if isinstance(result, Transition) else None

    async def pause_open(self, user_id: int) -> bool:
        """Pause the user's routine if it is going (they blocked the bot): a running hold's
        timer stops, so no "Release now" is sent to a chat that refuses it, and Resume
        takes them back to the same step when they return."""
        state = await self.load_open(user_id)
        if state is None or state.status is not Status.ACTIVE:
            return False
        return isinstance(await self.perform(state, Action.PAUSE), Transition)

    async def set_message(self, run_id: int, message_id: int) -> None:
        """Which message carries the live buttons (bookkeeping, not a state change)."""
        await routines.set_message(self.db, run_id, message_id)

    async def holding(self) -> list[RoutineState]:
        """Routines whose hold timer was running (start-up re-arms or closes them)."""
        states = []
        # One query and one pass, however many people are holding (their dose plans: one
        # query per 500); only a routine that no longer fits the content costs more.
        holding = await routines.load_holding(self.db)
        if self._plans is not None:
            await self._plans.preload([int(loaded.row["id"]) for loaded in holding])
        for loaded in holding:
            try:
                state = await self._checked(loaded)
            except Exception:  # one broken routine must not keep the bot from starting
                log.exception("routine %s: could not load its hold", loaded.row["id"])
                continue
            if state is not None and state.holding:
                states.append(state)
        return states

    async def claim_overdue_holds(self, ended_before: float, limit: int) -> list[RoutineState]:
        """Holds that ended before `ended_before` with no release saved, claimed for this
        worker (see `db.routines.claim_overdue_holds`): the hold sweep announces them."""
        states = []
        for run_id in await routines.claim_overdue_holds(self.db, ended_before, limit):
            state = await self.load(run_id)
            if state is not None and state.holding:
                states.append(state)
        return states
    async def claim_announcement(self, run_id: int) -> bool:
        """Just before sending the owed "Release now": False if none is owed any more."""
        return await routines.claim_announcement(self.db, run_id, self.clock.timestamp())

    async def announced(self, run_id: int, message_id: int | None = None) -> None:
        """The owed "Release now" is settled; `message_id`: the message it was sent as,
        whose buttons are now the live ones (saved in the same write)."""
        await routines.announced(self.db, run_id, message_id)

    async def owed_releases(self) -> list[OwedRelease]:
        """At start-up: releases saved by the timer whose "Release now" was not settled
        when the process stopped, each with what to do about it."""
        owed = []
        now = self.clock.timestamp()
        for row in await routines.owed_announcements(self.db):
            try:
                state = await self.load(int(row["id"]))
            except Exception:  # one broken routine must not keep the bot from starting
                log.exception("routine %s: could not load its release", row["id"])
                continue
            if state is None:
                continue
            in_flight = row["announcing_at"] is not None
            late = now - float(row["announce_due"]) > ANNOUNCE_LATE_UP_TO
            announce = state.is_open and not in_flight and not late
            owed.append(OwedRelease(state, announce))
        return owed

    async def abandoned_releases(
        self, due_before: float, in_flight_before: float
    ) -> list[OwedRelease]:
        """Several workers: owed "Release now" messages no live worker is settling: owed
        since before `due_before` and not being sent, or being sent since before
        `in_flight_before` (its worker died during the call). What to do with each is
        decided as at a restart (`owed_releases`)."""
        owed = []
        now = self.clock.timestamp()
        for row in await routines.owed_announcements(self.db):
            due, sending = float(row["announce_due"]), row["announcing_at"]
            if (sending is None and due > due_before) or (
                sending is not None and float(sending) > in_flight_before
            ):
                continue
            state = await self.load(int(row["id"]))
            if state is None:
                continue
            late = now - due > ANNOUNCE_LATE_UP_TO
            owed.append(OwedRelease(state, state.is_open and sending is None and not late))
        return owed

    def seconds_left(self, state: RoutineState) -> float:
        """A running hold's time left, as the user reads it (speed applied back)."""
        assert state.hold_ends_at is not None
        return self.clock.user_seconds(state.hold_ends_at - self.clock.timestamp())

    async def stop_advice_today(self, user_id: int, zone: str | None) -> tuple[int, int] | None:
        """(pain before, after) of a routine finished earlier this local day (the user's
        zone, UTC until they set one) that ended with "stop for today"; None if none did.
        That advice stays in force for the rest of the day."""
        tz = zone_info(zone if zone and is_valid_zone(zone) else "UTC")
        today = self.clock.now().astimezone(tz).date()
        start, end = schedule.local_day_bounds(today, tz)
        for _, before, after in reversed(
            await routines.finished_between(self.db, user_id, start, end)
        ):
            if before is not None and after is not None and keeps_stop_advice(before, after):
                return before, after
        return None
