"""Time is injected, and sped up in exactly one place.

Code that needs "now" takes a clock, so tests control time. `ScaledClock` is the one
object that knows `BACKCOACH_SPEED`: holds, countdowns, snoozes and the reminder sweep ask
it how many real seconds a duration stated to the user takes, so no timer has to remember
to divide by the speed itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to (tests, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class ScaledClock:
    """ "Now" from a source clock, and durations shortened by `speed` (demos, tests).

    Instants are never scaled (a reminder at 07:30 comes at 07:30); only the length of
    what the bot times for the user is."""

    def __init__(self, speed: float = 1.0, source: Clock | None = None) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.source: Clock = source if source is not None else SystemClock()

    def now(self) -> datetime:
        return self.source.now()

    def timestamp(self) -> float:
        return self.source.now().timestamp()

    def real_seconds(self, seconds: float) -> float:
        """How long `seconds` as the user reads them take in real time."""
        return seconds / self.speed

    def real(self, duration: timedelta) -> timedelta:
        return duration / self.speed

    def user_seconds(self, real_seconds: float) -> float:
        """The inverse: real seconds left, as the user should read them."""
        return real_seconds * self.speed
