"""`make bench-progress`: the /progress chart and the history reads behind it (issue 12).

1. Seeds a fresh SQLite database (the bot's migrations) with background users (default
   2,000, 30 days of daily routines each, so the tables and indexes are not toy-sized),
   one user with two years of daily routines (730 routines, 3,650 exercise rows, 730
   check-ins) and one with a week.
2. Times, through the real `db.progress` functions and `bot.core.progress.report`:
   the whole /progress read (bounded queries + the report), cold (no streak cache: the
   one-off full count) and warm (cache stored, as every later /progress), and the dose
   read at a routine's start (last two attempts of each exercise + last pain), for the
   two-year user against the one-week user.
3. Renders the 14- and 30-day charts (first render with the matplotlib import, then
   many), in a worker thread as the bot will.

Prints a table and writes the "## Progress" section of docs/performance.md.
`--quick` is for trial runs. The "1,000 users asking /progress in the same minute"
measure needs the handler (phase 2 of issue 12).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.machine import PERFORMANCE_MD, describe, write_section

SECTION = "Progress"
ZONE = ZoneInfo("Europe/Berlin")
# "Now" for the benchmark: a Wednesday noon, mid-week.
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=ZONE)
ORDER = ["flexion", "cat_cow", "trunk_twist", "knee_rocks", "glute_bridge"]
LONG_USER, WEEK_USER, BASE = 1, 2, 1_000


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _history_rows(
    user_id: int, days: int, rng: random.Random, run_id: int
) -> tuple[
    list[tuple[object, ...]],
    list[tuple[object, ...]],
    list[tuple[object, ...]],
    list[tuple[object, ...]],
    int,
]:
    """Daily routines for the `days` days up to NOW: runs, results, feedback, check-ins."""
    runs: list[tuple[object, ...]] = []
    results: list[tuple[object, ...]] = []
    feedback: list[tuple[object, ...]] = []
    checkins: list[tuple[object, ...]] = []
    today = NOW.date()
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        start = datetime(day.year, day.month, day.day, 8, rng.randrange(60), tzinfo=ZONE)
        started = start.timestamp()
        before = rng.randrange(2, 8)
        run_id += 1
        runs.append(
            (
                run_id,
                user_id,
                user_id,
                "finished",
                "finished",
                before,
                max(0, before - 1),
                started,
                started + 480,
            )
        )
        for position, exercise in enumerate(ORDER):
            outcome = rng.choices(["done", "skipped", "hurt"], [0.9, 0.08, 0.02])[0]
            results.append((run_id, position, exercise, outcome, started + 60 * position))
            feedback.append(
                (
                    run_id,
                    user_id,
                    exercise,
                    20,
                    None,
                    rng.choice([None, "easy", "right", "hard"]),
                    started,
                )
            )
        check = datetime(day.year, day.month, day.day, 7, 30, tzinfo=ZONE).timestamp()
        checkins.append((user_id, day.isoformat(), check, rng.randrange(0, 9)))
    return runs, results, feedback, checkins, run_id


def seed(path: Path, background: int, rng: random.Random) -> dict[str, float]:
    from db.connection import Database

    async def create() -> None:
        database = await Database.open(path)
        await database.close()

    asyncio.run(create())
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    run_id = 0
    users = [(LONG_USER, 730), (WEEK_USER, 7)] + [(BASE + n, 30) for n in range(background)]
    with conn:
        for user_id, days in users:
            conn.execute(
                "INSERT INTO users (user_id, chat_id, first_name, created_at, safety_status, "
                "timezone) VALUES (?, ?, 'Sam', 0, 'cleared', ?)",
                (user_id, user_id, ZONE.key),
            )
            runs, results, feedback, checkins, run_id = _history_rows(user_id, days, rng, run_id)
            conn.executemany(
                "INSERT INTO routine_runs (id, user_id, chat_id, status, phase, pain_before, "
                "pain_after, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                runs,
            )
            conn.executemany(
                "INSERT INTO exercise_results (run_id, position, exercise_id, outcome, "
                "recorded_at) VALUES (?, ?, ?, ?, ?)",
                results,
            )
            conn.executemany(
                "INSERT INTO exercise_feedback (run_id, user_id, exercise_id, dose, reason, "
                "feedback, planned_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                feedback,
            )
            conn.executemany(
                "INSERT INTO morning_checkins (user_id, local_date, at, score) VALUES (?, ?, ?, ?)",
                checkins,
            )
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = conn.execute("SELECT count(*) FROM routine_runs").fetchone()[0]
    conn.close()
    return {
        "seconds": time.perf_counter() - started,
        "runs": count,
        "mb": path.stat().st_size / 1e6,
    }


async def _time(repeat: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    samples: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def measure_reads(path: Path, repeat: int) -> dict[str, list[float]]:
    from bot.content import load_content
    from bot.core.progress import (
        CheckIn,
        ExerciseRecord,
        History,
        Routine,
        StreakCache,
        Window,
        report,
    )
    from bot.views.progress import export_csv
    from db import progress
    from db.connection import Database

    db = await Database.open(path)

    async def progress_read(user_id: int, *, warm: bool) -> None:
        settings = await progress.get_settings(db, user_id)
        cache = None
        if warm and settings.streak is not None:
            week, weeks, goal, zone = settings.streak
            cache = StreakCache(date.fromisoformat(week), weeks, goal, zone)
        window = Window.for_now(NOW, ZONE, settings.weekly_goal, cache)
        rows = await progress.load_history(
            db,
            user_id,
            since=window.since,
            since_date=window.since_date.isoformat(),
            streak_since=window.streak_since,
            read_older=window.needs_older_streak_read,
        )
        result = report(
            History.from_rows(rows),
            now=NOW,
            zone=ZONE,
            goal=settings.weekly_goal,
            exercise_order=ORDER,
            cache=cache,
        )
        if warm and cache != result.streak.cache:
            c = result.streak.cache
            await progress.save_streak(
                db, user_id, c.week.isoformat(), c.weeks, c.goal, c.zone, NOW.timestamp()
            )

    async def dose_read(user_id: int) -> None:
        await progress.attempts(db, user_id, ORDER)
        await progress.last_pain(db, user_id)

    content = load_content()

    async def export_read() -> None:
        rows = await progress.export_rows(db, LONG_USER)
        export_csv(
            [Routine.from_row(r) for r in rows.routines],
            {k: [ExerciseRecord.from_row(r) for r in v] for k, v in rows.exercises.items()},
            [CheckIn.from_row(r) for r in rows.checkins],
            content,
            ZONE,
        )

    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = []
    for label, user_id in (("two years", LONG_USER), ("30 days", BASE), ("one week", WEEK_USER)):
        cases += [
            (
                f"/progress reads + report, cold (no streak cache), {label}",
                functools.partial(progress_read, user_id, warm=False),
            ),
            (
                f"/progress reads + report, warm (streak cached), {label}",
                functools.partial(progress_read, user_id, warm=True),
            ),
            (f"dose reads at a routine's start, {label}", functools.partial(dose_read, user_id)),
        ]
    try:
        for _, call in cases:  # warm up: statement cache, page cache, the stored streak
            for _ in range(5):
                await call()
        # Interleaved, so both users meet the same machine noise.
        results: dict[str, list[float]] = {name: [] for name, _ in cases}
        for _ in range(repeat):
            for name, call in cases:
                results[name] += await _time(1, call)
        results["/export rows + CSV, two years"] = await _time(max(3, repeat // 20), export_read)
    finally:
        await db.close()
    return results


async def measure_charts(path: Path, renders: int) -> dict[str, list[float]]:
    """First render (import included), then `renders` of each size, in a worker thread."""
    from bot.core.progress import CheckIn, Routine
    from bot.media.charts import progress_chart

    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    since = (NOW - timedelta(days=31)).timestamp()
    routines = [
        Routine.from_row(dict(r))
        for r in conn.execute(
            "SELECT id, started_at, ended_at, status, pain_before, pain_after FROM routine_runs "
            "WHERE user_id = ? AND started_at >= ?",
            (LONG_USER, since),
        )
    ]
    checkins = [
        CheckIn.from_row(dict(r))
        for r in conn.execute(
            "SELECT local_date, at, score FROM morning_checkins WHERE user_id = ? "
            "AND local_date >= ?",
            (LONG_USER, (NOW.date() - timedelta(days=31)).isoformat()),
        )
    ]
    conn.close()

    def render(days: int) -> bytes:
        return progress_chart(routines, checkins, zone=ZONE, today=NOW.date(), days=days)

    results: dict[str, list[float]] = {}
    start = time.perf_counter()
    await asyncio.to_thread(render, 14)
    results["chart, first render (imports matplotlib)"] = [(time.perf_counter() - start) * 1000]

    def timed(days: int) -> float:
        """Render once; the CPU time of this worker thread, in ms."""
        begin = time.thread_time()
        render(days)
        return (time.thread_time() - begin) * 1000

    for days in (14, 30):
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(renders):
            start = time.perf_counter()
            cpu.append(await asyncio.to_thread(timed, days))
            wall.append((time.perf_counter() - start) * 1000)
        results[f"chart, {days} days, in a worker thread (wall)"] = wall
        results[f"chart, {days} days (CPU of the rendering thread)"] = cpu
    return results


def write_sample(path: Path, days: int) -> None:
    """A sample chart for the README: pain easing over a month, routines on most days,
    morning check-ins on most mornings (made-up data, fixed seed)."""
    from bot.core.progress import CheckIn, Routine
    from bot.media.charts import progress_chart

    rng = random.Random(7)
    routines: list[Routine] = []
    checkins: list[CheckIn] = []
    today = NOW.date()
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        level = 3 + 3.5 * back / days  # easing from about 6.5 to 3
        if rng.random() < 0.85:
            morning = datetime(day.year, day.month, day.day, 7, rng.randrange(10, 50), tzinfo=ZONE)
            score = round(min(10.0, max(0.0, level + rng.uniform(-0.8, 0.8))))
            checkins.append(CheckIn(day, morning.timestamp(), score))
        if rng.random() < 0.75:
            hour = rng.choice([8, 12, 18, 19])
            start = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=ZONE)
            before = round(min(10.0, max(0.0, level + rng.uniform(-1, 1))))
            after = max(0, before - rng.choice([0, 1, 1, 2]))
            routines.append(
                Routine(
                    len(routines) + 1,
                    start.timestamp(),
                    start.timestamp() + 500,
                    True,
                    before,
                    after,
                )
            )
    path.write_bytes(progress_chart(routines, checkins, zone=ZONE, today=today, days=days))
    print(f"wrote a sample {days}-day chart to {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.progress", description=__doc__)
    parser.add_argument("--background", type=int, default=2000, help="other users (30 days each)")
    parser.add_argument("--repeat", type=int, default=200, help="timed reads per case")
    parser.add_argument("--renders", type=int, default=40, help="timed charts per size")
    parser.add_argument("--quick", action="store_true", help="200 users, 50 reads, 10 charts")
    parser.add_argument("--no-write", action="store_true", help=f"do not touch {PERFORMANCE_MD}")
    parser.add_argument(
        "--sample", type=Path, help="only write a sample 14-day chart PNG here (for the README)"
    )
    args = parser.parse_args(argv)
    if args.sample is not None:
        write_sample(args.sample, 14)
        return 0
    if args.quick:
        args.background, args.repeat, args.renders = 200, 50, 10
    rng = random.Random(12)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        seeded = seed(path, args.background, rng)
        print(
            f"seeded {seeded['runs']:,} routines ({args.background + 2:,} users) in "
            f"{seeded['seconds']:.1f} s, {seeded['mb']:.0f} MB"
        )
        reads = asyncio.run(measure_reads(path, args.repeat))
        charts = asyncio.run(measure_charts(path, args.renders))
    load_after = os.getloadavg()[0]
    rows = []
    for name, values in {**reads, **charts}.items():
        rows.append(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
            f"{_percentile(values, 0.99):.1f} | {max(values):.1f} |"
        )
    table = "| case | runs | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n" + "\n".join(rows)
    print(table)
    body = (
        f"`make bench-progress` on {describe()}.\n"
        f"Database: {seeded['runs']:,} routines of {args.background + 2:,} users "
        f"({seeded['mb']:.0f} MB): one with two years of daily routines, one with a week, "
        f"the rest with 30 days each (one of them is the 30-day case); every routine has "
        f"5 exercise rows and a check-in. Load average (1 min) {load_before:.1f} before, "
        f"{load_after:.1f} after: on a shared 2-core machine, wall times above the CPU "
        f"times are other work's.\n\n"
        f"{table}\n\n"
        "Reads go through `db.progress` through the bot's database layer; each is "
        "an index search bounded by the 30-day window or a LIMIT "
        "(tests/unit/test_progress_db.py checks the query plans). Cold is a user's first "
        "/progress: the goal streak is counted over the whole history once, then cached per "
        "user (week, count, goal, zone), so every later /progress reads only the 30-day "
        "window: the two-year user costs what a 30-day user does (what is inside the window "
        "sets the cost, not the history's length; a one-week user has less in it).\n\n"
        "The chart is rendered with matplotlib's Agg canvas in a worker thread "
        "(`asyncio.to_thread`), 1280×800 PNG; the first render includes importing "
        "matplotlib, which start-up never does. Target: ≤ 300 ms for 30 days. Not measured "
        "yet: 1,000 users asking /progress in the same minute (needs the handler, phase 2).\n"
    )
    if not args.no_write:
        write_section(SECTION, body)
        print(f"wrote the {SECTION!r} section of {PERFORMANCE_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
