"""Timers for running holds: one APScheduler job per hold, kept by handle (never looked
up by name), with a misfire grace time so a busy moment never drops a "release now"."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.context import BotApp


class HoldTimers:
    def __init__(self) -> None:
        self._jobs: dict[int, object] = {}

    async def restore(self, app: BotApp) -> None:
        """Re-arm holds that were running when the bot stopped (filled in by the routine)."""

    def cancel_user(self, user_id: int) -> None:
        """Forget a user's running hold (used by /forget)."""
