"""Routines in and out of the database, through the core's state machine.

Shared by every handler that touches a routine (the routine's own buttons, free text,
the safety screen, /forget) so that loading, applying and saving happen one way only:
`perform` applies an action and saves it in one transaction, or says why it didn't.
"""

from __future__ import annotations

import logging
from typing import cast

from bot.context import Deps
from bot.core.routine import (
    Action,
    InvalidAction,
    Outcome,
    Phase,
    RoutineState,
    Transition,
    apply,
)
from db import routines

log = logging.getLogger(__name__)


async def load(deps: Deps, run_id: int) -> RoutineState | None:
    """The routine, or None. One whose step no longer exists (the content was edited
    since) is stopped rather than crashing every button press."""
    row = await routines.get(deps.db, run_id)
    if row is None:
        return None
    stored = await routines.outcomes(deps.db, run_id)
    outcomes = cast(tuple[tuple[str, Outcome], ...], tuple(stored))
    state = RoutineState.from_row(row, outcomes)
    if state.is_open and not fits_plan(state, deps):
        log.warning("routine %s no longer fits the content; stopping it", run_id)
        await perform(deps, state, Action.STOP)
        return await load(deps, run_id)
    return state


def fits_plan(state: RoutineState, deps: Deps) -> bool:
    plan = deps.plan
    if state.phase is not Phase.EXERCISE:
        return True
    return state.exercise_index < len(plan.exercises) and state.step_index < len(
        plan.steps[state.exercise_index]
    )


async def load_open(deps: Deps, user_id: int) -> RoutineState | None:
    row = await routines.open_for_user(deps.db, user_id)
    if row is None:
        return None
    state = await load(deps, int(row["id"]))
    return state if state is not None and state.is_open else None


async def perform(
    deps: Deps, state: RoutineState, action: Action, *, value: int | None = None
) -> Transition | str:
    """Apply `action` and save it; the saved transition, or a short reason it didn't apply."""
    now = deps.now()
    hold_ends_at = None
    if action is Action.START_HOLD and state.phase is Phase.EXERCISE:
        hold_ends_at = now + deps.settings.scaled(state.step(deps.plan).seconds)
    try:
        result = apply(state, action, deps.plan, now=now, value=value, hold_ends_at=hold_ends_at)
    except InvalidAction as exc:
        log.info("routine %s: %s does not fit (%s)", state.run_id, action.name, exc)
        return "That doesn't fit this step."
    saved = await routines.save(
        deps.db,
        result.state.to_row(),
        expected_version=state.version,
        outcome=result.outcome,
        now=now,
    )
    if not saved:
        return "Got it."  # someone (a double tap, the timer) changed it first
    if state.holding and not result.state.holding:
        deps.holds.cancel(state.run_id)
    return result


async def stop_open(deps: Deps, user_id: int) -> RoutineState | None:
    """Stop the user's open routine, if any (a red flag was confirmed); the stopped state."""
    state = await load_open(deps, user_id)
    if state is None:
        return None
    result = await perform(deps, state, Action.STOP)
    return result.state if isinstance(result, Transition) else None
