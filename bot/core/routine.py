"""The routine's state machine: where the user is, and what each button does to it.

Pure: no Telegram, no database, no clock. A handler loads a `RoutineState`, calls
`apply(state, action, plan)` and gets back the new state and what happened
(`Transition.outcome`, whether a hold started or stopped); it persists that and
renders the new state with `bot.views.routine`. Every change bumps `version`, and
buttons carry the version they were drawn for, so a double tap or an old button can
never move the routine twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from bot.content import Content, Exercise

if TYPE_CHECKING:
    from bot.core.dose import Dose

Outcome = Literal["done", "skipped", "hurt"]


class Phase(StrEnum):
    PAIN_BEFORE = "pain_before"
    EXERCISE = "exercise"
    PAIN_AFTER = "pain_after"
    FINISHED = "finished"


class Status(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


class Action(StrEnum):
    """What a button (or a typed pain score) asks for. Values go into callback data."""

    NEXT = "n"
    SHOW_ALL = "a"
    START_HOLD = "h"
    RELEASE = "e"  # the hold ended: by the timer, or the user released early
    SKIP = "s"
    HURT = "o"
    PAUSE = "p"
    RESUME = "r"
    STOP = "x"
    PAIN = "v"  # with a score 0-10


class Rejected(StrEnum):
    """Why an action was not saved (the service's typed answer; views word it)."""

    NOT_FITTING = "not_fitting"  # a forged or confused press: nothing changed
    RACED = "raced"  # someone (a double tap, the timer) changed the routine first


class InvalidAction(Exception):
    """The action does not fit the current step (a forged or confused button)."""


@dataclass(frozen=True, slots=True)
class Step:
    kind: Literal["instruction", "hold", "reps"]
    text: str
    number: int  # 1-based, within the exercise
    total: int
    side: str | None = None
    seconds: int = 0  # for a hold: the timer's length (today's dose; the low end by default)


def steps_for(exercise: Exercise, hold_seconds: int | None = None) -> list[Step]:
    """The instructions one per step, then the action: one hold per side, or the reps.
    A hold's timer runs `hold_seconds` (today's dose), or the low end of its range."""
    actions: list[tuple[Literal["hold", "reps"], str, str | None, int]] = []
    if exercise.hold is not None:
        sides: list[str | None] = list(exercise.hold.sides) or [None]
        for index, side in enumerate(sides):
            text = exercise.action if index == 0 else exercise.hold.switch_text
            actions.append(("hold", text, side, hold_seconds or exercise.hold.min_seconds))
    else:
        actions.append(("reps", exercise.action, None, 0))
    total = len(exercise.steps) + len(actions)
    steps = [Step("instruction", text, i + 1, total) for i, text in enumerate(exercise.steps)]
    for offset, (kind, text, side, seconds) in enumerate(actions):
        steps.append(Step(kind, text, len(exercise.steps) + offset + 1, total, side, seconds))
    return steps


@dataclass(frozen=True, slots=True)
class Plan:
    """The routine laid out: each exercise with its steps. One run's plan carries that
    run's doses (bot.core.dose): a hold's timer is today's dose; without doses, the low
    end of each range."""

    exercises: tuple[Exercise, ...]
    steps: tuple[tuple[Step, ...], ...]
    doses: tuple[Dose, ...] = ()  # by exercise position; empty: no doses planned

    @classmethod
    def from_content(cls, content: Content, doses: Mapping[str, Dose] | None = None) -> Plan:
        exercises = tuple(content.exercises)
        if not doses:
            return cls(exercises, tuple(tuple(steps_for(e)) for e in exercises))
        steps = tuple(
            tuple(steps_for(e, doses[e.id].amount if e.hold is not None else None))
            for e in exercises
        )
        return cls(exercises, steps, tuple(doses[e.id] for e in exercises))

    def dose(self, exercise_index: int) -> Dose | None:
        return self.doses[exercise_index] if self.doses else None

    def first_action_index(self, exercise_index: int) -> int:
        steps = self.steps[exercise_index]
        return next(i for i, step in enumerate(steps) if step.kind != "instruction")


@dataclass(frozen=True, slots=True)
class RoutineState:
    run_id: int
    user_id: int
    chat_id: int
    status: Status
    phase: Phase
    started_at: float
    exercise_index: int = 0
    step_index: int = 0
    hold_ends_at: float | None = None  # set while a hold's timer runs
    held: bool = False  # the current hold step was completed; waiting for Next
    message_id: int | None = None  # the message with the live buttons (UI bookkeeping)
    version: int = 0
    pain_before: int | None = None
    pain_after: int | None = None
    ended_at: float | None = None
    outcomes: tuple[tuple[str, Outcome], ...] = ()
    # The user's "Text only" choice, read with the routine so the picture of the card
    # this update sends needs no read of its own. Not the routine's state: never saved,
    # not compared; None when not read (a routine just created).
    text_only: bool | None = field(default=None, compare=False)

    @property
    def is_open(self) -> bool:
        return self.status in (Status.ACTIVE, Status.PAUSED)

    @property
    def holding(self) -> bool:
        return self.hold_ends_at is not None

    def exercise(self, plan: Plan) -> Exercise:
        return plan.exercises[self.exercise_index]

    def step(self, plan: Plan) -> Step:
        return plan.steps[self.exercise_index][self.step_index]

    # Rows in and out: the database layer speaks plain mappings, so it needs no core types.
    def to_row(self) -> dict[str, object]:
        return {
            "id": self.run_id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "status": self.status.value,
            "phase": self.phase.value,
            "exercise_index": self.exercise_index,
            "step_index": self.step_index,
            "hold_ends_at": self.hold_ends_at,
            "held": int(self.held),
            "message_id": self.message_id,
            "version": self.version,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }

    @classmethod
    def from_row(
        cls, row: Mapping[str, object], outcomes: tuple[tuple[str, Outcome], ...] = ()
    ) -> RoutineState:
        def opt_int(key: str) -> int | None:
            value = row[key]
            return None if value is None else int(str(value))

        def opt_float(key: str) -> float | None:
            value = row[key]
            return None if value is None else float(str(value))

        return cls(
            run_id=int(str(row["id"])),
            user_id=int(str(row["user_id"])),
            chat_id=int(str(row["chat_id"])),
            status=Status(str(row["status"])),
            phase=Phase(str(row["phase"])),
            started_at=float(str(row["started_at"])),
            exercise_index=int(str(row["exercise_index"])),
            step_index=int(str(row["step_index"])),
            hold_ends_at=opt_float("hold_ends_at"),
            held=bool(row["held"]),
            message_id=opt_int("message_id"),
            version=int(str(row["version"])),
            pain_before=opt_int("pain_before"),
            pain_after=opt_int("pain_after"),
            ended_at=opt_float("ended_at"),
            outcomes=outcomes,
        )


@dataclass(frozen=True, slots=True)
class Transition:
    state: RoutineState
    # The exercise that just ended and how, to be saved with the state.
    outcome: tuple[int, str, Outcome] | None = None



def _finish_exercise(state: RoutineState, plan: Plan, outcome: Outcome) -> Transition:
    """Record the outcome and move to the next exercise, or to the closing pain score."""
    exercise = state.exercise(plan)
    ended = (state.exercise_index, exercise.id, outcome)
    base = replace(
        state,
        step_index=0,
        hold_ends_at=None,
        held=False,
        outcomes=(*state.outcomes, (exercise.id, outcome)),
    )
    if state.exercise_index + 1 < len(plan.exercises):
        return Transition(replace(base, exercise_index=state.exercise_index + 1), ended)
    return Transition(replace(base, phase=Phase.PAIN_AFTER), ended)


def apply(
    state: RoutineState,
    action: Action,
    plan: Plan,
    *,
    now: float,
    value: int | None = None,
    hold_ends_at: float | None = None,
) -> Transition:
    """The next state after `action`. Raises `InvalidAction` when it does not fit."""
    if not state.is_open:
        raise InvalidAction("the routine has ended")
    result = _apply(state, action, plan, now=now, value=value, hold_ends_at=hold_ends_at)
    return replace(result, state=replace(result.state, version=state.version + 1))


def _apply(
    state: RoutineState,
    action: Action,
    plan: Plan,
    *,
    now: float,
    value: int | None,
    hold_ends_at: float | None,
) -> Transition:
    if action is Action.STOP:
        return Transition(
            replace(state, status=Status.STOPPED, hold_ends_at=None, held=False, ended_at=now)
        )
    if action is Action.PAUSE:
        if state.status is Status.PAUSED:
            raise InvalidAction("already paused")
        # A paused hold starts again from the beginning: half a hold is not a hold.
        return Transition(replace(state, status=Status.PAUSED, hold_ends_at=None))
    if action is Action.RESUME:
        if state.status is not Status.PAUSED:
            raise InvalidAction("not paused")
        return Transition(replace(state, status=Status.ACTIVE))
    if state.status is Status.PAUSED:
        raise InvalidAction("paused")

    if action is Action.PAIN:
        if value is None or not 0 <= value <= 10:
            raise InvalidAction("pain is a whole number from 0 to 10")
        if state.phase is Phase.PAIN_BEFORE:
            return Transition(replace(state, phase=Phase.EXERCISE, pain_before=value))
        if state.phase is Phase.PAIN_AFTER:
            return Transition(
                replace(
                    state,
                    phase=Phase.FINISHED,
                    status=Status.FINISHED,
                    pain_after=value,
                    ended_at=now,
                )
            )
        raise InvalidAction("no pain score is asked for now")

    if state.phase is not Phase.EXERCISE:
        raise InvalidAction("no exercise is running")
    step = state.step(plan)

    if action is Action.SKIP:
        return _finish_exercise(state, plan, "skipped")
    if action is Action.HURT:
        return _finish_exercise(state, plan, "hurt")
    if action is Action.SHOW_ALL:
        if step.kind != "instruction":
            raise InvalidAction("already at the action")
        return Transition(replace(state, step_index=plan.first_action_index(state.exercise_index)))
    if action is Action.START_HOLD:
        if step.kind != "hold" or state.holding or state.held:
            raise InvalidAction("no hold to start here")
        if hold_ends_at is None or hold_ends_at <= now:
            raise InvalidAction("a hold needs an end in the future")
        return Transition(replace(state, hold_ends_at=hold_ends_at))
    if action is Action.RELEASE:
        if not state.holding:
            raise InvalidAction("no hold is running")
        is_last_step = state.step_index + 1 >= len(plan.steps[state.exercise_index])
        if is_last_step:
            return Transition(replace(state, hold_ends_at=None, held=True))
        # Another side follows: move to it, ready for its own "Start" press.
        return Transition(replace(state, hold_ends_at=None, step_index=state.step_index + 1))
    if action is Action.NEXT:
        if step.kind == "instruction":
            return Transition(replace(state, step_index=state.step_index + 1))
        if step.kind == "reps" or state.held:
            return _finish_exercise(state, plan, "done")
        raise InvalidAction("start the hold first")
    raise InvalidAction(f"unknown action {action!r}")


# -- the summary --------------------------------------------------------------------------

Advice = Literal["pain_rose", "pain_high", "rose_a_little", "improved", "eased", "unchanged"]
# Advice that means "stop for today": it stays in force for the rest of that local day
# (a later /routine asks first) and the next day's reminder mentions it.
STOP_FOR_TODAY: frozenset[Advice] = frozenset({"pain_rose", "pain_high"})


@dataclass(frozen=True, slots=True)
class Summary:
    minutes: int
    seconds: int
    total: int  # exercises in the routine
    done: tuple[str, ...]
    skipped: tuple[str, ...]
    hurt: tuple[str, ...]
    pain_before: int
    pain_after: int
    advice: Advice


def is_clear_improvement(before: int, after: int) -> bool:
    """The change clinicians count as a real improvement on a 0-10 pain scale: a drop of
    2 points or more, or of 30 % or more from a start of 4 or more (from a low start a
    single point is a large percentage but within the scale's own noise)."""
    drop = before - after
    return drop >= 2 or (before >= 4 and drop > 0 and drop / before >= 0.3)


def pain_advice(before: int, after: int) -> Advice:
    """A rise of 2+ points or a score of 8+ means stop for today; a rise of 1 is said
    plainly; a drop counts as an improvement only by `is_clear_improvement`."""
    if after - before >= 2:
        return "pain_rose"
    if after >= 8:
        return "pain_high"
    if after > before:
        return "rose_a_little"
    if is_clear_improvement(before, after):
        return "improved"
    if after < before:
        return "eased"
    return "unchanged"


def keeps_stop_advice(before: int | None, after: int | None) -> bool:
    """Did a finished routine end with "stop for today"?"""
    if before is None or after is None:
        return False
    return pain_advice(before, after) in STOP_FOR_TODAY


def last_ended(state: RoutineState, plan: Plan) -> str | None:
    """The name of the last exercise that ended (done, skipped or hurt), if any."""
    if not state.outcomes:
        return None
    names = {e.id: e.name for e in plan.exercises}
    exercise_id = state.outcomes[-1][0]
    return names.get(exercise_id, exercise_id)


def summarize(state: RoutineState, plan: Plan) -> Summary:
    if state.pain_before is None or state.pain_after is None or state.ended_at is None:
        raise ValueError("the routine is not finished")
    names = {e.id: e.name for e in plan.exercises}
    elapsed = max(0, round(state.ended_at - state.started_at))

    def named(kind: Outcome) -> tuple[str, ...]:
        return tuple(names.get(ex, ex) for ex, outcome in state.outcomes if outcome == kind)

    return Summary(
        minutes=elapsed // 60,
        seconds=elapsed % 60,
        total=len(plan.exercises),
        done=named("done"),
        skipped=named("skipped"),
        hurt=named("hurt"),
        pain_before=state.pain_before,
        pain_after=state.pain_after,
        advice=pain_advice(state.pain_before, state.pain_after),
    )
