"""The hold timers: one heap under one event-loop timer. A cancelled or re-armed hold's
old timers never fire; the others fire in time order, each with its own data."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application

from bot.core.clock import ScaledClock
from bot.runtime.holds import HoldTimers


async def test_only_live_holds_ring_in_time_order_with_their_data() -> None:
    app = Application.builder().token("123:TEST").build()
    assert app.job_queue is not None
    fired: list[tuple[str, Any]] = []

    async def release(context: Any) -> None:
        fired.append(("release", context.job.data["run"]))

    async def tick(context: Any) -> None:
        fired.append(("tick", context.job.data))

    timers = HoldTimers(ScaledClock(speed=100.0))  # a 20 s hold lasts 0.2 s
    now = timers.clock.timestamp()

    def arm(run: int, user: int, ends_in: float, with_ticks: bool = False) -> None:
        timers.arm(
            app.job_queue,  # type: ignore[arg-type]
            run_id=run,
            user_id=user,
            ends_at=now + ends_in,
            hold_seconds=20,
            release=release,
            tick=tick if with_ticks else None,
            data={"run": run},
        )

    arm(1, 11, 0.20, with_ticks=True)  # its tick ("10 s left") at 0.10 s
    arm(2, 12, 0.05)
    arm(3, 13, 0.15)
    timers.cancel(3)  # released early: never rings
    arm(4, 14, 0.08)
    arm(4, 14, 0.30)  # re-armed (resumed): only the new timer counts
    arm(5, 15, 0.12)
    timers.cancel_user(15)  # /forget
    for _ in range(200):  # until the last live one (0.30 s) has rung, however busy
        if len(fired) >= 4:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)  # and nothing else comes
    assert fired == [
        ("release", 2),
        ("tick", ({"run": 1}, 10)),
        ("release", 1),
        ("release", 4),
    ]
    timers.cancel_all()
