"""Progress from the stored history: weeks, the weekly goal, streaks, the pain trend, the
exercise that gives trouble, and when to suggest seeing someone. Pure: no I/O, no clock.

Time: every instant is Unix seconds (UTC); every "day" and "week" is the user's local date
in their IANA zone, so a routine at 23:30 on a Sunday in Berlin belongs to that Sunday's
week, and weeks around a daylight-saving change are still seven local dates. Weeks start
on Monday.

Decisions (issue 12), each tested in tests/unit/test_progress.py:
- **The goal counts days.** "4 of 5 this week" is the number of local dates this week
  with at least one *finished* routine; a second routine on the same day does not count
  twice (the routine is a daily one, and the reminder treats a day as done the same way).
- **Streak** = weeks in a row the goal was met. A missed *day* never resets it; only a
  finished week below the goal does. The current week joins the streak as soon as its
  goal is met, and never breaks it while it is still running. The streak is measured
  against today's goal; changing the goal (or the zone) recounts it from the history.
- **Streak cache**: counting a two-year streak would read two years of routines on every
  /progress. `StreakCache` remembers the streak up to the last finished week, so the next
  count reads only the weeks since (`Window.streak_since`); a two-year user costs what a
  one-week user does. The cache is valid for one goal and one zone.
- **Pain trend**: the average before-routine pain this week, last week and in the user's
  first week (the Monday week of their first routine), from every routine with a score.
- **Trouble**: the exercise most often skipped or stopped with "It hurts" over the last
  30 days, shown only from 2 times on (one skip is not a pattern); ties go to the one
  that hurt more, then to the one earlier in the routine.
- **See someone** (general advice, not from the article): see `see_someone`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from statistics import fmean
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core.schedule import local_day_bounds

DEFAULT_GOAL = 5
GOAL_MIN, GOAL_MAX = 3, 7
# How far back /progress looks for the chart, the trend and the trouble exercise.
WINDOW_DAYS = 30
# Shown from this many skips or "It hurts" on one exercise within the window.
TROUBLE_MIN = 2
# The morning check-in comes this long after the usual wake-up time, by default.
CHECKIN_AFTER_WAKING = timedelta(minutes=30)


def clamp_goal(goal: int | None) -> int:
    """The weekly goal in 3–7 (None: the default 5)."""
    return DEFAULT_GOAL if goal is None else max(GOAL_MIN, min(GOAL_MAX, goal))


def week_start(day: date) -> date:
    """The Monday of the local week `day` is in."""
    return day - timedelta(days=day.weekday())


def local_date(instant: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(instant, zone).date()


def default_checkin_time(wake: time) -> time:
    """Half an hour after the usual wake-up (past midnight wraps to the next morning)."""
    moment = datetime.combine(date(2000, 1, 1), wake.replace(tzinfo=None)) + CHECKIN_AFTER_WAKING
    return moment.time()


# -- the history, as the database hands it over ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Routine:
    """One routine as /progress sees it (a `routine_runs` row, any status)."""

    run_id: int
    started_at: float
    ended_at: float | None
    finished: bool
    pain_before: int | None
    pain_after: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Routine:
        return cls(
            run_id=int(row["id"]),
            started_at=float(row["started_at"]),
            ended_at=None if row["ended_at"] is None else float(row["ended_at"]),
            finished=row["status"] == "finished",
            pain_before=row["pain_before"],
            pain_after=row["pain_after"],
        )


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One morning check-in: the local date it belongs to, when it was answered, 0–10."""

    local_date: date
    at: float
    score: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CheckIn:
        return cls(date.fromisoformat(row["local_date"]), float(row["at"]), int(row["score"]))


@dataclass(frozen=True, slots=True)
class StreakCache:
    """The streak up to and including the finished week starting `week` (a Monday), for
    one goal and one zone. Stored per user; see the module docstring."""

    week: date
    weeks: int
    goal: int
    zone: str

    def fits(self, goal: int, zone: str) -> bool:
        return self.goal == goal and self.zone == zone


@dataclass(frozen=True, slots=True)
class Window:
    """What /progress must read, computed before reading: every query is bounded."""

    today: date
    since: float  # local midnight starting the 30-day window, as an instant
    since_date: date
    # Finished routines from this instant on count towards the streak; None: from the
    # beginning (no usable cache). Only the part before `since` needs a separate read.
    streak_since: float | None

    @classmethod
    def for_now(cls, now: datetime, zone: ZoneInfo, goal: int, cache: StreakCache | None) -> Window:
        today = now.astimezone(zone).date()
        since_date = today - timedelta(days=WINDOW_DAYS - 1)
        since, _ = local_day_bounds(since_date, zone)
        streak_since: float | None = None
        if cache is not None and cache.fits(goal, zone.key) and _cache_usable(cache, today):
            streak_since, _ = local_day_bounds(cache.week + timedelta(days=7), zone)
        return cls(today, since, since_date, streak_since)

    @property
    def needs_older_streak_read(self) -> bool:
        """True when finished routines before the 30-day window are needed for the streak."""
        return self.streak_since is None or self.streak_since < self.since


def _cache_usable(cache: StreakCache, today: date) -> bool:
    return cache.week < week_start(today)  # a finished week; a clock set back voids it


@dataclass(frozen=True, slots=True)
class History:
    """Everything /progress needs, read through `Window`'s bounded queries."""

    recent: Sequence[Routine] = ()  # routines started inside the window, oldest first
    first: Sequence[Routine] = ()  # the user's first routines with a pain score, oldest first
    checkins: Sequence[CheckIn] = ()  # check-ins inside the window, oldest first
    first_checkins: Sequence[CheckIn] = ()  # the user's first check-ins, oldest first
    # End instants of finished routines before the window, back to `Window.streak_since`.
    older_finished: Sequence[float] = ()
    # (exercise_id, outcome) of every exercise result of the routines in `recent`.
    outcomes: Sequence[tuple[str, str]] = ()

    @classmethod
    def from_rows(cls, rows: HistoryRows) -> History:
        """From the database's rows (db.progress.load_history)."""
        return cls(
            recent=[Routine.from_row(r) for r in rows.recent],
            first=[Routine.from_row(r) for r in rows.first],
            checkins=[CheckIn.from_row(r) for r in rows.checkins],
            first_checkins=[CheckIn.from_row(r) for r in rows.first_checkins],
            older_finished=list(rows.older_finished),
            outcomes=list(rows.outcomes),
        )


class HistoryRows(Protocol):
    """What `History.from_rows` reads (db.progress.HistoryRows has these fields)."""

    @property
    def recent(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def first(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def checkins(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def first_checkins(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def older_finished(self) -> Sequence[float]: ...
    @property
    def outcomes(self) -> Sequence[tuple[str, str]]: ...


# -- the week and the goal --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Routine days this week against the goal: "4 of 5 this week"."""

    done: int
    goal: int

    @property
    def to_go(self) -> int:
        return max(0, self.goal - self.done)

    @property
    def met(self) -> bool:
        return self.done >= self.goal


def finished_days(routines: Iterable[Routine], zone: ZoneInfo) -> set[date]:
    """The local dates with at least one finished routine."""
    return {local_date(r.ended_at, zone) for r in routines if r.finished and r.ended_at is not None}


def week_bounds(today: date, zone: ZoneInfo) -> tuple[float, float]:
    """[start, end) of today's local Monday-to-Sunday week as instants: 167 or 169 hours
    in a week with a DST change. The reminder sweep reads finished routines in it
    (db.progress.finished_ends_within) for "3 of 5 this week"."""
    monday = week_start(today)
    start, _ = local_day_bounds(monday, zone)
    end, _ = local_day_bounds(monday + timedelta(days=7), zone)
    return start, end


def week_count(days: Collection[date], today: date, goal: int) -> WeekCount:
    """Days with a finished routine in today's Monday-to-Sunday week."""
    monday = week_start(today)
    return WeekCount(sum(1 for d in days if monday <= d <= today), goal)


@dataclass(frozen=True, slots=True)
class Streak:
    weeks: int  # weeks in a row the goal was met, this week included once it is met
    this_week: bool  # this week is one of them
    cache: StreakCache  # to store: the streak up to last week


def goal_streak(
    days: Collection[date],
    *,
    today: date,
    goal: int,
    zone: str,
    cache: StreakCache | None = None,
) -> Streak:
    """Weeks in a row with at least `goal` routine days. `days` must hold every routine
    day from `Window.streak_since` on (all of them when there is no usable cache)."""
    per_week = Counter(week_start(d) for d in days)
    this_monday = week_start(today)
    last_week = this_monday - timedelta(days=7)
    usable = cache is not None and cache.fits(goal, zone) and _cache_usable(cache, today)
    stop = cache.week if usable and cache is not None else None
    earliest = min(per_week, default=this_monday)
    weeks = 0
    week = last_week
    while True:
        if stop is not None and week == stop:
            assert cache is not None
            weeks += cache.weeks
            break
        if week < earliest or per_week.get(week, 0) < goal:
            break
        weeks += 1
        week -= timedelta(days=7)
    new_cache = StreakCache(last_week, weeks, goal, zone)
    this_week = per_week.get(this_monday, 0) >= goal
    return Streak(weeks + (1 if this_week else 0), this_week, new_cache)


# -- pain -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PainTrend:
    """Average before-routine pain; None where there was no routine with a score."""

    this_week: float | None
    last_week: float | None
    first_week: float | None
    # Which week the user's first week is, relative to this one: 0 this week, 1 last week…
    first_week_ago: int | None


def _average(values: Iterable[int]) -> float | None:
    found = list(values)
    return fmean(found) if found else None


def pain_trend(
    recent: Iterable[Routine], first: Iterable[Routine], today: date, zone: ZoneInfo
) -> PainTrend:
    monday = week_start(today)

    def in_week(routines: Iterable[Routine], start: date) -> list[int]:
        return [
            r.pain_before
            for r in routines
            if r.pain_before is not None and week_start(local_date(r.started_at, zone)) == start
        ]

    recent = list(recent)
    scored_first = [r for r in first if r.pain_before is not None]
    first_week_ago: int | None = None
    first_average: float | None = None
    if scored_first:
        start = week_start(local_date(min(r.started_at for r in scored_first), zone))
        first_week_ago = (monday - start).days // 7
        first_average = _average(in_week(scored_first, start))
    return PainTrend(
        this_week=_average(in_week(recent, monday)),
        last_week=_average(in_week(recent, monday - timedelta(days=7))),
        first_week=first_average,
        first_week_ago=first_week_ago,
    )


def daily_scores(
    routines: Iterable[Routine], checkins: Iterable[CheckIn], zone: ZoneInfo
) -> dict[date, int]:
    """One pain score per local date: the morning check-in if there is one, otherwise the
    day's first before-routine score (the closest thing to a morning score that day)."""
    scores: dict[date, int] = {}
    for routine in sorted(routines, key=lambda r: r.started_at, reverse=True):
        if routine.pain_before is not None:
            scores[local_date(routine.started_at, zone)] = routine.pain_before
    for checkin in checkins:
        scores[checkin.local_date] = checkin.score
    return scores


# -- trouble ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trouble:
    """The exercise most often skipped or stopped with "It hurts" lately."""

    exercise_id: str
    skipped: int
    hurt: int

    @property
    def times(self) -> int:
        return self.skipped + self.hurt


def most_troubled(outcomes: Iterable[tuple[str, str]], order: Sequence[str]) -> Trouble | None:
    """From (exercise_id, outcome) pairs; None below `TROUBLE_MIN` times."""
    skipped: Counter[str] = Counter()
    hurt: Counter[str] = Counter()
    for exercise_id, outcome in outcomes:
        if outcome == "skipped":
            skipped[exercise_id] += 1
        elif outcome == "hurt":
            hurt[exercise_id] += 1
    candidates = [
        Trouble(e, skipped[e], hurt[e]) for e in order if skipped[e] + hurt[e] >= TROUBLE_MIN
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda t: (t.times, t.hurt, -order.index(t.exercise_id)))


# -- when to see someone (general advice, not from the article) ------------------------------


class SeeSomeone(StrEnum):
    """Why it is worth seeing a GP or physiotherapist. Never a diagnosis."""

    HIGH = "high"  # 7 or more every day for a week
    RISING = "rising"  # up on three check-ins in a row
    NOT_FALLEN = "not_fallen"  # six weeks in, no lower than at the start


# Six weeks: acute low back pain usually eases within about that long (general advice).
USE_BEFORE_NOT_FALLEN = timedelta(weeks=6)
# "Not fallen": the last 7 days average less than this many points below the first 7.
MEANINGFUL_FALL = 1.0
# …and still this high (near-settled pain of 1 or 2 is not a reason to see anyone).
STILL_PAINFUL = 3.0
HIGH_SCORE = 7
HIGH_DAYS = 5  # of the last 7, all of them at HIGH_SCORE or more


def see_someone(
    daily: Mapping[date, int],
    checkins: Sequence[CheckIn],
    first_daily: Mapping[date, int],
    today: date,
) -> SeeSomeone | None:
    """The rules, in order:
    - HIGH: at least 5 of the last 7 local days (today included) have a score, and every
      one of them is 7 or more;
    - RISING: the last four morning check-ins each rose on the one before (three rises in
      a row), the latest today or yesterday;
    - NOT_FALLEN: the first score is six weeks old or more, and the last 7 days' average
      is less than 1 point below the first 7 days' (3 scores or more in each) and still
      3 or more.
    `daily` holds the recent daily scores (`daily_scores`), `first_daily` the user's first
    ones; `checkins` the recent check-ins, oldest first."""
    last7 = [daily[d] for d in (today - timedelta(days=i) for i in range(7)) if d in daily]
    if len(last7) >= HIGH_DAYS and min(last7) >= HIGH_SCORE:
        return SeeSomeone.HIGH
    latest = sorted(checkins, key=lambda c: c.local_date)[-4:]
    if (
        len(latest) == 4
        and latest[-1].local_date >= today - timedelta(days=1)
        and all(b.score > a.score for a, b in itertools.pairwise(latest))
    ):
        return SeeSomeone.RISING
    if first_daily:
        first_day = min(first_daily)
        if today - first_day >= USE_BEFORE_NOT_FALLEN:
            start = [s for d, s in first_daily.items() if d < first_day + timedelta(days=7)]
            if len(start) >= 3 and len(last7) >= 3:
                now_avg, start_avg = fmean(last7), fmean(start)
                if now_avg > start_avg - MEANINGFUL_FALL and now_avg >= STILL_PAINFUL:
                    return SeeSomeone.NOT_FALLEN
    return None


# -- the whole report -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """What /progress says (the view turns it into text)."""

    routines: int  # finished routines seen (at least this many; enough to decide `enough`)
    week: WeekCount
    streak: Streak
    trend: PainTrend
    trouble: Trouble | None
    see_someone: SeeSomeone | None

    @property
    def enough(self) -> bool:
        """Two finished routines or more: below that, no trend and no chart."""
        return self.routines >= 2


def report(
    history: History,
    *,
    now: datetime,
    zone: ZoneInfo,
    goal: int,
    exercise_order: Sequence[str],
    cache: StreakCache | None = None,
) -> Report:
    today = now.astimezone(zone).date()
    goal = clamp_goal(goal)
    days = finished_days(history.recent, zone)
    days |= {local_date(instant, zone) for instant in history.older_finished}
    seen = {r.run_id: r for r in (*history.first, *history.recent)}
    daily = daily_scores(history.recent, history.checkins, zone)
    first_daily = daily_scores(history.first, history.first_checkins, zone)
    return Report(
        routines=sum(1 for r in seen.values() if r.finished),
        week=week_count(days, today, goal),
        streak=goal_streak(days, today=today, goal=goal, zone=zone.key, cache=cache),
        trend=pain_trend(history.recent, history.first, today, zone),
        trouble=most_troubled(history.outcomes, exercise_order),
        see_someone=see_someone(daily, history.checkins, first_daily, today),
    )


# -- the export -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExerciseRecord:
    """One exercise of one routine, for /export: how it ended, its dose, the user's tap."""

    exercise_id: str
    outcome: str | None  # "done", "skipped", "hurt"; None if the routine never reached it
    dose: int | None
    feedback: str | None  # "easy", "right", "hard"; None: no tap

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ExerciseRecord:
        return cls(row["exercise_id"], row["outcome"], row["dose"], row["feedback"])
