"""Progress use cases (issue 12): what /progress reports, the weekly goal, the dose tap,
the morning check-in's answers, "worth seeing someone" once, and the /export rows.

Load with the bounded reads of `db.progress`, decide with `bot.core.progress`, save. No
telegram: the handlers pick the words (`bot.views.progress`) and send, and the chart is
rendered by the runtime (`bot.runtime.charts`) from the history returned here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.core.buttons import Felt
from bot.core.clock import ScaledClock
from bot.core.progress import (
    CheckIn,
    ExerciseRecord,
    History,
    Report,
    Routine,
    SeeSomeone,
    StreakCache,
    WeekCount,
    Window,
    clamp_goal,
    local_date,
    report,
    week_bounds,
    week_count,
)
from bot.places import is_valid_zone, zone_info
from db import progress
from db.connection import Database

# Where the user has not told us their zone, days are UTC days (and /progress says so).
FALLBACK_ZONE = "UTC"


@dataclass(frozen=True, slots=True)
class Progress:
    """What /progress shows: the report, the history the chart is drawn from, and the
    user's settings that its buttons show."""

    report: Report
    history: History
    zone: ZoneInfo
    zone_known: bool
    today: date
    checkin_on: bool


@dataclass(frozen=True, slots=True)
class CheckinSaved:
    score: int
    day: date
    previous: tuple[date, int] | None


@dataclass(frozen=True, slots=True)
class Export:
    routines: list[Routine]
    exercises: dict[int, list[ExerciseRecord]]
    checkins: list[CheckIn]
    zone: ZoneInfo
    today: date


class ProgressService:
    def __init__(self, db: Database, content: Content, clock: ScaledClock) -> None:
        self.db = db
        self.content = content
        self.clock = clock
        self._order = [e.id for e in content.exercises]

    async def zone(self, user_id: int) -> tuple[ZoneInfo, bool]:
        """The user's zone, and whether they set one (else UTC)."""
        name = await progress.user_zone(self.db, user_id)
        if name is not None and is_valid_zone(name):
            return zone_info(name), True
        return zone_info(FALLBACK_ZONE), False

    async def progress(self, user_id: int) -> Progress:
        """The report and its history, through bounded reads; the goal streak is counted
        from the stored cache on, and the cache moved on when it changed."""
        settings = await progress.get_settings(self.db, user_id)
        zone, known = await self.zone(user_id)
        now = self.clock.now()
        cache = None
        if settings.streak is not None:
            week, weeks, goal, zone_name = settings.streak
            cache = StreakCache(date.fromisoformat(week), weeks, goal, zone_name)
        window = Window.for_now(now, zone, settings.weekly_goal, cache)
        rows = await progress.load_history(
            self.db,
            user_id,
            since=window.since,
            since_date=window.since_date.isoformat(),
            streak_since=window.streak_since,
            read_older=window.needs_older_streak_read,
        )
        history = History.from_rows(rows)
        result = report(
            history,
            now=now,
            zone=zone,
            goal=settings.weekly_goal,
            exercise_order=self._order,
            cache=cache,
        )
        fresh = result.streak.cache
        if fresh != cache:
            await progress.save_streak(
                self.db,
                user_id,
                fresh.week.isoformat(),
                fresh.weeks,
                fresh.goal,
                fresh.zone,
                now.timestamp(),
            )
        return Progress(result, history, zone, known, window.today, settings.checkin_enabled)

    async def first_time_see_someone(self, user_id: int, reason: SeeSomeone | None) -> bool:
        """True once per user, when there is a reason: "worth seeing someone" is said once."""
        if reason is None:
            return False
        return await progress.mark_see_someone(self.db, user_id, self.clock.timestamp())

    # -- the weekly goal ----------------------------------------------------------------------

    async def goal(self, user_id: int) -> int:
        return clamp_goal((await progress.get_settings(self.db, user_id)).weekly_goal)

    async def set_goal(self, user_id: int, goal: int) -> WeekCount:
        """Store the goal (3-7) and say where this week stands against it."""
        goal = clamp_goal(goal)
        await progress.set_goal(self.db, user_id, goal, self.clock.timestamp())
        return await self.week(user_id, goal)

    async def week(self, user_id: int, goal: int) -> WeekCount:
        """Days with a finished routine this local week, against `goal`."""
        zone, _ = await self.zone(user_id)
        today = self.clock.now().astimezone(zone).date()
        ends = await progress.finished_ends_within(self.db, {user_id: week_bounds(today, zone)})
        days = {local_date(end, zone) for end in ends[user_id]}
        return week_count(days, today, goal)

    # -- the dose tap -------------------------------------------------------------------------

    async def feedback(self, run_id: int, user_id: int, exercise_index: int, felt: Felt) -> bool:
        """Store how an exercise felt; False for a routine that is not this user's (or an
        exercise it never planned)."""
        if not 0 <= exercise_index < len(self._order):
            return False
        return await progress.set_feedback(
            self.db,
            run_id,
            user_id,
            self._order[exercise_index],
            felt.value,
            self.clock.timestamp(),
        )

    # -- the morning check-in's answer --------------------------------------------------------

    async def record_checkin(self, user_id: int, day: date, score: int) -> CheckinSaved | None:
        """Store the score for the morning `day` it was asked for. None when that morning
        is gone (older than yesterday): a late answer would be drawn on the wrong day."""
        zone, _ = await self.zone(user_id)
        now = self.clock.now()
        today = now.astimezone(zone).date()
        if (today - day).days > 1 or day > today:
            return None
        previous = await progress.record_checkin(
            self.db, user_id, day.isoformat(), now.timestamp(), score
        )
        before = (date.fromisoformat(previous[0]), previous[1]) if previous else None
        return CheckinSaved(score, day, before)

    async def checkin_on(self, user_id: int) -> bool:
        return (await progress.get_settings(self.db, user_id)).checkin_enabled

    # -- /export ------------------------------------------------------------------------------

    async def export(self, user_id: int) -> Export:
        rows = await progress.export_rows(self.db, user_id)
        zone, _ = await self.zone(user_id)
        return Export(
            routines=[Routine.from_row(r) for r in rows.routines],
            exercises={
                run: [ExerciseRecord.from_row(r) for r in found]
                for run, found in rows.exercises.items()
            },
            checkins=[CheckIn.from_row(r) for r in rows.checkins],
            zone=zone,
            today=self.clock.now().astimezone(zone).date(),
        )
