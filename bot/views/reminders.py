"""What the reminder and time-zone screens say, and their buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.core import schedule
from bot.core.buttons import (
    AskZone,
    ChangeTime,
    CheckinButton,
    Pause,
    PickDays,
    PickTime,
    ReminderButton,
    ReminderTap,
    Resume,
    SetWeekdays,
    SetZone,
    TurnOff,
)
from bot.core.progress import WeekCount
from bot.core.text import esc
from bot.core.timeparse import EXAMPLES, format_time, time_from_hhmm
from bot.places import ZoneChoice, zone_info, zone_label
from bot.views.progress import week_line
from bot.views.screen import Rows, Screen


class Reminder(Protocol):
    """What a screen needs of a stored reminder (`db.reminders.Reminder` has it)."""

    @property
    def local_time(self) -> str: ...
    @property
    def weekdays_only(self) -> bool: ...
    @property
    def next_due(self) -> float | None: ...
    @property
    def paused_until(self) -> float | None: ...
    @property
    def snoozed(self) -> bool: ...


class Due(Protocol):
    """A reminder about to be sent, with its user's name and zone."""

    @property
    def reminder(self) -> Reminder: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def last_pain(self) -> tuple[int, int] | None: ...
    @property
    def week(self) -> tuple[int, int] | None: ...


PAUSE_DAYS = (1, 3, 7)
COMMON_TIMES = [["07:00", "07:30", "08:00"], ["12:00", "18:00", "20:00"]]
ZONE_QUESTION = (
    "Which time zone are you in? Tap <b>📍 Share location</b>, or type a city "
    "(Berlin, Pune), a zone (Asia/Kolkata) or an offset (+5:30, UTC-4)."
)
ZONE_UNKNOWN = (
    "I don't know that place. Try a bigger city near you (Munich), a zone "
    "(Europe/Berlin) or an offset (+5:30, UTC-4)."
)
STALE_BUTTON = "That button no longer works. Send /reminder."
TURNED_OFF = "🔕 Reminders are off. Send /reminder to set one again."
LEFT_SETUP = "I've left the reminder set-up; send /reminder to come back to it."
SETUP_CANCELLED = "Okay, nothing changed."
DAYS_HINT = "Tap <b>Every day</b> or <b>Weekdays only</b> (or type it), or send /cancel to stop."
DONE_TODAY = "you've done today's routine"


def greeting(hour: int) -> str:
    if hour < 12:
        return "Good morning"
    if hour < 18:
        return "Good afternoon"
    return "Good evening"


def reminder_message(
    due: Due, day: date, minutes: int, now: datetime, yesterday: str = ""
) -> Screen:
    """The daily reminder; its buttons carry the local date it is for. `yesterday` is the
    content's line about a routine that ended with "stop for today" the day before
    (`{before}`, `{after}`), said when `due.last_pain` is set."""
    zone = zone_info(due.zone or "UTC")
    name = f", {esc(due.first_name)}" if due.first_name else ""
    if due.reminder.snoozed:
        text = f"⏰ Here's your reminder again{name}. Your back routine takes about {minutes} min."
    else:
        hello = greeting(now.astimezone(zone).hour)
        text = f"{hello}{name}! Time for your back routine: about {minutes} minutes."
    if due.week is not None:  # where the week stands against the goal (issue 12)
        text += "\n" + week_line(WeekCount(*due.week))
    if due.last_pain is not None and yesterday:
        before, after = due.last_pain
        text += "\n\n" + esc(yesterday.format(before=before, after=after))
    rows: Rows = [
        [("▶️ Start routine", ReminderButton(ReminderTap.START, day))],
        [
            ("⏰ Snooze 30 min", ReminderButton(ReminderTap.SNOOZE, day)),
            ("Skip today", ReminderButton(ReminderTap.SKIP, day)),
        ],
    ]
    return Screen(text, rows)


def describe_next(reminder: Reminder, zone: str, now: datetime, *, done_today: bool = False) -> str:
    """`tomorrow 07:30 (in 17 h 25 min)` for the stored next due instant; when the user
    already did today's routine, `tomorrow 07:30 (you've done today's routine)`, so the
    reason there is none today is said rather than left to guess."""
    assert reminder.next_due is not None
    due = datetime.fromtimestamp(reminder.next_due, UTC)
    tz = zone_info(zone)
    when = schedule.format_when(due, now, tz)
    if done_today and due.astimezone(tz).date() > now.astimezone(tz).date():
        return f"{when} ({DONE_TODAY})"
    return f"{when} ({schedule.format_delay(reminder.next_due - now.timestamp())})"


def describe_preference(reminder: Reminder) -> str:
    days = "on weekdays" if reminder.weekdays_only else "every day"
    at = time_from_hhmm(reminder.local_time)
    return f"{days} at {format_time(at) if at else reminder.local_time}"


def welcome_back(reminder: Reminder) -> Screen:
    """After the user unblocked the bot: their reminder was turned off by the block."""
    text = (
        f"Welcome back! Your daily reminder ({describe_preference(reminder)}) was turned "
        "off while I was blocked. Shall I turn it back on?"
    )
    hhmm = reminder.local_time.replace(":", "")
    rows: Rows = [
        [("🔔 Turn it back on", PickDays(hhmm, reminder.weekdays_only))],
        [("No, thanks", TurnOff())],
    ]
    return Screen(text, rows)


def local_clock(zone: str, now: datetime) -> str:
    local = now.astimezone(zone_info(zone))
    return f"{local.hour:02d}:{local.minute:02d}"


def zone_text(zone: str, now: datetime) -> str:
    text = f"{esc(zone_label(zone))} (it's {local_clock(zone, now)} there now)"
    if zone.startswith("Etc/") or zone == "UTC":
        text += ". A fixed offset has no daylight saving; send a city to follow it"
    return text


def is_paused(reminder: Reminder, now: datetime) -> bool:
    return reminder.paused_until is not None and reminder.paused_until > now.timestamp()


def status(
    reminder: Reminder, zone: str, now: datetime, note: str = "", *, done_today: bool = False
) -> Screen:
    label = esc(zone_label(zone))
    lines = [note] if note else []
    lines.append(f"⏰ Your reminder: {describe_preference(reminder)} ({label}).")
    paused = is_paused(reminder, now)
    if paused:
        lines.append(f"Paused. It resumes by itself: {describe_next(reminder, zone, now)}.")
    else:
        lines.append(f"Next: {describe_next(reminder, zone, now, done_today=done_today)}.")
    days = (
        ("Every day", SetWeekdays(False))
        if reminder.weekdays_only
        else ("Weekdays only", SetWeekdays(True))
    )
    pause_row: Rows = (
        [[("▶️ Resume now", Resume())]]
        if paused
        else [[(f"Pause {n} day{'s' if n > 1 else ''}", Pause(n)) for n in PAUSE_DAYS]]
    )
    rows: Rows = [
        [("🕗 Change time", ChangeTime()), days],
        *pause_row,
        [("🌍 Time zone", AskZone()), ("🔕 Turn off", TurnOff())],
    ]
    rows.append([("🌅 Morning check-in", CheckinButton(True))])  # opt-in (issue 12)
    return Screen("\n".join(lines), rows)


def paused_note(days: int) -> str:
    return f"⏸ Paused for {days} day{'s' if days > 1 else ''}."


RESUMED_NOTE = "▶️ Resumed."


def confirmation(reminder: Reminder, zone: str, now: datetime, *, done_today: bool = False) -> str:
    return (
        f"✅ Done. I'll remind you {describe_preference(reminder)} "
        f"({esc(zone_label(zone))}).\n"
        f"Next: {describe_next(reminder, zone, now, done_today=done_today)}."
    )


def zone_moved(reminder: Reminder, zone: str, now: datetime, *, done_today: bool = False) -> str:
    return (
        "Your reminder moves with it. "
        f"Next: {describe_next(reminder, zone, now, done_today=done_today)}."
    )


NO_REMINDER_YET = "Send /reminder to set a daily reminder."


def ask_time(intro: str = "") -> Screen:
    rows: Rows = [[(t, PickTime(t.replace(":", ""))) for t in row] for row in COMMON_TIMES]
    text = (intro + "\n\n" if intro else "") + (
        f"When should I remind you each day? Tap a time or type one, like {EXAMPLES}."
    )
    return Screen(text, rows)


def ask_zone_text(intro: str = "") -> str:
    return (intro + "\n\n" if intro else "") + ZONE_QUESTION + "\n\nSend /cancel to stop."


def ask_days(hhmm: str, zone: str, now: datetime, hint: str = "") -> Screen:
    """`hhmm` as `0730` or `07:30`."""
    at = time_from_hhmm(hhmm)
    assert at is not None
    digits = f"{at.hour:02d}{at.minute:02d}"
    text = (
        f"Reminder at {format_time(at)}, {zone_text(zone, now)}.\n\nEvery day, or only on weekdays?"
    )
    if hint:
        text = f"{hint}\n\n{text}"
    rows: Rows = [
        [("Every day", PickDays(digits, False)), ("Weekdays only", PickDays(digits, True))],
        [("🌍 Change time zone", AskZone())],
    ]
    return Screen(text, rows)


def zone_set(zone: str, now: datetime) -> str:
    return f"🌍 Time zone: {zone_text(zone, now)}."


def time_unreadable(error: str) -> str:
    return f"{esc(error)}\n\nSend /cancel to stop."


SKIPPED_TODAY = "You skipped today's reminders."
OLD_REMINDER = "That reminder is from an earlier day, or reminders are off."


def zone_choices(choices: tuple[ZoneChoice, ...]) -> Screen:
    return Screen(
        "Which one do you mean? Or type another place.",
        [[(choice.label, SetZone(choice.zone))] for choice in choices],
    )


def got_time_first(hhmm: str) -> str:
    at = time_from_hhmm(hhmm)
    assert at is not None
    return f"Got it: {format_time(at)}. One thing first."


def snooze_length(real: timedelta) -> str:
    """30 minutes, or less when BACKCOACH_SPEED runs time faster (demos)."""
    seconds = real.total_seconds()
    return f"{round(seconds / 60)} minutes" if seconds >= 60 else f"{round(seconds)} seconds"


def snoozed(when: str, day: date) -> Screen:
    return Screen(
        f"⏰ Snoozed. I'll remind you again at {when}.",
        [[("Skip today", ReminderButton(ReminderTap.SKIP, day))]],
    )
