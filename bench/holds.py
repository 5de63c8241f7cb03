"""`make bench-holds`: hundreds of users holding at once, each "release now" on time?

Starts the emulator and the real bot, walks N users to the back flexion stretch's 20 s
hold, all started within a few seconds, and measures for each how late its "Release now"
message reached the emulator after the hold's end. Nothing is mocked: updates go through
getUpdates, replies through HTTP, the releases through PTB's JobQueue.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.machine import describe, drawn_pictures, write_section
from bot.app import build_application, start_application, stop_application
from bot.config import Settings
from bot.emulator import BotApiEmulator, ChatUser
from bot.runtime.deps import BotApp, deps_of

TOKEN = "123456789:BENCH-token-for-the-emulator-00000"


async def walk_to_hold(user: ChatUser, app: BotApp) -> float:
    """Start the user's hold; return the hold's end as the bot stored it (epoch seconds)."""
    await user.send("/start")
    await user.expect_message("safety check", timeout=60)
    await user.press("None of these apply", timeout=60)
    await user.send("/routine")
    prompt = await user.expect_message("How is your pain", timeout=60)
    await user.press("4", prompt, timeout=60)
    await user.expect_message("Back flexion stretch", timeout=60)
    await user.press("Show all steps", timeout=60)
    await user.expect_edit("20–30 seconds", timeout=60)
    await user.press("Start the 20 s hold", timeout=60)
    await user.expect(lambda e: e.kind == "send" and "Hold for" in e.text, timeout=60)
    row = await deps_of(app).db.fetchone(
        "SELECT hold_ends_at FROM routine_runs WHERE user_id = ?", (user.user_id,)
    )
    assert row is not None
    return float(row["hold_ends_at"])


async def run(users: int, speed: float) -> dict[str, float]:
    emulator = BotApiEmulator()
    await emulator.start()
    with tempfile.TemporaryDirectory() as folder:
        drawn_pictures(Path(folder))
        settings = Settings(
            token=TOKEN,
            api_url=emulator.url,
            database_path=Path(folder) / "bench.sqlite3",
            speed=speed,
            log_level="WARNING",
        )
        app = build_application(settings)
        await start_application(app)
        people = [ChatUser(emulator, user_id=10_000 + i) for i in range(users)]
        began = time.monotonic()
        ends = await asyncio.gather(*(walk_to_hold(p, app) for p in people))
        spread = max(ends) - min(ends)
        hold = 20 / settings.speed
        lateness = []
        for person, end in zip(people, ends, strict=True):
            release = await person.expect(
                lambda e: e.kind == "send" and "Release now" in e.text, timeout=hold + 60
            )
            lateness.append(release.wall - end)
        elapsed = time.monotonic() - began
        await stop_application(app)
    await emulator.stop()
    lateness.sort()
    return {
        "users": users,
        "hold_s": hold,
        "start_spread_s": spread,
        "p50_ms": statistics.median(lateness) * 1000,
        "p99_ms": lateness[int(0.99 * (len(lateness) - 1))] * 1000,
        "max_ms": lateness[-1] * 1000,
        "early": sum(1 for x in lateness if x < 0),
        "lost": users - len(lateness),
        "elapsed_s": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--speed", type=float, default=1.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.users, args.speed))
    table = (
        "| users holding | hold | ends spread over | late p50 | late p99 | late max "
        "| early | lost |\n|---|---|---|---|---|---|---|---|\n"
        f"| {result['users']} | {result['hold_s']:.0f} s | {result['start_spread_s']:.1f} s "
        f"| {result['p50_ms']:.0f} ms | {result['p99_ms']:.0f} ms | {result['max_ms']:.0f} ms "
        f"| {result['early']} | {result['lost']} |"
    )
    body = (
        f"`make bench-holds` on {describe()}.\n\n{table}\n\n"
        '"Late" is from the hold\'s end as stored in SQLite to the "Release now" message '
        "reaching the emulator: the timer, the database write and the HTTP round trip. "
        "Goal: every release within 1 s, none early, none lost."
    )
    print(table)
    write_section("Hold timers", body)


if __name__ == "__main__":
    main()
