"""Each routine's own plan: today's doses are decided when it starts, stored with it, and
the hold timer, the card and a restart all read them back (services/doses.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content import Content
from bot.core.buttons import Felt
from bot.core.clock import FakeClock, ScaledClock
from bot.core.routine import Action, Plan, RoutineState, Transition
from bot.services.doses import RunPlans
from bot.services.progress import ProgressService
from bot.services.routine import RoutineService
from bot.views import routine as routine_view
from db import users
from db.connection import Database

USER = 7


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    await users.upsert(database, USER, USER, "Sam", 0.0)
    yield database
    await database.close()


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(1.0, FakeClock(datetime(2024, 6, 3, 8, 0, tzinfo=UTC)))


def next_day(clock: ScaledClock) -> None:
    assert isinstance(clock.source, FakeClock)
    clock.source.advance(timedelta(days=1))


def service(db: Database, content: Content, clock: ScaledClock, **kwargs: int) -> RoutineService:
    plans = RunPlans(db, content, clock, **kwargs)
    return RoutineService(db, Plan.from_content(content), clock, plans=plans)


async def act(
    routines: RoutineService, state: RoutineState, action: Action, value: int | None = None
) -> RoutineState:
    result = await routines.perform(state, action, value=value)
    assert isinstance(result, Transition), result
    return result.state


async def knee_hug(
    routines: RoutineService, felt: Felt | None, progress: ProgressService
) -> RoutineState:
    """A routine: pain 3, the knee hug held and done, `felt` tapped, then stopped. Returns
    the state as the hold started. Each on its own day."""
    next_day(routines.clock)
    state, new = await routines.begin(USER, USER)
    assert new
    state = await act(routines, state, Action.PAIN, value=3)
    state = await act(routines, state, Action.SHOW_ALL)
    holding = await act(routines, state, Action.START_HOLD)
    state = await act(routines, holding, Action.RELEASE)
    state = await act(routines, state, Action.NEXT)
    if felt is not None:
        assert await progress.feedback(state.run_id, USER, 0, felt)
    await act(routines, state, Action.STOP)
    return holding


async def test_easy_twice_makes_the_next_hold_25_s_on_the_timer_and_the_card(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    routines = service(db, content, clock)
    progress = ProgressService(db, content, clock)
    first = await knee_hug(routines, Felt.EASY, progress)
    assert first.hold_ends_at == clock.timestamp() + 20  # the low end, the first time
    await knee_hug(routines, Felt.EASY, progress)

    third = await knee_hug(routines, None, progress)
    assert third.hold_ends_at == clock.timestamp() + 25  # the timer runs today's dose
    plan = routines.plan_of(third)
    assert plan.steps[0][-1].seconds == 25
    card = routine_view.exercise_step(third, plan).text
    assert "The timer runs 25 s." in card
    assert "25 s today: you found it easy twice." in card

    # Read back after a restart (nothing in memory): the same plan.
    fresh = service(db, content, clock)
    reloaded = await fresh.load(third.run_id)
    assert reloaded is not None and fresh.plan_of(reloaded) == plan


async def test_too_hard_goes_back_to_the_low_end_and_says_why(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    routines = service(db, content, clock)
    progress = ProgressService(db, content, clock)
    for felt in (Felt.EASY, Felt.EASY, Felt.HARD):
        await knee_hug(routines, felt, progress)
    state = await knee_hug(routines, None, progress)
    plan = routines.plan_of(state)
    assert plan.steps[0][-1].seconds == 20
    dose = plan.dose(0)
    assert dose is not None and dose.line == "20 s today: last time felt too hard."


async def test_a_gentle_routine_is_all_low_ends_and_says_so(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    routines = service(db, content, clock)
    state, _ = await routines.begin(USER, USER, gentle=True)
    plan = await routines.plan_for(state)
    assert [d.notch for d in plan.doses] == [0] * len(content.exercises)
    dose = plan.dose(0)
    assert dose is not None and dose.line == "20 s today, the gentle end of the range."


async def test_a_retried_start_keeps_the_doses_it_first_planned(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    routines = service(db, content, clock)
    progress = ProgressService(db, content, clock)
    for _ in range(2):
        await knee_hug(routines, Felt.EASY, progress)
    state, _ = await routines.begin(USER, USER)
    plans = RunPlans(db, content, clock)
    planned = await plans.plan_for(state.run_id)
    assert planned.steps[0][-1].seconds == 25
    # Planned again (gentle: other doses): what was stored first stands.
    assert await plans.plan_new(state.run_id, USER, gentle=True) == planned


async def test_a_routine_from_before_doses_uses_the_low_ends(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    plain = RoutineService(db, Plan.from_content(content), clock)  # no doses stored
    state, _ = await plain.begin(USER, USER)
    routines = service(db, content, clock)
    loaded = await routines.load(state.run_id)
    assert loaded is not None
    assert routines.plan_of(loaded) == Plan.from_content(content)


async def test_runs_with_the_same_doses_share_one_plan_and_the_memory_is_bounded(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    routines = service(db, content, clock, cached_runs=2)
    plans = []
    for _ in range(3):
        state, _ = await routines.begin(USER, USER)
        plans.append(await routines.plan_for(state))
        await act(routines, state, Action.STOP)
    assert plans[0] is plans[1] is plans[2]
    assert routines._plans is not None and len(routines._plans._runs) == 2


async def test_a_restart_rearms_a_hold_at_its_own_dose(
    db: Database, content: Content, clock: ScaledClock
) -> None:
    routines = service(db, content, clock)
    progress = ProgressService(db, content, clock)
    await knee_hug(routines, Felt.EASY, progress)
    await knee_hug(routines, Felt.EASY, progress)
    next_day(clock)
    state, _ = await routines.begin(USER, USER)
    for action, value in ((Action.PAIN, 3), (Action.SHOW_ALL, None), (Action.START_HOLD, None)):
        state = await act(routines, state, action, value)
    assert state.hold_ends_at == clock.timestamp() + 25

    # Start-up: every running hold with its plan, read together (nothing in memory).
    fresh = service(db, content, clock)
    [holding] = await fresh.holding()
    assert holding.run_id == state.run_id
    assert fresh.plan_of(holding).steps[0][-1].seconds == 25
