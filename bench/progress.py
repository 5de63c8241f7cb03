"""`make bench-progress`: the /progress chart and the history reads behind it (issue 12).

1. Seeds a fresh SQLite database (the bot's migrations) with background users (default
   2,000, 30 days of daily routines each, so the tables and indexes are not toy-sized),
   one user with two years of daily routines (730 routines, 3,650 exercise rows, 730
   check-ins) and one with a week, every history ending yesterday ("now" is the real
   hour, in Europe/Berlin, because the bot process in 4 reads the real clock; so the
   week's weekday, and with it how much of the week the goal streak reads, is the run's).
2. Times, through the real `db.progress` functions and `bot.core.progress.report`:
   the whole /progress read (bounded queries + the report), cold (no streak cache: the
   one-off full count) and warm (cache stored, as every later /progress), and the dose
   read at a routine's start (last two attempts of each exercise + last pain), for the
   two-year user against the one-week user.
3. Renders the 14- and 30-day charts (first render with the matplotlib import, then
   many), in a worker thread.
4. Under load, end to end: the real bot as deployed (`python -m bot`, its own process)
   against the emulator in this process, over HTTP, on a copy of that database. One
   user presses routine buttons (Pause, Resume) and sends /help the whole time; first
   while nothing else happens (idle), then while a crowd sends /progress at the rate of
   1,000 a minute (default 300 users within 18 s: charts come as fast as
   with 1,000 within 60 s, about as fast as one worker draws them, so it is busy the whole
   time either way; 60 s of it only grew the queue, and the p99 ratio is what is
   compared, so the run is a minute instead of three). Their reply times (p99) are
   compared, with the chart rendered in the bot's one worker process; also the CPU the
   bot process and its chart worker spent per /progress, from /proc. (Charts drawn in
   threads instead are no longer measured: the bot process has no switch for it; their
   last figures are quoted in the section.)

Prints a table and writes the "## Progress" section of docs/performance.md.
`--quick` is for trial runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.harness import spawn, start_emulator
from bench.machine import PERFORMANCE_MD, describe, write_section
from bot.emulator import ChatUser
from bot.emulator.server import Event

SECTION = "Progress"
ZONE = ZoneInfo("Europe/Berlin")
# "Now" for the benchmark: the real hour, as the bot process under load (4) reads the real
# clock and cannot be given a fake one; the histories end yesterday, whatever today is.
NOW = datetime.now(ZONE).replace(minute=0, second=0, microsecond=0)
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


IDLE_SAMPLES = 300


@dataclass
class Load:
    idle: list[float]  # interactive round trips with nothing else going on, ms
    busy: list[float]  # the same while the crowd asks for /progress, ms
    waits: list[float]  # each /progress: sent → its chart arrived, ms
    drained_s: float  # from the first /progress to the last chart
    loadavg: list[float]  # the machine's 1-min load average: before, after the crowd, at the end
    cpu_ms: float  # the bot process's CPU per /progress while the crowd asked, ms
    worker_cpu_ms: float  # its chart worker's, the same way


async def measure_load(path: Path, users: int, spread: float) -> Load:
    """See the module docstring (4). `path` is a seeded database the run may change."""
    emulator = await start_emulator()
    # As deployed: `python -m bot` on the copy; no reminder sweep in the way.
    bot = await spawn(
        emulator,
        path.parent / "crowd",
        database=path,
        env={"REMINDER_SWEEP_SECONDS": "3600", "LOG_LEVEL": "WARNING"},
    )
    loop = asyncio.get_running_loop()

    chatter = ChatUser(emulator, user_id=42, first_name="Chatty")
    await chatter.send("/start")
    await chatter.expect_message("safety check", timeout=30)
    await chatter.press("None of these apply", timeout=30)
    await chatter.send("/routine")
    prompt = await chatter.expect_message("How is your pain", timeout=30)
    await chatter.press("4", prompt, timeout=30)
    await chatter.expect_message("Back flexion stretch", timeout=30)

    turns = itertools.count()

    async def one_reply() -> float:
        """One interactive round trip, in ms: /help, Pause or Resume, in turn."""
        started = loop.time()
        turn = next(turns) % 3
        if turn == 0:
            await chatter.send("/help")
            await chatter.expect_message("What I can do", timeout=600)
        elif turn == 1:
            await chatter.press("Pause", timeout=600)
            await chatter.expect_edit("Paused", timeout=600)
        else:
            await chatter.press("Resume", timeout=600)
            await chatter.expect_edit(timeout=600)
        return (loop.time() - started) * 1000

    # A first chart, so that neither phase pays for starting the chart worker.
    warm = ChatUser(emulator, user_id=BASE)
    await warm.send("/progress")
    await warm.expect(_is_chart, timeout=120)

    async def quiet(samples: int) -> list[float]:
        found = []
        for _ in range(samples):
            found.append(await one_reply())
            await asyncio.sleep(0.05)
        return found

    # Idle before and after the crowd, pooled: the machine's other work drifts.
    idle = await quiet(IDLE_SAMPLES // 2)
    loads = [os.getloadavg()[0]]

    rng = random.Random(3)
    asked: dict[int, float] = {}  # chat → when its /progress was sent
    answered: dict[int, float] = {}  # chat → when its chart arrived

    async def ask(person: ChatUser) -> None:
        await asyncio.sleep(rng.uniform(0, spread))
        asked[person.chat_id] = loop.time()
        await person.send("/progress")

    async def collect() -> None:
        """One reader of the emulator's log for the whole crowd (a waiter per user would
        wake a thousand coroutines on every message and measure the harness)."""
        seen = len(emulator.events)
        while len(answered) < users:
            await asyncio.sleep(0.05)
            events = emulator.events[seen:]
            seen += len(events)
            for event in events:
                if _is_chart(event) and event.chat_id in asked:
                    answered.setdefault(event.chat_id, event.at)

    began = loop.time()
    cpu_before, worker_before = bot.cpu(), bot.children_cpu()
    crowd = asyncio.gather(
        *(ask(ChatUser(emulator, user_id=BASE + 1 + n)) for n in range(users)), collect()
    )
    busy: list[float] = []
    while not crowd.done():
        busy.append(await one_reply())
        await asyncio.sleep(0.05)
    await crowd
    drained = loop.time() - began
    cpu, worker_cpu = bot.cpu() - cpu_before, bot.children_cpu() - worker_before
    loads.append(os.getloadavg()[0])
    idle += await quiet(IDLE_SAMPLES // 2)
    loads.append(os.getloadavg()[0])
    waits = [answered[chat] - asked[chat] for chat in answered]
    await bot.stop()
    await emulator.stop()
    per = 1000 / max(1, users)
    return Load(idle, busy, [w * 1000 for w in waits], drained, loads, cpu * per, worker_cpu * per)


def _is_chart(event: Event) -> bool:
    return event.kind == "send" and event.message is not None and event.message.kind == "photo"


def _load_table(loads: list[Load], crowd: int, spread: float) -> str:
    head = (
        "| chart worker | idle p50 / p99 ms | busy p50 / p99 / max ms | busy replies "
        "| busy p99 ÷ idle p99 | chart waits p50 / p99 s | all charts out after "
        "| CPU per /progress: bot / chart worker ms | load average |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for load in loads:
        idle99 = _percentile(load.idle, 0.99)
        busy99 = _percentile(load.busy, 0.99)
        lines.append(
            f"| one process (the bot's) | {statistics.median(load.idle):.0f} / {idle99:.0f} "
            f"| {statistics.median(load.busy):.0f} / {busy99:.0f} / {max(load.busy):.0f} "
            f"| {len(load.busy)} | {busy99 / idle99:.2f} "
            f"| {statistics.median(load.waits) / 1000:.1f} / "
            f"{_percentile(load.waits, 0.99) / 1000:.1f} | {load.drained_s:.0f} s "
            f"| {load.cpu_ms:.0f} / {load.worker_cpu_ms:.0f} "
            f"| {' → '.join(f'{x:.1f}' for x in load.loadavg)} |"
        )
    return "\n".join(lines)


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
    # 1,000 within 60 s (the figures before 2026-12-02's shortening) took about three
    # minutes per chart worker on a loaded machine, most of it charts queueing: the same
    # rate for 18 s keeps the worker as busy while it lasts (a quiet run: all 300 charts
    # out after 22 s, waits p99 3.7 s), and the whole benchmark takes about a minute.
    parser.add_argument("--crowd", type=int, default=300, help="users asking /progress")
    parser.add_argument("--spread", type=float, default=18.0, help="seconds they ask within")
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
        args.crowd, args.spread = min(args.crowd, 150), min(args.spread, 10.0)
    args.background = max(args.background, args.crowd + 1)  # the crowd are seeded users
    rng = random.Random(12)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        seeded = seed(path, args.background, rng)
        print(
            f"seeded {seeded['runs']:,} routines ({args.background + 2:,} users) in "
            f"{seeded['seconds']:.1f} s, {seeded['mb']:.0f} MB"
        )
        pristine = Path(folder) / "pristine.sqlite3"
        shutil.copyfile(path, pristine)
        reads = asyncio.run(measure_reads(path, args.repeat))
        charts = asyncio.run(measure_charts(path, args.renders))
        print(f"{args.crowd} users ask /progress within {args.spread:.0f} s…")
        loads = [asyncio.run(measure_load(pristine, args.crowd, args.spread))]
    load_after = os.getloadavg()[0]
    rows = []
    for name, values in {**reads, **charts}.items():
        rows.append(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
            f"{_percentile(values, 0.99):.1f} | {max(values):.1f} |"
        )
    table = "| case | runs | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n" + "\n".join(rows)
    print(table)
    load_table = _load_table(loads, args.crowd, args.spread)
    print(load_table)
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
        "matplotlib, which start-up never does. Target: ≤ 300 ms for 30 days.\n\n"
        f"### {args.crowd:,} users asking /progress within {args.spread:.0f} s\n\n"
        "The real bot as deployed, `python -m bot` in its own process, against the emulator "
        "in the benchmark's process over HTTP, on a copy of the database above (seeded up to "
        'the real "now", the clock the bot reads). One more user keeps pressing routine '
        "buttons (Pause, Resume) and sending /help, one at a time with 50 ms between: "
        f'"idle" is {IDLE_SAMPLES} of those with nothing else going on (half before the '
        "crowd, half after, pooled), "
        '"busy" all of those while the crowd\'s /progress requests '
        "come in and their charts go out. Each chart is drawn in a task of its own "
        "(`bot.handlers.progress`): PTB handles updates one at a time, so an update never "
        "waits for a chart. Target: busy p99 within 2× idle p99. CPU per /progress is what "
        "the bot process and its chart worker spent (user + system, from /proc) while the "
        "crowd asked, divided by the crowd; the bot's includes the one user's replies "
        "meanwhile.\n\n"
        f"{load_table}\n\n"
        '"Chart waits" is each crowd member\'s /progress until their chart arrived: the '
        "charts queue for the one chart worker, so the last ones wait as long as the "
        "crowd's charts take to draw one after another (about 75 ms of one core each). "
        f"{args.crowd:,} within {args.spread:.0f} s is the rate of "
        f"{args.crowd * 60 / args.spread:,.0f} a minute; the run before this shortening "
        "had 1,000 within 60 s: busy ÷ idle p99 1.31 with the process, 17.81 with the "
        "charts drawn in threads instead (2026-12-02, the bot then inside the benchmark's "
        "process: the bot process has no switch to threads, so that comparison is not run "
        "again). A load average above 2 means other "
        "work shared the 2 cores: it raises idle and busy times alike, which is why both "
        "phases are measured in the same run and compared as a ratio.\n"
    )
    if not args.no_write:
        write_section(SECTION, body)
        print(f"wrote the {SECTION!r} section of {PERFORMANCE_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
