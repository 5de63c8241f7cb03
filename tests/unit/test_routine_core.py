"""The routine's state machine, without Telegram or a database."""

from __future__ import annotations

import pytest

from bot.content import load_content
from bot.core.routine import (
    Action,
    InvalidAction,
    Phase,
    Plan,
    RoutineState,
    Status,
    apply,
    pain_advice,
    steps_for,
    summarize,
)

CONTENT = load_content()
PLAN = Plan.from_content(CONTENT)


def new_run(run_id: int, user_id: int, chat_id: int, now: float) -> RoutineState:
    """A routine as the database creates it: active, asking for the first pain score."""
    return RoutineState(run_id, user_id, chat_id, Status.ACTIVE, Phase.PAIN_BEFORE, now)


def started(pain: int = 5) -> RoutineState:
    state = new_run(1, 10, 10, now=0.0)
    return apply(state, Action.PAIN, PLAN, now=1.0, value=pain).state


def test_trunk_twist_steps_end_with_a_right_then_a_left_hold() -> None:
    steps = steps_for(CONTENT.exercise("trunk_twist"))
    holds = [s for s in steps if s.kind == "hold"]
    assert [(h.side, h.seconds) for h in holds] == [("right", 15), ("left", 15)]
    assert "Switch sides" in holds[1].text
    assert steps[-1].number == steps[-1].total == 7


def test_the_opening_pain_score_starts_the_first_exercise() -> None:
    state = started(pain=4)
    assert state.phase is Phase.EXERCISE and state.pain_before == 4
    assert state.exercise(PLAN).id == "flexion" and state.step_index == 0


def test_every_change_bumps_the_version() -> None:
    state = started()
    after = apply(state, Action.NEXT, PLAN, now=2.0).state
    assert after.version == state.version + 1


def test_a_hold_cannot_start_before_its_step_or_end_before_it_started() -> None:
    state = started()
    with pytest.raises(InvalidAction):
        apply(state, Action.START_HOLD, PLAN, now=2.0, hold_ends_at=22.0)
    with pytest.raises(InvalidAction):
        apply(state, Action.RELEASE, PLAN, now=2.0)


def test_hold_release_then_next_records_done_and_moves_on() -> None:
    state = apply(started(), Action.SHOW_ALL, PLAN, now=2.0).state
    assert state.step(PLAN).kind == "hold"
    with pytest.raises(InvalidAction):
        apply(state, Action.NEXT, PLAN, now=2.0)  # the hold comes first
    holding = apply(state, Action.START_HOLD, PLAN, now=2.0, hold_ends_at=22.0).state
    assert holding.holding
    released = apply(holding, Action.RELEASE, PLAN, now=22.0).state
    assert released.held and not released.holding
    result = apply(released, Action.NEXT, PLAN, now=23.0)
    assert result.outcome == (0, "flexion", "done")
    assert result.state.exercise(PLAN).id == "cat_cow" and result.state.step_index == 0


def test_the_trunk_twists_right_release_moves_to_the_left_side() -> None:
    state = started()
    for _ in range(2):
        state = apply(state, Action.SKIP, PLAN, now=2.0).state
    state = apply(state, Action.SHOW_ALL, PLAN, now=3.0).state
    assert state.step(PLAN).side == "right"
    state = apply(state, Action.START_HOLD, PLAN, now=3.0, hold_ends_at=18.0).state
    state = apply(state, Action.RELEASE, PLAN, now=18.0).state
    assert state.step(PLAN).side == "left" and not state.held


def test_skip_during_the_trunk_twist_leads_to_knee_rocks() -> None:
    state = started()
    for _ in range(2):
        state = apply(state, Action.SKIP, PLAN, now=2.0).state
    assert state.exercise(PLAN).id == "trunk_twist"
    result = apply(state, Action.SKIP, PLAN, now=3.0)
    assert result.outcome == (2, "trunk_twist", "skipped")
    assert result.state.exercise(PLAN).id == "knee_rocks"


def test_it_hurts_during_a_hold_ends_the_exercise_and_the_hold() -> None:
    state = apply(started(), Action.SHOW_ALL, PLAN, now=2.0).state
    state = apply(state, Action.START_HOLD, PLAN, now=2.0, hold_ends_at=22.0).state
    result = apply(state, Action.HURT, PLAN, now=5.0)
    assert result.outcome == (0, "flexion", "hurt")
    assert not result.state.holding


def test_pausing_a_hold_resets_it_and_buttons_wait_until_resume() -> None:
    state = apply(started(), Action.SHOW_ALL, PLAN, now=2.0).state
    state = apply(state, Action.START_HOLD, PLAN, now=2.0, hold_ends_at=22.0).state
    paused = apply(state, Action.PAUSE, PLAN, now=5.0).state
    assert paused.status is Status.PAUSED and not paused.holding
    with pytest.raises(InvalidAction):
        apply(paused, Action.NEXT, PLAN, now=6.0)
    resumed = apply(paused, Action.RESUME, PLAN, now=7.0).state
    assert resumed.status is Status.ACTIVE and resumed.step(PLAN).kind == "hold"


def test_a_finished_or_stopped_routine_accepts_nothing() -> None:
    stopped = apply(started(), Action.STOP, PLAN, now=2.0).state
    assert stopped.status is Status.STOPPED and stopped.ended_at == 2.0
    with pytest.raises(InvalidAction):
        apply(stopped, Action.NEXT, PLAN, now=3.0)


def test_pain_scores_outside_0_to_10_are_refused() -> None:
    with pytest.raises(InvalidAction):
        apply(new_run(1, 1, 1, 0.0), Action.PAIN, PLAN, now=1.0, value=11)


def test_after_the_last_exercise_the_closing_score_finishes_the_routine() -> None:
    state = started(pain=6)
    for _ in range(5):
        state = apply(state, Action.SKIP, PLAN, now=2.0).state
    assert state.phase is Phase.PAIN_AFTER
    state = apply(state, Action.PAIN, PLAN, now=125.0, value=3).state
    assert state.status is Status.FINISHED
    summary = summarize(state, PLAN)
    assert (summary.minutes, summary.seconds) == (2, 5)
    assert len(summary.skipped) == 5 and summary.advice == "improved"
    assert summary.total == 5 and summary.done == ()


@pytest.mark.parametrize(
    ("before", "after", "advice"),
    [
        (3, 5, "pain_rose"),
        (0, 2, "pain_rose"),
        (7, 8, "pain_high"),
        (9, 9, "pain_high"),
        (6, 4, "improved"),  # 2 points
        (3, 2, "eased"),  # 33 %, but from a start below 4: one point is not the rule's
        (1, 0, "eased"),
        (10, 7, "improved"),  # 30 % from 10 (and 3 points)
        (7, 6, "eased"),  # 1 point, 14 %
        (4, 5, "rose_a_little"),  # rose by 1: said plainly, never "fine"
        (0, 0, "unchanged"),
    ],
)
def test_pain_advice_thresholds(before: int, after: int, advice: str) -> None:
    assert pain_advice(before, after) == advice


def test_state_round_trips_through_a_database_row() -> None:
    state = apply(started(), Action.SHOW_ALL, PLAN, now=2.0).state
    state = apply(state, Action.START_HOLD, PLAN, now=2.0, hold_ends_at=22.5).state
    assert RoutineState.from_row(state.to_row()) == state
