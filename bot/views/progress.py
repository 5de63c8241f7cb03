"""What /progress, /goal, the morning check-in, the dose tap and /export say: Telegram
HTML text and buttons as typed payloads (`bot.core.buttons`). Pure: no telegram, no db.

The words are ours, not the article's (the "see someone" advice is general, conservative
advice, marked so in the text): short, second person, sized for a phone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.content import Content, Exercise
from bot.core.buttons import (
    CheckinButton,
    CheckinScore,
    FeedbackButton,
    Felt,
    GoalButton,
    ProgressButton,
    WakeTime,
)
from bot.core.dose import Dose, Feedback, amount_text
from bot.core.progress import (
    GOAL_MAX,
    GOAL_MIN,
    CheckIn,
    ExerciseRecord,
    PainTrend,
    Report,
    Routine,
    SeeSomeone,
    Streak,
    Trouble,
    WeekCount,
)
from bot.core.text import esc
from bot.views.screen import Button, Rows, Screen

__all__ = ["Screen"]

TOO_FEW = "Do a couple of routines and I'll show your trend here."
GENERAL_ADVICE = "General advice, not from the article."
CHART_DAYS = (14, 30)

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven")


def _number(value: float) -> str:
    """3.5, 4 (not 4.0): averages as people say them."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _words(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


# -- the week, for /progress and for the reminder ---------------------------------------------


def week_line(week: WeekCount) -> str:
    """'3 of 5 this week, two to go.' The reminder uses it as it is."""
    if week.done < week.goal:
        return f"{week.done} of {week.goal} this week, {_words(week.to_go)} to go."
    if week.done == week.goal:
        return f"{week.done} of {week.goal} this week: goal met."
    return f"{week.done} this week, past your goal of {week.goal}."


def _streak_line(streak: Streak) -> str | None:
    if streak.weeks >= 2:
        return f"🔥 Goal met {streak.weeks} weeks in a row."
    if streak.weeks == 1 and not streak.this_week:
        return "🔥 You met your goal last week."
    return None  # this week alone: the week line already says "goal met"


def _trend_line(trend: PainTrend) -> str | None:
    parts: list[str] = []
    if trend.this_week is not None and trend.last_week is not None:
        change = trend.this_week - trend.last_week
        how = "down from" if change < 0 else "up from"
        if abs(change) < 0.5:
            how = "about the same as"
        parts.append(
            f"Pain before a routine: {_number(trend.this_week)} on average this week, "
            f"{how} {_number(trend.last_week)} last week."
        )
    elif trend.this_week is not None:
        parts.append(f"Pain before a routine: {_number(trend.this_week)} on average this week.")
    elif trend.last_week is not None:
        parts.append(f"Pain before a routine: {_number(trend.last_week)} on average last week.")
    ago = trend.first_week_ago
    # The first week, unless it is this week or last week (already said above).
    if trend.first_week is not None and ago is not None and (ago >= 2 or (not parts and ago)):
        parts.append(f"In your first week it was {_number(trend.first_week)}.")
    return " ".join(parts) or None


def _trouble_line(trouble: Trouble, content: Content) -> str:
    name = esc(content.exercise(trouble.exercise_id).name)
    if trouble.hurt and trouble.skipped:
        what = f"skipped {trouble.skipped}, hurt {trouble.hurt}"
    elif trouble.hurt:
        what = f"hurt {trouble.hurt} times"
    else:
        what = f"skipped {trouble.skipped} times"
    line = f"Gives you most trouble lately: {name} ({what} in 30 days)."
    if trouble.hurt:
        line += " It's fine to leave it out."
    return line


def _checkin_button(checkin_on: bool) -> Button:
    if checkin_on:
        return "🌅 Morning check-in: on", CheckinButton(False)
    return "🌅 Morning check-in: off", CheckinButton(True)


def _progress_rows(days: int, goal: int, checkin_on: bool) -> Rows:
    switch = (
        ("📈 Last 30 days", ProgressButton(30))
        if days == 14
        else ("📈 Last 14 days", ProgressButton(14))
    )
    return [[switch], [(f"🎯 Goal: {goal} a week", GoalButton()), _checkin_button(checkin_on)]]


def progress(
    result: Report,
    content: Content,
    *,
    days: int = 14,
    checkin_on: bool = False,
    zone_known: bool = True,
) -> Screen:
    """/progress: the text (send it as the chart's caption, ≤ 1,024 characters) and its
    buttons. With fewer than two routines: the honest line and no chart switch.
    Without a zone of their own, the user is told days are UTC days."""
    if not result.enough:
        rows: Rows = [
            [(f"🎯 Goal: {result.week.goal} a week", GoalButton()), _checkin_button(checkin_on)]
        ]
        return Screen(f"{TOO_FEW} Send /routine to start one.", rows)
    lines = ["<b>Your progress</b>", week_line(result.week)]
    for extra in (
        _streak_line(result.streak),
        _trend_line(result.trend),
        _trouble_line(result.trouble, content) if result.trouble else None,
    ):
        if extra:
            lines.append(extra)
    lines.append(f"<i>Chart: the last {days} days.</i>")
    if not zone_known:
        lines.append("<i>Days are UTC days: send /timezone to use yours.</i>")
    return Screen("\n".join(lines), _progress_rows(days, result.week.goal, checkin_on))


def summary_rows() -> Rows:
    """Under each routine summary: the way to /progress."""
    return [[("📈 My progress", ProgressButton(14))]]


# -- the goal ---------------------------------------------------------------------------------


def goal_prompt(current: int) -> Screen:
    """/goal with no number: pick 3–7."""
    text = (
        "How many days a week would you like to do the routine? A day counts once you "
        f"finish a routine. Now: {current}."
    )
    buttons: list[Button] = [
        (f"✓ {n}" if n == current else str(n), GoalButton(n)) for n in range(GOAL_MIN, GOAL_MAX + 1)
    ]
    return Screen(text, [buttons])


def goal_set(week: WeekCount) -> Screen:
    return Screen(f"🎯 Goal set: {week.goal} days a week. {week_line(week)}")


def goal_out_of_range() -> Screen:
    return Screen(f"Pick a goal from {GOAL_MIN} to {GOAL_MAX} days a week.")


def parse_goal(typed: str) -> int | None:
    """The goal in a typed `/goal 4`; None if it is not a whole number 3–7."""
    text = typed.strip()
    if not text.isdigit():
        return None
    goal = int(text)
    return goal if GOAL_MIN <= goal <= GOAL_MAX else None


# -- the dose on the exercise card ------------------------------------------------------------


def card_line(exercise: Exercise, dose: Dose) -> str | None:
    """The one line the card adds for today's dose: the reason when there is one ("25 s
    today: you found it easy twice."), else for reps today's number ("Today: 15 times.",
    since the card's own text gives the article's range); a hold's card already says
    "The timer runs 20 s", so it needs nothing more."""
    if dose.line:
        return esc(dose.line)
    if exercise.reps is not None and exercise.reps.min != exercise.reps.max:
        return f"Today: {esc(amount_text(exercise, dose.amount))}."
    return None


# -- the dose tap after each exercise ---------------------------------------------------------


FEEDBACK_LABELS: dict[Felt, str] = {
    Felt.EASY: "😌 Easy",
    Felt.RIGHT: "👍 About right",
    Felt.HARD: "😓 Too hard",
}


def feedback_row(run_id: int, exercise_index: int) -> list[Button]:
    """One optional row on an exercise's last message once it is done: no tap means about
    right. Each button carries the run and the exercise, so a late tap still lands."""
    return [
        (label, FeedbackButton(run_id, exercise_index, f)) for f, label in FEEDBACK_LABELS.items()
    ]


def feedback_chosen(run_id: int, exercise_index: int, felt: Felt) -> Rows:
    """The row after a tap: the chosen one ticked, the others still there to correct it."""
    return [
        [
            (f"✓ {label}" if f is felt else label, FeedbackButton(run_id, exercise_index, f))
            for f, label in FEEDBACK_LABELS.items()
        ]
    ]


def feedback_ack(feedback: Feedback | Felt) -> str:
    """The toast after the tap (answerCallbackQuery text)."""
    return {
        "easy": "Noted: easy. Twice in a row and it grows a little.",
        "right": "Noted: about right.",
        "hard": "Noted: too hard. Next time starts gently.",
    }[Felt(feedback).value]


# -- the morning check-in ---------------------------------------------------------------------


WAKE_TIMES = (("06:00", "06:30", "07:00"), ("07:30", "08:00", "09:00"))


def checkin_offer() -> Screen:
    """Turning the check-in on: the wake-up time is asked once."""
    rows: Rows = [[(t, WakeTime(t.replace(":", ""))) for t in row] for row in WAKE_TIMES]
    return Screen(
        "🌅 Morning check-in: each morning I'll ask how your back is, from 0 to 10, and put "
        "it on your chart.\n\nWhat time do you usually wake up? Tap it or type it, like 6:45. "
        "I'll ask half an hour later.",
        rows,
    )


CHECKIN_NEEDS_ZONE = (
    "To ask at the right time each morning I need your time zone: send /timezone, then "
    "turn the check-in on again."
)


def checkin_on(at: time, first: str) -> Screen:
    """`first` is schedule.format_when's 'tomorrow 07:30'."""
    return Screen(
        f"🌅 Done: I'll ask at {at:%H:%M} each morning, first {first}. Turn it off any time "
        "under /progress."
    )


def checkin_off() -> Screen:
    return Screen("Morning check-in off. You can turn it back on under /progress.")


CHECKIN_TYPE_A_TIME = "Tap a time above or type one, like 6:45. Send /cancel to leave it off."
STALE = "That button no longer works. Send /progress."
NOTHING_TO_EXPORT = "Nothing to export yet: your history starts with your first /routine."


def checkin_already_on(at: str) -> Screen:
    return Screen(
        f"🌅 The morning check-in is on: I ask at {esc(at)} each morning.",
        [[_checkin_button(True)]],
    )


def checkin_prompt(day: date) -> Screen:
    """The morning message, sent by the reminder sweep; its buttons carry the date."""
    text = "🌅 How's your back this morning? From 0 (no pain) to 10 (the worst you can imagine)."
    rows: Rows = [
        [(str(n), CheckinScore(day, n)) for n in range(0, 6)],
        [(str(n), CheckinScore(day, n)) for n in range(6, 11)],
        [("🔕 Stop these check-ins", CheckinButton(False))],
    ]
    return Screen(text, rows)


CHECKIN_TOO_OLD = "That check-in has passed. The next one comes tomorrow morning."


def checkin_saved(score: int, today: date, previous: tuple[date, int] | None) -> Screen:
    """The check-in's message once answered (edit it: the keyboard goes away).
    `previous` is the check-in before this one (db.progress.record_checkin)."""
    text = f"🌅 Noted: {score}/10 this morning."
    if previous is not None:
        when, before = previous
        if (today - when).days == 1:
            text += f" Yesterday: {before}/10."
        elif (today - when).days <= 7:
            text += f" Last time ({when:%a}): {before}/10."
    return Screen(text + " It's on your /progress chart.")


# -- when to see someone (general advice) -----------------------------------------------------

_SEE_WHY = {
    SeeSomeone.HIGH: "Your pain has been 7 or more all week.",
    SeeSomeone.RISING: "Your morning pain has gone up three check-ins in a row.",
    SeeSomeone.NOT_FALLEN: (
        "Your pain hasn't gone down in the six weeks since you started the routine."
    ),
}


def see_someone(reason: SeeSomeone, *, checkin_on: bool) -> Screen:
    """Said once (the service stores that it was said). Never a diagnosis."""
    pause = "/reminder off pauses the daily reminder"
    if checkin_on:
        pause += ", and the button below stops the morning check-in"
    text = (
        f"{_SEE_WHY[reason]} It's worth seeing a GP or a physiotherapist about it: they can "
        "check what's going on and what would help. Get urgent care if any warning sign "
        f"from /safety appears.\n\nYou can keep going gently, or take a break: {pause}.\n"
        f"<i>{GENERAL_ADVICE}</i>"
    )
    rows: Rows = [[("🔕 Stop morning check-ins", CheckinButton(False))]] if checkin_on else []
    return Screen(text, rows)


# -- /export ----------------------------------------------------------------------------------

_OUTCOME_WORDS = {"done": "done", "skipped": "skipped", "hurt": "stopped: it hurts"}
_FELT_WORDS = {"easy": "easy", "right": "about right", "hard": "too hard"}


def export_filename(today: date) -> str:
    return f"backcoach-history-{today.isoformat()}.csv"


def export_caption(zone: ZoneInfo) -> str:
    return (
        "Your BackCoach history: every routine with your pain before and after, each "
        f"exercise's outcome and dose, and your morning check-ins. Times are {zone.key}."
    )


def export_csv(
    routines: Sequence[Routine],
    exercises: Mapping[int, Sequence[ExerciseRecord]],
    checkins: Sequence[CheckIn],
    content: Content,
    zone: ZoneInfo,
) -> bytes:
    """The user's whole history as CSV (UTF-8, one row per routine or check-in, oldest
    first). `exercises` maps a routine's run id to its exercises' records."""
    order = [e.id for e in content.exercises]
    header = [
        "date",
        f"time ({zone.key})",
        "what",
        "pain before",
        "pain after",
        "morning pain",
        "routine",
    ]
    for exercise in content.exercises:
        header += [f"{exercise.name}: outcome", f"{exercise.name}: dose", f"{exercise.name}: felt"]
    rows: list[tuple[float, list[str]]] = []
    for routine in routines:
        local = datetime.fromtimestamp(routine.started_at, zone)
        status = "finished" if routine.finished else ("stopped" if routine.ended_at else "open")
        row = [
            local.date().isoformat(),
            f"{local:%H:%M}",
            "routine",
            "" if routine.pain_before is None else str(routine.pain_before),
            "" if routine.pain_after is None else str(routine.pain_after),
            "",
            status,
        ]
        records = {r.exercise_id: r for r in exercises.get(routine.run_id, ())}
        for exercise_id in order:
            record = records.get(exercise_id)
            if record is None:
                row += ["", "", ""]
                continue
            dose = (
                amount_text(content.exercise(exercise_id), record.dose)
                if record.dose is not None
                else ""
            )
            felt = _FELT_WORDS.get(record.feedback or "", "")
            if record.outcome == "done" and not felt:
                felt = "about right (no answer)"
            if record.outcome is None:
                dose, felt = "", ""  # planned, never reached: no dose was done
            row += [_OUTCOME_WORDS.get(record.outcome or "", ""), dose, felt]
        rows.append((routine.started_at, row))
    for checkin in checkins:
        local = datetime.fromtimestamp(checkin.at, zone)
        row = [checkin.local_date.isoformat(), f"{local:%H:%M}", "morning check-in", "", ""]
        row += [str(checkin.score), ""] + ["", "", ""] * len(order)
        rows.append((checkin.at, row))
    rows.sort(key=lambda item: item[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(row for _, row in rows)
    return buffer.getvalue().encode("utf-8")
