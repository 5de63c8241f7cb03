"""The daily reminder service: the user's changes, the sweep, and the send of each reminder.

Built for a million users: the database is the truth. Each reminder row keeps its next
due instant (UTC) in an indexed column, so one recurring job ("the sweep") reads only
what is due with one index walk; there is no in-memory job per user, and start-up does
one indexed query, whatever the number of users.

Exactly once per user and scheduled day:
- The sweep hands due rows to a paced queue (`bot.runtime.sending.PacedSender`).
- Right before the HTTP call the row is *claimed* (`sending_at` set, committed) only if it
  is still due as the sweep saw it. After Telegram accepted the message, one transaction
  stores the sent-mark (`last_date`), computes and stores the next due instant, and
  clears the claim.
- A send that failed (429, network error, timeout) releases the claim: the reminder stays
  due and is retried until it is really sent, as the issue asks. One trade-off remains:
  a read timeout after Telegram already accepted the message is indistinguishable from
  a lost request, so that rare case can deliver the reminder twice.
- A claim still set at start-up means the process died *during* the HTTP call: we cannot
  know whether Telegram got it, and a duplicate is worse than one missed nudge, so it
  counts as sent and is advanced. That window is one HTTP call; a crash anywhere else
  loses nothing and duplicates nothing. (Marking "sent" before the call would lose every
  reminder queued at a crash; marking after it would duplicate on a crash in between.)

Missed reminders (bot down, long backlog) are sent if less than 2 h late, otherwise
skipped and advanced, so nobody gets a 3 a.m. reminder after an outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.core import schedule
from bot.core.clock import ScaledClock
from bot.core.progress import local_date, week_bounds, week_count
from bot.core.safety import blocks_reminders, status_of
from bot.core.timeparse import format_time, time_from_hhmm
from bot.places import is_valid_zone, zone_info
from db import progress, reminders, routines
from db.connection import Database
from db.reminders import Due, Reminder

__all__ = ["Due", "Reminder", "ReminderService", "SendOutcome", "SweepReport"]

log = logging.getLogger(__name__)

SNOOZE = timedelta(minutes=30)
PAUSE_DAYS = (1, 3, 7)
# Rows read per sweep; also the most reminders waiting in memory at once (the rest wait
# in the database, which is the queue that survives a restart).
BATCH = 2000


# -- pure helpers (no I/O) ------------------------------------------------------------------


def next_occurrence_for(reminder: Reminder, zone: ZoneInfo, now: datetime) -> schedule.Occurrence:
    """The next regular occurrence of a stored preference (never on `last_date`)."""
    at = time_from_hhmm(reminder.local_time)
    if at is None:  # guarded by the column's CHECK; a corrupt row should fail loudly
        raise ValueError(f"bad local_time {reminder.local_time!r}")
    after = date.fromisoformat(reminder.last_date) if reminder.last_date else None
    paused = (
        datetime.fromtimestamp(reminder.paused_until, UTC)
        if reminder.paused_until is not None
        else None
    )
    return schedule.next_occurrence(
        now, at, zone, weekdays_only=reminder.weekdays_only, after_date=after, not_before=paused
    )


def occurrence_date(reminder: Reminder, zone: ZoneInfo) -> date:
    """The local date a due reminder belongs to (a snooze belongs to its original day)."""
    if reminder.snoozed and reminder.last_date:
        return date.fromisoformat(reminder.last_date)
    assert reminder.next_due is not None
    return datetime.fromtimestamp(reminder.next_due, UTC).astimezone(zone).date()


def _rescheduled(reminder: Reminder, zone: ZoneInfo, now: datetime) -> Reminder:
    """Recompute next_due from the preference (a change takes effect from the next one)."""
    occurrence = next_occurrence_for(reminder, zone, now)
    return replace(reminder, next_due=occurrence.timestamp, snoozed=False)


# -- the service ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepReport:
    found: int = 0
    queued: int = 0
    skipped_late: int = 0
    skipped_done: int = 0
    more: bool = False


class SendOutcome(StrEnum):
    """What became of one reminder message. A send to retry raises instead (the paced
    queue retries flood pauses and network errors)."""

    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot or the chat is gone: turn it off
    REJECTED = "rejected"  # Telegram refused our message: count the day, never loop


class SendQueue(Protocol):
    """The paced queue reminders go through (`bot.runtime.sending.PacedSender`)."""

    on_low: Callable[[], None] | None
    low_water: int

    def __contains__(self, key: int) -> bool: ...

    @property
    def backlog(self) -> int: ...

    def submit(self, key: int, attempt: Callable[[], Awaitable[None]]) -> bool: ...

    def start(self) -> None: ...

    async def stop(self, grace: float = 5.0) -> None: ...


Q = TypeVar("Q", bound=SendQueue)

# Sends one reminder (`due`, composed as of `now`) and says how it went.
Deliver = Callable[[Due, datetime], Awaitable[SendOutcome]]


class ReminderService(Generic[Q]):
    def __init__(
        self,
        db: Database,
        clock: ScaledClock,
        queue: Q,
        deliver: Deliver,
        batch: int = BATCH,
    ) -> None:
        self.db = db
        self.clock = clock
        self.batch = batch
        self.sender: Q = queue
        self.sender.on_low = self._refill
        self.sender.low_water = batch // 4
        self._deliver_message = deliver
        self._lock = asyncio.Lock()
        self._more = False
        self._refill_task: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve interrupted sends and start the queue (the runtime schedules sweeps)."""
        await self.recover_interrupted()
        self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
        if self._refill_task is not None:
            self._refill_task.cancel()

    async def sweep_logged(self) -> None:
        """A sweep whose failure is logged, not raised: one bad sweep must not stop the
        next ones."""
        try:
            await self.sweep()
        except Exception:
            log.exception("reminder sweep failed")

    def _refill(self) -> None:
        if self._more and (self._refill_task is None or self._refill_task.done()):
            self._refill_task = asyncio.create_task(self.sweep_logged())

    def _now(self) -> datetime:
        return self.clock.now()

    # -- the sweep --------------------------------------------------------------------------

    async def recover_interrupted(self) -> int:
        """Claims left by a crash mid-send count as sent (see the module docstring)."""
        db, now = self.db, self._now()
        count = 0
        for due in await reminders.interrupted(db):
            claimed_at = due.reminder.sending_at
            assert claimed_at is not None
            log.warning(
                "reminder for user %s was mid-send at a crash; counted as sent",
                due.reminder.user_id,
            )
            await self._mark_sent(due, claimed_at, now)
            count += 1
        return count

    async def sweep(self) -> SweepReport:
        """Queue what is due now; skip (and advance) what is too late or already done.

        A batch that only skipped rows queues nothing, so nothing would drain the queue and
        trigger the next batch: read on at once, so a backlog of stale reminders (after an
        outage) never holds fresh ones back until the next timed sweep."""
        total = SweepReport()
        while True:
            report = await self._sweep_batch()
            total = SweepReport(
                total.found + report.found,
                total.queued + report.queued,
                total.skipped_late + report.skipped_late,
                total.skipped_done + report.skipped_done,
                report.more,
            )
            skipped = report.skipped_late + report.skipped_done
            if not (report.more and report.queued == 0 and skipped > 0):
                return total

    async def _sweep_batch(self) -> SweepReport:
        async with self._lock:
            db, now_dt = self.db, self._now()
            now = now_dt.timestamp()
            room = self.batch - self.sender.backlog
            if room <= 0:
                self._more = True
                return SweepReport(more=True)
            limit = room + self.sender.backlog  # queued rows are still due: read past them
            rows = await reminders.due(db, now, limit)
            finished = await routines.finished_within(db, self._today_windows(rows))
            weeks = await self._weeks(rows)
            moves: list[tuple[int, float, float | None, str]] = []
            queued = late = done = 0
            for due in rows:
                reminder = due.reminder
                if reminder.user_id in self.sender:
                    continue
                move = self._check(due, now_dt, finished)
                if move is not None:
                    moves.append(move[0])
                    late += move[1] == "late"
                    done += move[1] == "done"
                elif self.sender.submit(
                    reminder.user_id, self._attempt(replace(due, week=weeks.get(reminder.user_id)))
                ):
                    queued += 1
            await reminders.advance_many(db, moves, now)
            self._more = len(rows) >= limit
            return SweepReport(len(rows), queued, late, done, self._more)

    @staticmethod
    def _today_windows(rows: list[Due]) -> dict[int, tuple[float, float]]:
        """Each due user's local day of the reminder, as UTC bounds."""
        windows: dict[int, tuple[float, float]] = {}
        for due in rows:
            if due.zone is not None and is_valid_zone(due.zone):
                zone = zone_info(due.zone)
                day = occurrence_date(due.reminder, zone)
                windows[due.reminder.user_id] = schedule.local_day_bounds(day, zone)
        return windows

    async def _weeks(self, rows: list[Due]) -> dict[int, tuple[int, int]]:
        """(routine days this local week, weekly goal) for each due user, in a few batched
        queries: the reminder says "3 of 5 this week, two to go"."""
        days: dict[int, tuple[date, ZoneInfo]] = {}
        for due in rows:
            if due.zone is not None and is_valid_zone(due.zone):
                zone = zone_info(due.zone)
                days[due.reminder.user_id] = (occurrence_date(due.reminder, zone), zone)
        if not days:
            return {}
        windows = {uid: week_bounds(day, zone) for uid, (day, zone) in days.items()}
        ends = await progress.finished_ends_within(self.db, windows)
        goals = await progress.goals(self.db, list(days))
        weeks: dict[int, tuple[int, int]] = {}
        for uid, (day, zone) in days.items():
            done = {local_date(end, zone) for end in ends.get(uid, [])}
            count = week_count(done, day, goals[uid])
            weeks[uid] = (count.done, count.goal)
        return weeks

    @staticmethod
    def _check(
        due: Due, now: datetime, finished: set[int]
    ) -> tuple[tuple[int, float, float | None, str], str] | None:
        """None if `due` should be sent; else the advance to store and why. `finished`:
        the users who already did a routine that local day."""
        reminder = due.reminder
        assert reminder.next_due is not None
        if due.zone is None or not is_valid_zone(due.zone):
            # Cannot happen through the bot (a zone is set first); never loop on it.
            log.error("reminder for user %s has no usable zone; turned off", reminder.user_id)
            today = now.date().isoformat()
            return (reminder.user_id, reminder.next_due, None, today), "late"
        zone = zone_info(due.zone)
        day = occurrence_date(reminder, zone)
        handled = replace(reminder, last_date=max(day.isoformat(), reminder.last_date or ""))
        if schedule.is_too_late(reminder.next_due, now.timestamp()):
            nxt = next_occurrence_for(handled, zone, now).timestamp
            return (reminder.user_id, reminder.next_due, nxt, handled.last_date or ""), "late"
        if blocks_reminders(status_of(due.safety_status)):
            # Their safety check said a warning sign applies: no nudge to exercise.
            nxt = next_occurrence_for(handled, zone, now).timestamp
            return (reminder.user_id, reminder.next_due, nxt, handled.last_date or ""), "done"
        if reminder.user_id in finished:
            nxt = next_occurrence_for(handled, zone, now).timestamp
            return (reminder.user_id, reminder.next_due, nxt, handled.last_date or ""), "done"
        return None

    def _attempt(self, due: Due) -> Callable[[], Awaitable[None]]:
        async def attempt() -> None:
            await self._deliver(due)

        return attempt

    async def _deliver(self, due: Due) -> None:
        """One try at sending `due`; a send that raises is released for the queue to retry."""
        db = self.db
        assert due.reminder.next_due is not None
        now_dt = self._now()
        # The queue may have waited (a flood pause, a backlog): check again.
        finished = await routines.finished_within(db, self._today_windows([due]))
        move = self._check(due, now_dt, finished)
        if move is not None:
            await reminders.advance_many(db, [move[0]], now_dt.timestamp())
            return
        claimed_at = now_dt.timestamp()
        if not await reminders.claim(db, due.reminder.user_id, due.reminder.next_due, claimed_at):
            return  # changed, turned off or deleted since the sweep read it
        try:
            outcome = await self._deliver_message(due, now_dt)
        except asyncio.CancelledError:
            raise  # cancelled mid-call: maybe sent; the claim stays (counts as sent)
        except Exception:  # flood pause, network error: the queue retries it
            await reminders.release(db, due.reminder.user_id, claimed_at)
            raise
        if outcome is SendOutcome.BLOCKED:
            log.info("user %s blocked the bot; reminder turned off", due.reminder.user_id)
            await reminders.turn_off(db, due.reminder.user_id, claimed_at)
            return
        # Sent, or refused as malformed: either way the day is handled (never loop on it).
        await self._mark_sent(due, claimed_at, self._now())

    async def _mark_sent(self, due: Due, claimed_at: float, now: datetime) -> None:
        """Sent-mark and next due instant in one transaction, from the row as it is now
        (the user may have changed the time while the message was on its way)."""
        zone_name = due.zone or "UTC"
        zone = zone_info(zone_name if is_valid_zone(zone_name) else "UTC")
        day = occurrence_date(due.reminder, zone).isoformat()

        def change(stored_zone: str | None, current: Reminder | None) -> Reminder | None:
            if current is None:
                return None
            handled = replace(
                current, sending_at=None, snoozed=False, last_date=max(day, current.last_date or "")
            )
            if not current.enabled:
                return handled
            tz = zone_info(stored_zone) if stored_zone and is_valid_zone(stored_zone) else zone
            return _rescheduled(handled, tz, now)

        await reminders.modify(self.db, due.reminder.user_id, change, now.timestamp())

    # -- what users do ----------------------------------------------------------------------

    async def get(self, user_id: int) -> tuple[str | None, Reminder | None]:
        return await reminders.get(self.db, user_id)

    async def _modify(
        self,
        user_id: int,
        change: reminders.Change,
        zone: str | None = None,
    ) -> tuple[str | None, Reminder | None]:
        return await reminders.modify(self.db, user_id, change, self._now().timestamp(), zone=zone)

    async def set_time(
        self, user_id: int, local_time: str, weekdays_only: bool | None = None
    ) -> Reminder | None:
        """Set (or change) the daily time; needs the user's zone. Keeps a pause and the
        day's sent-mark, so a change never brings a second reminder the same day.
        `local_time` is `HH:MM` or `HHMM`."""
        at = time_from_hhmm(local_time)
        if at is None:
            raise ValueError(f"not a time: {local_time!r}")
        local_time = format_time(at)
        now = self._now()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None:
                return None
            base = current or Reminder(user_id=user_id, local_time=local_time)
            weekdays = base.weekdays_only if weekdays_only is None else weekdays_only
            updated = replace(base, local_time=local_time, weekdays_only=weekdays)
            return _rescheduled(updated, zone_info(zone), now)

        zone, stored = await self._modify(user_id, change)
        return stored if zone is not None else None

    async def set_weekdays(self, user_id: int, weekdays_only: bool) -> Reminder | None:
        now = self._now()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            updated = replace(current, weekdays_only=weekdays_only)
            return _rescheduled(updated, zone_info(zone), now)

        return (await self._modify(user_id, change))[1]

    async def set_zone(self, user_id: int, zone: str) -> Reminder | None:
        """Store the zone; an active reminder moves with it from its next occurrence."""
        if not is_valid_zone(zone):
            raise ValueError(f"not an IANA zone: {zone!r}")
        now = self._now()

        def change(stored_zone: str | None, current: Reminder | None) -> Reminder | None:
            if current is None or not current.enabled:
                return None
            return _rescheduled(current, zone_info(zone), now)

        return (await self._modify(user_id, change, zone=zone))[1]

    async def turn_off(self, user_id: int) -> None:
        await reminders.turn_off(self.db, user_id, self._now().timestamp())

    async def pause(self, user_id: int, days: int) -> Reminder | None:
        now = self._now()
        until = (now + timedelta(days=days)).timestamp()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            return _rescheduled(replace(current, paused_until=until), zone_info(zone), now)

        return (await self._modify(user_id, change))[1]

    async def resume(self, user_id: int) -> Reminder | None:
        now = self._now()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            return _rescheduled(replace(current, paused_until=None), zone_info(zone), now)

        return (await self._modify(user_id, change))[1]

    async def snooze(self, user_id: int, day: date) -> Reminder | None:
        """Send the reminder of `day` again in 30 min; None if that reminder is not the
        latest one (an old message) or reminders are off. Tomorrow's regular reminder
        wins if it comes first."""
        now = self._now()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            if current.last_date != day.isoformat():
                return None
            regular = next_occurrence_for(current, zone_info(zone), now).timestamp
            # BACKCOACH_SPEED shortens the snooze too (demos, the playground).
            again = (now + self.clock.real(SNOOZE)).timestamp()
            if again < regular:
                return replace(current, next_due=again, snoozed=True)
            return replace(current, next_due=regular, snoozed=False)

        _, stored = await self._modify(user_id, change)
        if stored is None or not stored.snoozed or stored.last_date != day.isoformat():
            return None
        return stored

    async def skip(self, user_id: int, day: date) -> Reminder | None:
        """No more reminders for `day` (cancels a pending snooze). Returns the reminder."""
        now = self._now()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            if current.snoozed and current.last_date == day.isoformat():
                return _rescheduled(current, zone_info(zone), now)
            return None

        return (await self._modify(user_id, change))[1]
