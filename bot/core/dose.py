"""Today's dose of each exercise, from how it went before. Pure: no I/O, no clock.

The dose is one number per exercise: the seconds of a hold (each side, for a hold with
sides) or the number of repetitions (each side, for knee rocks). It only ever takes one
of the exercise's notches from `content/dose.toml`, which `load_content()` has checked
against the article's range, so no rule here can leave that range.

Rules (issue 12), in order of precedence:
1. Pain rose by 2 or more points over the last routine → every exercise at its first
   notch (the article's low end), whatever the feedback said.
2. No history for the exercise → the first notch.
3. The last time was "Too hard", or stopped with "It hurts" → the first notch.
4. "Easy" the last two times, both at today's notch → one notch up (at the top: stay).
   Two easy answers are needed *at the notch being left*, so each step up is earned
   by two routines at the level below; no answer counts as "About right".
5. Otherwise (about right, no answer, skipped) → the same notch as last time.

A past dose that is no longer a notch (the content changed) is read as the highest notch
not above it, so a shrunken range brings the dose down, never up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.content import Content, DoseLines, Exercise

Feedback = Literal["easy", "right", "hard"]
FEEDBACK: tuple[Feedback, ...] = ("easy", "right", "hard")
# A rise of this many points (after - before) over one routine is "pain rose".
PAIN_RISE = 2


class Reason(StrEnum):
    """Why the dose is what it is today; each has a line in dose.toml except START."""

    START = "start"  # no history: the article's low end, nothing to explain
    UP = "up"
    TOP = "top"  # easy twice at the top notch: it stays there
    SAME = "same"
    HARD = "hard"
    HURT = "hurt"
    PAIN_ROSE = "pain_rose"
    GENTLE = "gentle"  # asked for: "go on gently" after a pain rise (issue 10)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One earlier routine's go at an exercise: what was done and what the user said.

    `outcome` is the routine's record ("done", "skipped", "hurt"); `feedback` the optional
    tap after it (None: no tap, which means about right); `dose` what it was done at
    (None for routines from before doses were stored: read as the first notch).
    """

    outcome: Literal["done", "skipped", "hurt"]
    feedback: Feedback | None = None
    dose: int | None = None

    @property
    def felt(self) -> Feedback:
        """The feedback the rules use: "It hurts" is too hard, no answer is about right."""
        if self.outcome == "hurt":
            return "hard"
        if self.outcome == "skipped":
            return "right"  # nothing learned: keep the dose
        return self.feedback or "right"


@dataclass(frozen=True, slots=True)
class Dose:
    """Today's dose of one exercise, and why."""

    exercise_id: str
    amount: int  # seconds of the hold (each side) or repetitions (each side)
    notch: int  # index into the exercise's notches, 0 = the article's low end
    reason: Reason
    # The card's one line ("25 s today: you found it easy twice."), or None when there is
    # nothing worth saying (the first time, or the low end with nothing changed).
    line: str | None

    @property
    def is_low_end(self) -> bool:
        return self.notch == 0

    @property
    def stored(self) -> tuple[int, str | None]:
        """(dose, reason) as db.progress.record_doses keeps it: the reason only when the
        card shows a line, so `restore` gives back the same line after a restart."""
        return self.amount, (self.reason.value if self.line else None)


def pain_rose(before: int | None, after: int | None) -> bool:
    """True when a routine's pain went up by `PAIN_RISE` points or more."""
    return before is not None and after is not None and after - before >= PAIN_RISE


def amount_text(exercise: Exercise, amount: int) -> str:
    """`25 s`, `18 s each side`, `18 times`, `12 each side`: the dose as the card says it."""
    if exercise.hold is not None:
        return f"{amount} s each side" if len(exercise.hold.sides) > 1 else f"{amount} s"
    assert exercise.reps is not None
    return f"{amount} each side" if exercise.reps.each_side else f"{amount} times"


def _notch_of(notches: Sequence[int], amount: int | None) -> int:
    """The index of the highest notch not above `amount` (0 for None or below the range)."""
    if amount is None:
        return 0
    index = 0
    for i, value in enumerate(notches):
        if value <= amount:
            index = i
    return index


def _line(exercise: Exercise, amount: int, reason: Reason, lines: DoseLines) -> str:
    template: str = getattr(lines, reason.value)
    return template.format(dose=amount_text(exercise, amount))


def _dose(
    exercise: Exercise,
    notches: Sequence[int],
    notch: int,
    reason: Reason,
    lines: DoseLines,
    *,
    changed: bool,
) -> Dose:
    amount = notches[notch]
    say = len(notches) > 1 and reason is not Reason.START
    if reason in (Reason.HARD, Reason.HURT, Reason.PAIN_ROSE, Reason.SAME):
        # A step down is worth a line only if it stepped; "as last time" only above the
        # low end (at the low end the card's own numbers say it all).
        say = say and (changed if reason is not Reason.SAME else notch > 0)
    return Dose(
        exercise.id, amount, notch, reason, _line(exercise, amount, reason, lines) if say else None
    )


def next_dose(
    exercise: Exercise,
    notches: Sequence[int],
    history: Sequence[Attempt],
    lines: DoseLines,
    *,
    pain_rose_last_time: bool = False,
) -> Dose:
    """Today's dose of `exercise` from its `history` (oldest first; only routines that
    reached the exercise) and whether the last routine's pain rose by 2 or more."""
    if not notches:
        raise ValueError(f"{exercise.id}: no notches")
    last = history[-1] if history else None
    current = _notch_of(notches, last.dose) if last is not None else 0
    if pain_rose_last_time:
        return _dose(exercise, notches, 0, Reason.PAIN_ROSE, lines, changed=current > 0)
    if last is None:
        return _dose(exercise, notches, 0, Reason.START, lines, changed=False)
    if last.felt == "hard":
        reason = Reason.HURT if last.outcome == "hurt" else Reason.HARD
        return _dose(exercise, notches, 0, reason, lines, changed=current > 0)
    if len(history) >= 2:
        before = history[-2]
        at_this_notch = _notch_of(notches, before.dose) == current
        if last.felt == "easy" and before.felt == "easy" and at_this_notch:
            if current + 1 < len(notches):
                return _dose(exercise, notches, current + 1, Reason.UP, lines, changed=True)
            return _dose(exercise, notches, current, Reason.TOP, lines, changed=False)
    return _dose(exercise, notches, current, Reason.SAME, lines, changed=False)


def plan_doses(
    content: Content,
    histories: Mapping[str, Sequence[Attempt]],
    *,
    pain_rose_last_time: bool = False,
) -> dict[str, Dose]:
    """Today's dose of every exercise in the routine, keyed by exercise id."""
    return {
        exercise.id: next_dose(
            exercise,
            content.dose.notches(exercise.id),
            histories.get(exercise.id, ()),
            content.dose.lines,
            pain_rose_last_time=pain_rose_last_time,
        )
        for exercise in content.exercises
    }


def restore(
    exercise: Exercise,
    notches: Sequence[int],
    lines: DoseLines,
    stored: tuple[int, str | None] | None,
) -> Dose:
    """A routine's dose read back from the database (db.progress.run_doses), with the
    card's line; None (a routine from before doses existed) gives the low end."""
    if stored is None:
        return Dose(exercise.id, notches[0], 0, Reason.START, None)
    amount, reason_text = stored
    known = {r.value: r for r in Reason}
    reason = known.get(reason_text) if reason_text is not None else None
    line = _line(exercise, amount, reason, lines) if reason is not None else None
    return Dose(exercise.id, amount, _notch_of(notches, amount), reason or Reason.SAME, line)


def gentle_doses(content: Content) -> dict[str, Dose]:
    """Every exercise at the article's low end, said so on the card: the "go on gently"
    routine after a pain rise (issue 10)."""
    doses: dict[str, Dose] = {}
    for exercise in content.exercises:
        notches = content.dose.notches(exercise.id)
        dose = _dose(exercise, notches, 0, Reason.GENTLE, content.dose.lines, changed=True)
        doses[exercise.id] = dose
    return doses
