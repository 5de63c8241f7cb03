"""The morning check-in's schedule (issue 12): "How's your back this morning?" at the
user's chosen local time, at most once per local day.

It rides on the reminders' machinery rather than running its own: the same sweep job
reads what is due from an indexed column (`progress_settings.checkin_next_due`), the same
paced queue sends it (keyed by the negative user id, so a user's reminder and check-in
never stand in each other's place), and the same rules hold (see
`bot.services.reminders`): a "sending" mark is committed before the HTTP call and the
next due instant after it; a send that never left is released and retried, one that may
have reached Telegram counts as sent; a mark left by a crash counts as sent; more than
2 h late is skipped; a blocked bot turns it off; the local time follows the user's zone
through daylight-saving changes (`bot.core.schedule`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Generic, TypeVar

from bot.core import schedule
from bot.core.clock import ScaledClock
from bot.core.timeparse import format_time, time_from_hhmm
from bot.places import is_valid_zone, zone_info
from bot.services.reminders import BATCH, SendOutcome, SendQueue
from db import progress
from db.connection import Database
from db.progress import DueCheckIn

__all__ = ["CheckinScheduled", "CheckinService", "CheckinSweep", "DueCheckIn", "queue_key"]

log = logging.getLogger(__name__)

Q = TypeVar("Q", bound=SendQueue)

# Sends one check-in (`due`, for the local `day`) and says how it went; raises to retry.
DeliverCheckin = Callable[[DueCheckIn, date], Awaitable[SendOutcome]]


def queue_key(user_id: int) -> int:
    """The check-in's key in the shared paced queue: reminders use the user id itself."""
    return -user_id


@dataclass(frozen=True, slots=True)
class CheckinSweep:
    found: int = 0
    queued: int = 0
    skipped_late: int = 0


@dataclass(frozen=True, slots=True)
class CheckinScheduled:
    """The check-in is on: asked at `at` local time each morning, first at `first`."""

    at: time
    first: datetime  # UTC
    zone: str


class CheckinService(Generic[Q]):
    def __init__(
        self,
        db: Database,
        clock: ScaledClock,
        queue: Q,
        deliver: DeliverCheckin,
        batch: int = BATCH,
    ) -> None:
        self.db = db
        self.clock = clock
        self.sender: Q = queue
        self.batch = batch
        self._deliver_message = deliver
        self._lock = asyncio.Lock()

    # -- what users do ------------------------------------------------------------------------

    async def settings(self, user_id: int) -> progress.Settings:
        return await progress.get_settings(self.db, user_id)

    async def turn_on(self, user_id: int, at: time) -> CheckinScheduled | None:
        """Ask at `at` each morning from the next one (never a second time on a local
        date already asked); None when the user has no time zone yet."""
        zone_name = await progress.user_zone(self.db, user_id)
        if zone_name is None or not is_valid_zone(zone_name):
            return None
        settings = await progress.get_settings(self.db, user_id)
        now = self.clock.now()
        last = settings.checkin_last_date
        after = date.fromisoformat(last) if last else None
        occurrence = schedule.next_occurrence(now, at, zone_info(zone_name), after_date=after)
        await progress.set_checkin(
            self.db, user_id, format_time(at), occurrence.timestamp, now.timestamp()
        )
        return CheckinScheduled(at, occurrence.due, zone_name)

    async def turn_off(self, user_id: int) -> None:
        await progress.turn_off_checkin(self.db, user_id, self.clock.timestamp())

    # -- the sweep ----------------------------------------------------------------------------

    async def recover_interrupted(self) -> int:
        """Sends cut short by a crash count as sent: a duplicate is worse than a miss."""
        count = 0
        for due in await progress.interrupted_checkins(self.db):
            log.warning("check-in for user %s was mid-send at a crash; sent", due.user_id)
            await self._advance(due, self.clock.now())
            count += 1
        return count

    async def sweep_logged(self) -> None:
        try:
            await self.sweep()
        except Exception:
            log.exception("check-in sweep failed")

    async def sweep(self) -> CheckinSweep:
        """Queue the check-ins due now; skip (and move on) those too late to be useful.
        What does not fit in the queue waits in the database for the next sweep."""
        async with self._lock:
            now = self.clock.now()
            room = self.batch - self.sender.backlog
            if room <= 0:
                return CheckinSweep()
            # Queued rows are still due: read past them.
            limit = room + self.sender.backlog
            rows = await progress.due_checkins(self.db, now.timestamp(), limit)
            queued = late = 0
            for due in rows:
                if queue_key(due.user_id) in self.sender:
                    continue
                if not self._sendable(due, now):
                    await self._advance(due, now)
                    late += 1
                elif self.sender.submit(queue_key(due.user_id), self._attempt(due)):
                    queued += 1
            return CheckinSweep(len(rows), queued, late)

    @staticmethod
    def _sendable(due: DueCheckIn, now: datetime) -> bool:
        if due.zone is None or not is_valid_zone(due.zone):
            return False
        return not schedule.is_too_late(due.next_due, now.timestamp())

    def _attempt(self, due: DueCheckIn) -> Callable[[], Awaitable[None]]:
        async def attempt() -> None:
            await self._deliver(due)

        return attempt

    async def _deliver(self, due: DueCheckIn) -> None:
        now = self.clock.now()
        if not self._sendable(due, now):  # the queue waited too long (a flood pause)
            await self._advance(due, now)
            return
        claimed_at = now.timestamp()
        if not await progress.claim_checkin(self.db, due.user_id, due.next_due, claimed_at):
            return  # turned off or moved since the sweep read it
        assert due.zone is not None
        day = datetime.fromtimestamp(due.next_due, zone_info(due.zone)).date()
        try:
            outcome = await self._deliver_message(due, day)
        except asyncio.CancelledError:
            raise  # maybe sent: the mark stays, and counts as sent at the next start
        except Exception:
            await progress.release_checkin(self.db, due.user_id, claimed_at)
            raise  # the queue retries it
        if outcome is SendOutcome.BLOCKED:
            log.info("user %s blocked the bot; check-in turned off", due.user_id)
            await progress.turn_off_checkin(self.db, due.user_id, self.clock.timestamp())
            return
        await self._advance(due, self.clock.now())

    async def _advance(self, due: DueCheckIn, now: datetime) -> None:
        """Mark the local day of `due` handled and schedule the next morning (off when
        the zone or time is unusable: it would never come right)."""
        at = time_from_hhmm(due.local_time)
        if due.zone is None or not is_valid_zone(due.zone) or at is None:
            log.error("check-in for user %s has no usable zone or time; turned off", due.user_id)
            await progress.advance_checkin(
                self.db,
                due.user_id,
                expected_due=due.next_due,
                next_due=None,
                local_date=now.date().isoformat(),
                now=now.timestamp(),
            )
            return
        zone = zone_info(due.zone)
        day = datetime.fromtimestamp(due.next_due, zone).date()
        if due.last_date is not None:
            day = max(day, date.fromisoformat(due.last_date))
        nxt = schedule.next_occurrence(now, at, zone, after_date=day)
        await progress.advance_checkin(
            self.db,
            due.user_id,
            expected_due=due.next_due,
            next_due=nxt.timestamp,
            local_date=day.isoformat(),
            now=now.timestamp(),
        )
