"""What the routine looks like on a phone: text (Telegram HTML) and buttons, per state.

Every button carries the run and the version of the state it was drawn for
(`RoutineButton`), so a double tap or a button from an earlier step is recognised.

Stopping: every "🛑 Stop" button (beside Next, Skip and Pause, where a slip of the thumb
is easy) asks "Stop the routine?" first. Two buttons stop at once, because each is the
answer to a question its screen asks and nothing would be saved by asking again: "🛑 Not
now" on the first pain score (nothing has started yet) and "🛑 Stop for today" after
"It hurts" (someone in pain should not be asked "are you sure?"). Typed "stop" and
/cancel stop at once too: typing it is deliberate.
"""

from __future__ import annotations

from bot.content import Exercise, Safety
from bot.core.buttons import GoOnToday, RoutineButton, RoutineTap
from bot.core.routine import (
    STOP_FOR_TODAY,
    Phase,
    Plan,
    Rejected,
    RoutineState,
    Status,
    Step,
    Summary,
    last_ended,
)
from bot.core.text import esc
from bot.views.answers import source_line
from bot.views.progress import card_line
from bot.views.screen import Button, Rows, Screen

T = RoutineTap


REJECTED = {
    Rejected.NOT_FITTING: "That doesn't fit this step.",
    Rejected.RACED: "Got it.",  # a double tap or the timer changed it first
}
ENDED = "That routine has ended. Send /routine to start a new one."
NOTHING_TO_CANCEL = "There's nothing to cancel right now."
EARLIER_STEP = "That button is from an earlier step. Here's where you are."


def _b(state: RoutineState, label: str, tap: RoutineTap, value: int | None = None) -> Button:
    return label, RoutineButton(state.run_id, state.version, tap, value)


def _header(state: RoutineState, plan: Plan) -> str:
    exercise = state.exercise(plan)
    return f"<b>{state.exercise_index + 1}/{len(plan.exercises)} · {esc(exercise.name)}</b>"


def _controls(state: RoutineState, *, hold_running: bool = False, why: RoutineTap = T.WHY) -> Rows:
    if hold_running:
        return [
            [_b(state, "😣 It hurts", T.HURT)],
            [_b(state, "⏸ Pause", T.PAUSE), _b(state, "🛑 Stop routine", T.STOP)],
        ]
    return [
        [_b(state, "❓ Why this exercise?", why), _b(state, "😣 It hurts", T.HURT)],
        [
            _b(state, "⏭ Skip exercise", T.SKIP),
            _b(state, "⏸ Pause", T.PAUSE),
            _b(state, "🛑 Stop", T.STOP),
        ],
    ]


def pain_prompt(state: RoutineState, before: bool) -> Screen:
    question = (
        "How is your pain right now" if before else "That's the last exercise. How is your pain now"
    )
    text = f"{question}, from 0 (no pain) to 10 (the worst you can imagine)?"
    rows = [
        [_b(state, str(n), T.PAIN, n) for n in range(0, 6)],
        [_b(state, str(n), T.PAIN, n) for n in range(6, 11)],
    ]
    if before:
        rows.append([_b(state, "🛑 Not now", T.CONFIRM_STOP)])
    return Screen(text, rows)


CONFIRM_STOP_TEXT = "Stop the routine? Your progress so far is saved."


def confirm_stop(state: RoutineState) -> Screen:
    """The one question before a 🛑 Stop takes effect (Pause never asks)."""
    return Screen(
        CONFIRM_STOP_TEXT,
        [[_b(state, "🛑 Stop", T.CONFIRM_STOP), _b(state, "▶ Keep going", T.KEEP_GOING)]],
    )


def _side(step: Step) -> str:
    return f" ({step.side} side)" if step.side else ""


def _action_text(exercise: Exercise, step: Step, held: bool, dose: str | None = None) -> str:
    lines = [f"<b>Now:</b> {esc(step.text)}"]
    if step.kind == "hold":
        lines.append(f"Range: {exercise.range_text}. The timer runs {step.seconds} s.")
    if dose:
        lines[-1] += f"\n{dose}"  # today's dose and why (issue 12), one short line
    if exercise.cues:
        lines.append("\n".join(f"• {esc(cue)}" for cue in exercise.cues))
    if held:
        lines.append("✅ Hold done.")
    return "\n\n".join(lines)


def exercise_step(
    state: RoutineState, plan: Plan, *, show_all: bool = False, why: str | None = None
) -> Screen:
    """One step of the current exercise, or (show_all) the whole card at once."""
    exercise = state.exercise(plan)
    step = state.step(plan)
    parts = [_header(state, plan)]
    if show_all:
        numbered = "\n".join(f"{i}. {esc(text)}" for i, text in enumerate(exercise.steps, 1))
        parts.append(numbered)
    if step.kind == "instruction":
        parts.append(f"Step {step.number} of {step.total}\n{esc(step.text)}")
    else:
        dose = plan.dose(state.exercise_index)
        line = card_line(exercise, dose) if dose is not None else None
        parts.append(_action_text(exercise, step, state.held, line))
    if why:
        parts.append(f"<i>Why: {esc(why)}</i>")
        source = source_line(exercise.why.source)
        if source:
            parts.append(f"<i>{esc(source)}</i>")
    rows: Rows = []
    if step.kind == "instruction":
        rows.append([_b(state, "Next ▶", T.NEXT)])
        rows.append([_b(state, "📋 Show all steps", T.SHOW_ALL)])
    elif step.kind == "hold" and not state.held:
        rows.append([_b(state, f"▶ Start the {step.seconds} s hold{_side(step)}", T.START_HOLD)])
    else:
        last = state.exercise_index + 1 == len(plan.exercises)
        label = "✅ Done" if step.kind == "reps" else ("Finish ▶" if last else "Next exercise ▶")
        rows.append([_b(state, label, T.NEXT)])
    controls = _controls(state, why=T.WHY_ALL if show_all else T.WHY)
    if why:
        controls[0] = [b for b in controls[0] if not _is_why(b)]
    return Screen("\n\n".join(parts), rows + controls)


def _is_why(button: Button) -> bool:
    payload = button[1]
    return isinstance(payload, RoutineButton) and payload.tap in (T.WHY, T.WHY_ALL)


def hold_countdown(state: RoutineState, plan: Plan, remaining: int) -> Screen:
    step = state.step(plan)
    if remaining >= step.seconds:
        text = f"⏳ Hold for {step.seconds} seconds{_side(step)}. Breathe normally."
    else:
        text = f"⏳ Holding{_side(step)}… {remaining} s left."
    rows = [[_b(state, "⏹ Release early", T.RELEASE)], *_controls(state, hold_running=True)]
    return Screen(f"{_header(state, plan)}\n{text}", rows)


def hold_over(step: Step, early: bool) -> str:
    return "⏹ Released early." if early else f"✅ Held {step.seconds} s{_side(step)}."


def release(state: RoutineState, plan: Plan, *, early: bool = False) -> Screen:
    """The new message when a hold ends (a new message, so the phone notifies). When the
    user let go early there is nothing to announce: just what comes next."""
    exercise = state.exercise(plan)
    step = state.step(plan)
    opening = "OK, hold over." if early else "🔔 <b>Release now.</b> Gently let go."
    if state.held:
        text = f"{opening} That's the {esc(exercise.name.lower())} done."
    else:
        text = f"{opening}\n\n{esc(step.text)}"
    return Screen(text, exercise_step(state, plan).rows)


def paused(state: RoutineState, plan: Plan, *, hold_reset: bool = False) -> Screen:
    where = "the pain check" if state.phase is not Phase.EXERCISE else state.exercise(plan).name
    reset = " The hold starts again from the beginning when you resume." if hold_reset else ""
    return Screen(
        f"⏸ Paused at {esc(where)}.{reset} Take your time; press Resume or send /routine when "
        "you're ready.",
        [[_b(state, "▶ Resume", T.RESUME), _b(state, "🛑 Stop", T.STOP)]],
    )


def stopped(state: RoutineState, plan: Plan) -> Screen:
    """Where the routine stopped, and how much of it was done (never a celebration)."""
    if state.phase is Phase.PAIN_BEFORE:
        return Screen("Okay, not now. Send /routine whenever you're ready.")
    done = sum(1 for _, outcome in state.outcomes if outcome == "done")
    after = last_ended(state, plan)
    if state.phase is Phase.EXERCISE and after is None:
        where = f"at the {esc(state.exercise(plan).name.lower())}"
    elif after is not None:
        where = f"after the {esc(after.lower())}"
    else:
        where = "at the last pain check"
    hurt = [name for name, outcome in state.outcomes if outcome == "hurt"]
    hurt_note = ""
    if hurt:
        names = {e.id: e.name for e in plan.exercises}
        hurt_note = (
            " Stopped because it hurt: " + esc(", ".join(names.get(h, h) for h in hurt)) + "."
        )
    return Screen(
        f"🛑 Routine stopped {where}. Done: {done} of {len(plan.exercises)}, and that's "
        f"saved.{hurt_note} Send /routine to start again whenever you like."
    )


def hurt(state: RoutineState, plan: Plan, stopped_name: str, advice: str) -> Screen:
    """After "It hurts": the advice, then a choice to go on or stop for today."""
    text = f"😣 Stopped the {esc(stopped_name.lower())}.\n\n{esc(advice)}"
    stop = [_b(state, "🛑 Stop for today", T.CONFIRM_STOP)]
    if state.phase is Phase.PAIN_AFTER:
        return Screen(text, [[_b(state, "Continue ▶", T.SHOW)], stop])
    upcoming = state.exercise(plan).name
    return Screen(text, [[_b(state, f"Continue with {upcoming} ▶", T.SHOW)], stop])


def resume_offer(state: RoutineState, plan: Plan) -> Screen:
    if state.phase is Phase.EXERCISE:
        step = state.step(plan)
        where = f"{state.exercise(plan).name}, step {step.number} of {step.total}"
    else:
        where = "the pain check"
    paused = state.status is Status.PAUSED
    status = "paused" if paused else "in progress"
    return Screen(
        f"You have a routine {status} ({esc(where)}). Pick up where you left off, or start over?",
        [
            [_b(state, "▶ Resume", T.RESUME if paused else T.SHOW)],
            [_b(state, "↺ Start over", T.RESTART)],
        ],
    )


def headline(result: Summary) -> str:
    """What happened, in one line: all done (the one time a 🎉 fits, and only if the pain
    did not rise and nothing hurt), some done, or none."""
    done = len(result.done)
    going_well = result.advice in ("improved", "eased", "unchanged") and not result.hurt
    if done == result.total:
        return f"Routine complete: all {done} done" + (" 🎉" if going_well else "")
    return f"Done: {done} of {result.total}"


def summary(result: Summary, safety: Safety) -> Screen:
    lines = [f"<b>{headline(result)}</b>"]
    lines.append(f"Time: {result.minutes} min {result.seconds:02d} s")
    if result.done:
        lines.append("Done: " + esc(", ".join(result.done)))
    if result.skipped:
        lines.append("Skipped: " + esc(", ".join(result.skipped)))
    if result.hurt:
        lines.append("Stopped because it hurt: " + esc(", ".join(result.hurt)))
    lines.append(f"Pain: {result.pain_before} → {result.pain_after}")
    values = {
        "before": result.pain_before,
        "after": result.pain_after,
        "rise": result.pain_after - result.pain_before,
    }
    advice = {
        "pain_rose": safety.pain_rose_advice,
        "pain_high": safety.pain_high_advice,
        "rose_a_little": safety.rose_a_little_text,
        "improved": safety.improved_text,
        "eased": safety.eased_text,
        "unchanged": safety.unchanged_text,
    }[result.advice].format(**values)
    marker = "⚠️ " if result.advice in STOP_FOR_TODAY else ""
    return Screen("\n".join(lines) + f"\n\n{marker}{esc(advice)}")


def caution_today(safety: Safety, before: int, after: int) -> Screen:
    """/routine later the same day after "stop for today": say so, and ask."""
    text = safety.caution_today.format(before=before, after=after)
    return Screen(
        f"⚠️ {esc(text)}",
        [[("Go on, gently", GoOnToday(True)), ("Rest today", GoOnToday(False))]],
    )


def rest_today(safety: Safety) -> Screen:
    return Screen(esc(safety.rest_today))
