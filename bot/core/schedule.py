"""When is the next reminder? Local wall time + IANA zone → one UTC instant. Pure.

Rules (issue 3):
- The reminder is at the chosen local wall time, in the user's zone, on allowed days.
- A wall time that does not exist (spring forward, 02:30 in a 02:00→03:00 gap) moves
  forward by the gap: 02:30 becomes 03:30 that day (zoneinfo's `fold=0` reading).
- A wall time that exists twice (fall back) is used once: the first (`fold=0`) instant.
- At most one occurrence per local date: `after_date` is the local date already handled
  (sent, skipped or done), so a later change of time or zone never brings a second one
  that day.
- The result is always strictly after `now` (and not before `paused_until`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Missed reminders older than this are skipped rather than sent late (no 3 a.m. nudges).
LATE_LIMIT = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One scheduled reminder: the UTC instant and the local date it belongs to."""

    due: datetime
    local_date: date

    @property
    def timestamp(self) -> float:
        return self.due.timestamp()


def occurrence_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on local `day` (gaps shift forward, folds take
    the first instant)."""
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    return local.astimezone(UTC)


def is_allowed(day: date, weekdays_only: bool) -> bool:
    return not weekdays_only or day.weekday() < 5


def next_occurrence(
    now: datetime,
    at: time,
    zone: ZoneInfo,
    *,
    weekdays_only: bool = False,
    after_date: date | None = None,
    not_before: datetime | None = None,
) -> Occurrence:
    """The first occurrence strictly after `now` (and at or after `not_before`, a pause),
    on an allowed local date later than `after_date`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    floor = now if not_before is None or not_before <= now else not_before
    # Start from the local date of the floor, one day back: a date's instant can precede
    # midnight of that date in UTC terms, never by more than a day.
    day = floor.astimezone(zone).date() - timedelta(days=1)
    if after_date is not None and day <= after_date:
        day = after_date + timedelta(days=1)
    for _ in range(10):  # at most a weekend plus a day or two of slack
        if is_allowed(day, weekdays_only):
            due = occurrence_on(day, at, zone)
            if due > now and due >= floor:
                return Occurrence(due, day)
        day += timedelta(days=1)
    raise AssertionError("no occurrence within ten days")  # unreachable: weekdays exist


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[float, float]:
    """[start, end) of a local date in epoch seconds (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start.timestamp(), end.timestamp()


def is_too_late(due: float, now: float) -> bool:
    return now - due > LATE_LIMIT.total_seconds()


def format_delay(seconds: float) -> str:
    """`in 9 h 12 min`: rounded up to the minute so "in 0 min" never shows."""
    minutes = max(1, int(-(-seconds // 60)))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return "in " + " ".join(parts)


def format_when(due: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`today 07:30`, `tomorrow 07:30` or `Thu 5 Jun, 07:30`, in the user's local time."""
    local_due, local_now = due.astimezone(zone), now.astimezone(zone)
    clock = f"{local_due.hour:02d}:{local_due.minute:02d}"
    delta_days = (local_due.date() - local_now.date()).days
    if delta_days == 0:
        return f"today {clock}"
    if delta_days == 1:
        return f"tomorrow {clock}"
    return f"{local_due:%a} {local_due.day} {local_due:%b}, {clock}"
