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
- Sent-marks are saved in batches (`MARK_DELAY`): the marks of the sends of the next
  0.1 s go into one transaction, so a burst at 25 messages/s is a few writes a second
  on the connection replies also use, not one transaction per message. Each send waits
  for its batch, so nothing about the claim changes: until the batch commits, the claim
  stands, and a crash counts it as sent, which it was.
- A send that surely did not reach Telegram (429, no connection) releases the claim: the
  reminder stays due and is retried until it is really sent. A send that may have reached
  it (a read timeout, a connection dropped after the request was written, a 5xx) comes
  back as `SendOutcome.UNKNOWN` and counts as sent: Telegram has no idempotency key, and a
  retry would deliver a slow-answered reminder twice (`bot.runtime.sending.never_sent`;
  README, "Limits we chose").
- A claim still set at start-up means the process died *during* the HTTP call: we cannot
  know whether Telegram got it, and a duplicate is worse than one missed nudge, so it
  counts as sent and is advanced. That window is one HTTP call; a crash anywhere else
  loses nothing and duplicates nothing. (Marking "sent" before the call would lose every
  reminder queued at a crash; marking after it would duplicate on a crash in between.)
- Saving the sent-mark (or releasing a claim) can fail for a moment (another process
  holds a write lock): it is retried with backoff (`MARK_TRIES`). If every try fails the
  claim stays; the running bot's sweep treats a claim older than `STUCK_AFTER` as an
  interrupted send (counted as sent, for the reason above), so one bad moment never
  silences a user's reminders until a restart. Any change the user makes clears a claim.

Missed reminders (bot down, long backlog) are sent if less than 2 h late, otherwise
skipped and advanced, so nobody gets a 3 a.m. reminder after an outage.
"""

from __future__ import annotations

import asyncio
import functools
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
from bot.core.routine import keeps_stop_advice
from bot.core.safety import blocks_reminders, status_of
from bot.core.timeparse import format_time, time_from_hhmm
from bot.places import is_valid_zone, zone_info
from db import progress, reminders, routines
from db.connection import Database
from db.reminders import Due, Reminder

__all__ = ["Delivery", "Due", "Reminder", "ReminderService", "SendOutcome", "SweepReport"]

log = logging.getLogger(__name__)

SNOOZE = timedelta(minutes=30)
# `Reminder.message_id` once the day's reminders were skipped (Telegram ids start at 1).
SKIPPED = 0
PAUSE_DAYS = (1, 3, 7)
# Rows read per sweep; also the most reminders waiting in memory at once (the rest wait
# in the database, which is the queue that survives a restart).
BATCH = 2000
# Rows a sweep prepares between two of its queries (see `_sweep_batch`).
SWEEP_SLICE = 500
# A "sending" mark older than this, on a reminder no send of ours is working on, is left
# over from a failed save: the sweep resolves it. One HTTP call takes seconds at most.
STUCK_AFTER = timedelta(minutes=2)
# Saving the sent-mark: tries, and the first pause between them (doubling, at most 8 s).
# With SQLite's 5 s busy timeout per try this outlasts a write lock held for ~40 s.
MARK_TRIES = 6
MARK_BACKOFF_SECONDS = 0.5
# How long a sent-mark waits for others to share its transaction. Short: each send waits
# for its mark, and the queue's 8 workers must keep up with 25 sends a second.
MARK_DELAY = 0.1


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


def done_on(zone: ZoneInfo, now: datetime, finished_at: float | None) -> date | None:
    """Today's local date if the user finished a routine today (`finished_at`), else None."""
    if finished_at is None:
        return None
    today = now.astimezone(zone).date()
    finished = datetime.fromtimestamp(finished_at, UTC).astimezone(zone).date()
    return today if finished == today else None


def _day_done(reminder: Reminder, day: date | None) -> Reminder:
    """Count `day` as handled: the sweep sends nothing on a day the routine is done, so
    the next occurrence a change computes (and the confirmation states) is after it."""
    if day is None:
        return reminder
    return replace(reminder, last_date=max(day.isoformat(), reminder.last_date or ""))


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
    # The call failed after the request may have reached Telegram (a slow answer, a
    # dropped connection): count it as sent; a retry could deliver it twice.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one send went, and the message it made (so "Skip today" can find it)."""

    outcome: SendOutcome
    message_id: int | None = None


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
Deliver = Callable[[Due, datetime], Awaitable[Delivery | SendOutcome]]


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
        self.mark_tries = MARK_TRIES
        self.mark_backoff = MARK_BACKOFF_SECONDS
        self.mark_delay = MARK_DELAY
        # Sent-marks waiting for their batch: (due, claimed at, message id, saved).
        self._marks: list[tuple[Due, float, int | None, asyncio.Future[None]]] = []
        self._marks_task: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve interrupted sends and start the queue (the runtime schedules sweeps)."""
        await self.recover_interrupted()
        self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()
        if self._refill_task is not None:
            self._refill_task.cancel()
        if self._marks_task is not None:  # the last sends' marks: saved, not dropped
            await self._marks_task

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
        marks: list[tuple[Due, float, int | None]] = []
        for due in await reminders.interrupted(db):
            claimed_at = due.reminder.sending_at
            assert claimed_at is not None
            log.warning(
                "reminder for user %s was mid-send at a crash; counted as sent",
                due.reminder.user_id,
            )
            marks.append((due, claimed_at, None))
        await self._mark_sent(marks, now)
        return len(marks)

    async def recover_stuck(self) -> int:
        """While running: a claim older than `STUCK_AFTER` that no send of ours is working
        on was left by a save that failed after the send. Whether Telegram got that
        message is unknown, so it counts as sent, as after a crash."""
        now = self._now()
        before = (now - STUCK_AFTER).timestamp()
        marks: list[tuple[Due, float, int | None]] = []
        for due in await reminders.interrupted(self.db, claimed_before=before):
            if due.reminder.user_id in self.sender:
                continue  # still being sent or saved by this process
            claimed_at = due.reminder.sending_at
            assert claimed_at is not None
            log.warning(
                "reminder for user %s was left marked as sending; counted as sent",
                due.reminder.user_id,
            )
            marks.append((due, claimed_at, None))
        await self._mark_sent(marks, now)
        return len(marks)

    async def sweep(self) -> SweepReport:
        """Queue what is due now; skip (and advance) what is too late or already done.

        A batch that only skipped rows queues nothing, so nothing would drain the queue and
        trigger the next batch: read on at once, so a backlog of stale reminders (after an
        outage) never holds fresh ones back until the next timed sweep."""
        await self.recover_stuck()
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
            # Rows already in the queue cost nothing more: no day bounds, no queries.
            fresh = [due for due in rows if due.reminder.user_id not in self.sender]
            moves: list[tuple[int, float, float | None, str]] = []
            queued = late = done = 0
            # A slice at a time: each slice's pure work (zones, day bounds, checks) runs
            # between its queries, so a reply waits for one slice, never for all 2,000.
            for index in range(0, len(fresh), SWEEP_SLICE):
                part = fresh[index : index + SWEEP_SLICE]
                finished = await routines.finished_within(db, self._today_windows(part))
                to_send: list[Due] = []
                for due in part:
                    move = self._check(due, now_dt, finished)
                    if move is not None:
                        moves.append(move[0])
                        late += move[1] == "late"
                        done += move[1] == "done"
                    else:
                        to_send.append(due)
                weeks = await self._weeks(to_send)
                for due in await self._with_last_pain(to_send):
                    week = weeks.get(due.reminder.user_id)
                    attempt = self._attempt(replace(due, week=week))
                    queued += self.sender.submit(due.reminder.user_id, attempt)
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

    async def _with_last_pain(self, rows: list[Due]) -> list[Due]:
        """Each reminder about to go out, with yesterday's pain scores when that day's
        last routine ended with "stop for today" (the reminder then says so)."""
        windows: dict[int, tuple[float, float]] = {}
        for due in rows:
            if due.zone is not None and is_valid_zone(due.zone):
                zone = zone_info(due.zone)
                yesterday = occurrence_date(due.reminder, zone) - timedelta(days=1)
                windows[due.reminder.user_id] = schedule.local_day_bounds(yesterday, zone)
        pains = await routines.last_pains_within(self.db, windows)
        out = []
        for due in rows:
            pain = pains.get(due.reminder.user_id)
            if pain is not None and keeps_stop_advice(*pain):
                due = replace(due, last_pain=pain)
            out.append(due)
        return out

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
        user_id = due.reminder.user_id
        # The queue may have waited (a flood pause, a backlog): check again. Whether the
        # routine was done today meanwhile is checked by the claim itself.
        move = self._check(due, now_dt, set())
        if move is not None:
            await reminders.advance_many(db, [move[0]], now_dt.timestamp())
            return
        claimed_at = now_dt.timestamp()
        windows = self._today_windows([due])
        if not await reminders.claim(
            db, user_id, due.reminder.next_due, claimed_at, windows.get(user_id)
        ):
            # Changed, turned off or deleted since the sweep read it, or done today.
            finished = await routines.finished_within(db, windows)
            move = self._check(due, now_dt, finished)
            if move is not None:  # done today: move on (a changed row is left alone)
                await reminders.advance_many(db, [move[0]], now_dt.timestamp())
            return
        try:
            result = await self._deliver_message(due, now_dt)
        except asyncio.CancelledError:
            raise  # cancelled mid-call: maybe sent; the claim stays (counts as sent)
        except Exception:  # flood pause, no connection: the queue retries it
            await self._saved(
                "release of the claim", user_id, lambda: reminders.release(db, user_id, claimed_at)
            )
            raise
        delivery = result if isinstance(result, Delivery) else Delivery(result)
        if delivery.outcome is SendOutcome.BLOCKED:
            log.info("user %s blocked the bot; reminder turned off", user_id)
            await self._saved(
                "turning off",
                user_id,
                lambda: reminders.turn_off_blocked(db, user_id, claimed_at),
            )
            return
        if delivery.outcome is SendOutcome.UNKNOWN:
            log.warning("reminder for user %s may have reached Telegram; counted as sent", user_id)
        # Sent, maybe sent, or refused as malformed: the day is handled (never loop on it).
        await self._batched_mark(due, claimed_at, delivery.message_id)

    async def _batched_mark(self, due: Due, claimed_at: float, message_id: int | None) -> None:
        """Save this send's sent-mark with those of the sends of the next `mark_delay`
        seconds, in one transaction; return once it is saved (or given up on: the claim
        then stays for `recover_stuck`). The send's key stays in the queue meanwhile, so
        `recover_stuck` never takes a mark that is on its way."""
        saved: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((due, claimed_at, message_id, saved))
        if self._marks_task is None or self._marks_task.done():
            self._marks_task = asyncio.create_task(self._save_marks(), name="reminder-marks")
        # Shielded: a send cancelled while it waits leaves its mark to the batch.
        await asyncio.shield(saved)

    async def _save_marks(self) -> None:
        while self._marks:
            await asyncio.sleep(self.mark_delay)
            batch, self._marks = self._marks, []
            try:
                marks = [(due, claimed_at, message_id) for due, claimed_at, message_id, _ in batch]
                users = ", ".join(str(due.reminder.user_id) for due, _, _ in marks)
                await self._saved("sent-mark", users, functools.partial(self._mark_sent, marks))
            finally:
                for *_, saved in batch:
                    if not saved.done():
                        saved.set_result(None)

    async def _saved(
        self, what: str, user_id: int | str, save: Callable[[], Awaitable[object]]
    ) -> None:
        """Run a save that must follow a send, retrying a failure (a write lock held by
        another process, a full disk for a moment) with backoff. Never raises: after the
        last try the claim stays and `recover_stuck` resolves it."""
        for attempt in range(1, self.mark_tries + 1):
            try:
                await save()
                return
            except Exception as exc:
                if attempt == self.mark_tries:
                    log.error(
                        "reminder for user %s: %s failed %d times (%s); the sweep resolves "
                        "it in %d min",
                        user_id,
                        what,
                        attempt,
                        exc,
                        STUCK_AFTER.seconds // 60,
                    )
                    return
                delay = min(8.0, self.mark_backoff * 2 ** (attempt - 1))
                log.warning(
                    "reminder for user %s: %s failed (%s); retrying in %.2f s",
                    user_id,
                    what,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _mark_sent(
        self, marks: list[tuple[Due, float, int | None]], now: datetime | None = None
    ) -> None:
        """Sent-marks and next due instants of (due, claimed at, message id), in one
        transaction, each from the row as it is now (the user may have changed the time
        while the message was on its way)."""
        now = now or self._now()
        changes: dict[int, reminders.Change] = {}
        for due, _claimed_at, message_id in marks:
            changes[due.reminder.user_id] = self._sent_change(due, now, message_id)
        await reminders.modify_many(self.db, changes, now.timestamp())

    @staticmethod
    def _sent_change(due: Due, now: datetime, message_id: int | None) -> reminders.Change:
        zone_name = due.zone or "UTC"
        zone = zone_info(zone_name if is_valid_zone(zone_name) else "UTC")
        day = occurrence_date(due.reminder, zone).isoformat()

        def change(stored_zone: str | None, current: Reminder | None) -> Reminder | None:
            if current is None:
                return None
            handled = replace(
                current,
                sending_at=None,
                snoozed=False,
                last_date=max(day, current.last_date or ""),
                message_id=message_id,
            )
            if not current.enabled:
                return handled
            tz = zone_info(stored_zone) if stored_zone and is_valid_zone(stored_zone) else zone
            return _rescheduled(handled, tz, now)

        return change

    # -- what users do ----------------------------------------------------------------------

    async def get(self, user_id: int) -> tuple[str | None, Reminder | None]:
        return await reminders.get(self.db, user_id)

    async def done_today(self, user_id: int) -> bool:
        """Did the user finish a routine today (their local day)? Then today's reminder
        will not come, and what we say about the next one must not promise it."""
        zone, _ = await self.get(user_id)
        tz = zone_info(zone if zone and is_valid_zone(zone) else "UTC")
        finished = await routines.last_finished_at(self.db, user_id)
        return done_on(tz, self._now(), finished) is not None

    async def upcoming(self, user_id: int) -> tuple[str | None, Reminder | None, bool]:
        """(zone, reminder, done today) with the reminder's next due instant as it will
        really be: on a day the routine is already done, the sweep sends nothing (it
        skips that day when it comes due), so the next one shown is after today."""
        zone, reminder = await self.get(user_id)
        if zone is None or not is_valid_zone(zone):
            return zone, reminder, False
        tz, now = zone_info(zone), self._now()
        today = done_on(tz, now, await routines.last_finished_at(self.db, user_id))
        if reminder is None or not reminder.enabled or today is None:
            return zone, reminder, today is not None
        return zone, _rescheduled(_day_done(reminder, today), tz, now), True

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
        finished = await routines.last_finished_at(self.db, user_id)

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None:
                return None
            base = current or Reminder(user_id=user_id, local_time=local_time)
            weekdays = base.weekdays_only if weekdays_only is None else weekdays_only
            updated = replace(base, local_time=local_time, weekdays_only=weekdays)
            tz = zone_info(zone)
            return _rescheduled(_day_done(updated, done_on(tz, now, finished)), tz, now)

        zone, stored = await self._modify(user_id, change)
        return stored if zone is not None else None

    async def set_weekdays(self, user_id: int, weekdays_only: bool) -> Reminder | None:
        now = self._now()
        finished = await routines.last_finished_at(self.db, user_id)

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            updated = replace(current, weekdays_only=weekdays_only)
            tz = zone_info(zone)
            return _rescheduled(_day_done(updated, done_on(tz, now, finished)), tz, now)

        return (await self._modify(user_id, change))[1]

    async def set_zone(self, user_id: int, zone: str) -> Reminder | None:
        """Store the zone; an active reminder moves with it from its next occurrence."""
        if not is_valid_zone(zone):
            raise ValueError(f"not an IANA zone: {zone!r}")
        now = self._now()
        finished = await routines.last_finished_at(self.db, user_id)

        def change(stored_zone: str | None, current: Reminder | None) -> Reminder | None:
            if current is None or not current.enabled:
                return None
            tz = zone_info(zone)
            return _rescheduled(_day_done(current, done_on(tz, now, finished)), tz, now)

        return (await self._modify(user_id, change, zone=zone))[1]

    async def turn_off(self, user_id: int) -> None:
        await reminders.turn_off(self.db, user_id, self._now().timestamp())

    async def user_blocked(self, user_id: int) -> bool:
        """The user blocked the bot: their reminder goes off at once (True if it was on),
        marked so that unblocking can offer it back."""
        return await reminders.turn_off_blocked(self.db, user_id, self._now().timestamp())

    async def welcome_back(self, user_id: int) -> Reminder | None:
        """After an unblock (or /start): the reminder a block turned off, to offer it back.
        Returned once per block, so the offer is never made twice."""
        return await reminders.take_blocked_mark(self.db, user_id, self._now().timestamp())

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
        finished = await routines.last_finished_at(self.db, user_id)

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            tz = zone_info(zone)
            resumed = _day_done(replace(current, paused_until=None), done_on(tz, now, finished))
            return _rescheduled(resumed, tz, now)

        return (await self._modify(user_id, change))[1]

    async def snooze(self, user_id: int, day: date, message_id: int | None) -> Reminder | None:
        """Send the reminder of `day` again in 30 min; None if that reminder is not the
        latest one (an old message, or today was skipped: `message_id` is not the live
        reminder message, when that is known) or reminders are off. Tomorrow's regular
        one wins if it comes first."""
        now = self._now()

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            if zone is None or current is None or not current.enabled:
                return None
            if current.last_date != day.isoformat():
                return None
            if current.message_id is not None and current.message_id != message_id:
                return None  # today was skipped, or the press is on an older message
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

    async def skip(self, user_id: int, day: date) -> tuple[Reminder | None, int | None]:
        """No more reminders for `day`: cancels a pending snooze, and the day's reminder
        message is no longer live. Returns the reminder and that message (whose Start and
        Snooze buttons the caller removes), if there was one."""
        now = self._now()
        live: list[int] = []

        def change(zone: str | None, current: Reminder | None) -> Reminder | None:
            live.clear()
            if zone is None or current is None or current.last_date != day.isoformat():
                return None
            if current.message_id:
                live.append(current.message_id)
            skipped = replace(current, message_id=SKIPPED)
            if current.enabled and current.snoozed:
                return _rescheduled(skipped, zone_info(zone), now)
            return skipped

        stored = (await self._modify(user_id, change))[1]
        return stored, (live[0] if live else None)
