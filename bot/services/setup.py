"""The reminder set-up conversation, kept in the database (`reminder_setup`), so a typed
answer finds its question after a restart, and a set-up left for 10 minutes is gone."""

from __future__ import annotations

from bot.core.clock import ScaledClock
from bot.core.setup import Setup, SetupStep
from bot.core.timeparse import format_time, time_from_hhmm
from db import setup as rows
from db.connection import Database


def _hhmm(local_time: str | None) -> str | None:
    """Stored as `HH:MM` whatever the caller had (`0730` from a button)."""
    if local_time is None:
        return None
    at = time_from_hhmm(local_time)
    if at is None:
        raise ValueError(f"not a time: {local_time!r}")
    return format_time(at)


class SetupService:
    def __init__(self, db: Database, clock: ScaledClock) -> None:
        self.db = db
        self.clock = clock

    async def current(self, user_id: int) -> Setup | None:
        """The user's open set-up, or None (never started, finished, or timed out)."""
        row = await rows.get(self.db, user_id)
        if row is None:
            return None
        setup = Setup(
            row.user_id,
            SetupStep(row.step),
            row.pending_time,
            row.weekdays_only,
            row.updated_at,
        )
        if not setup.is_current(self.clock.timestamp()):
            await rows.delete(self.db, user_id)
            return None
        return setup

    async def ask(
        self,
        user_id: int,
        step: SetupStep,
        *,
        pending_time: str | None = None,
        weekdays_only: bool | None = None,
    ) -> Setup:
        """Open (or move) the set-up to the question `step`, with what is answered so far."""
        setup = Setup(user_id, step, _hhmm(pending_time), weekdays_only, self.clock.timestamp())
        await rows.put(
            self.db,
            rows.SetupRow(user_id, step.value, setup.pending_time, weekdays_only, setup.updated_at),
        )
        return setup

    async def ask_zone_keeping(self, user_id: int) -> Setup:
        """The zone next ("Change time zone", /timezone); a time (and days) already
        chosen in an open set-up are kept, so it comes back to them."""
        open_setup = await self.current(user_id)
        return await self.ask(
            user_id,
            SetupStep.ZONE,
            pending_time=open_setup.pending_time if open_setup else None,
            weekdays_only=open_setup.weekdays_only if open_setup else None,
        )

    async def touch(self, user_id: int) -> None:
        """The user is still answering (a wrong answer): the 10 minutes start again."""
        open_setup = await self.current(user_id)
        if open_setup is not None:
            await self.ask(
                user_id,
                open_setup.step,
                pending_time=open_setup.pending_time,
                weekdays_only=open_setup.weekdays_only,
            )

    async def close(self, user_id: int) -> Setup | None:
        """End the set-up (done, cancelled or left); returns what was open."""
        open_setup = await self.current(user_id)
        await rows.delete(self.db, user_id)
        return open_setup
