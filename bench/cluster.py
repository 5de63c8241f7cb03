"""`make bench-cluster`: webhook workers as real processes, on SQLite and PostgreSQL.

One run, three parts, all through `bot.cluster.LocalCluster` (the emulator delivers
updates round-robin by webhook, as Telegram behind a load balancer would):

1. Routine updates: N users each press Pause, wait for the edited card, press Resume,
   wait, … (every press is a load, a versioned save and an edit) for a fixed time,
   against 1 worker on SQLite, 1 on PostgreSQL, 2 on PostgreSQL. Updates/s, reply p50/p99
   (press sent → edit received), and CPU ms per update of the workers and of PostgreSQL
   (from /proc), so the figures carry to machines with more cores.
2. Holds: 1,000 users start a 20 s hold in one burst over two workers; how late is each
   "Release now" after the hold's end as stored?
3. Reminders: 2,000 due at once over two workers, the sender killed with SIGKILL a
   quarter of the way through: rate, duplicates, losses, the takeover, 429s.

PostgreSQL runs with its durable defaults (every commit waits for its WAL flush).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import asyncpg

from bench.machine import describe, write_section
from bot.cluster import LocalCluster, seed_due_reminders
from bot.emulator import ChatUser
from db.connection import Database
from db.local_postgres import LocalPostgres, start

TICK = os.sysconf("SC_CLK_TCK")
REMINDER_TEXT = "time for your back routine"


def cpu_seconds(pids: Iterable[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def postgres_pids(server: LocalPostgres) -> list[int]:
    """The postmaster and its children (backends, writer, WAL writer…)."""
    root = server.process.pid
    pids = [root]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == root:
                pids.append(int(entry.name))
    return pids


async def seed_cleared_users(url: str, ids: list[int]) -> None:
    """People who passed the safety check (so /routine starts at once)."""
    db = await Database.open(url)
    try:
        async with db.transaction() as tx:
            now = time.time()
            await tx.executemany(
                "INSERT INTO users (user_id, chat_id, first_name, created_at, safety_status, "
                "safety_at, timezone) VALUES (?, ?, 'Bench', ?, 'cleared', ?, 'UTC')",
                [(uid, uid, now, now) for uid in ids],
            )
    finally:
        await db.close()


async def to_card(user: ChatUser) -> None:
    await user.send("/routine")
    prompt = await user.expect_message("How is your pain", timeout=120)
    await user.press("4", prompt, timeout=120)
    await user.expect_message("Back flexion stretch", timeout=120)


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def new_database(server: LocalPostgres, name: str) -> str:
    conn = await asyncpg.connect(server.url())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server.url(name)


# -- 1. routine updates ----------------------------------------------------------------------


async def updates(
    label: str, url: str, workers: int, users: int, seconds: float, folder: Path,
    server: LocalPostgres | None,
) -> dict[str, float | str]:  # fmt: skip
    cluster = LocalCluster(
        workers=workers, folder=folder / label.replace(" ", "-"), database_url=url,
        flood_limit=None, log_level="WARNING",
    )  # fmt: skip
    await cluster.start()
    try:
        ids = list(range(100_000, 100_000 + users))
        await seed_cleared_users(url, ids)
        people = [ChatUser(cluster.emulator, user_id=uid) for uid in ids]
        await asyncio.gather(*(to_card(p) for p in people))
        latencies: list[float] = []
        loop = asyncio.get_running_loop()
        pids = [w.process.pid for w in cluster.running]
        pg = postgres_pids(server) if server is not None else []
        cpu0, pg0, t0 = cpu_seconds(pids), cpu_seconds(pg), loop.time()
        stop_at = t0 + seconds

        async def pause_resume(user: ChatUser) -> None:
            paused = False
            while loop.time() < stop_at:
                began = loop.time()
                await user.press("Resume" if paused else "Pause", timeout=60)
                await user.expect_edit("Step 1 of" if paused else "Paused", timeout=60)
                latencies.append(loop.time() - began)
                paused = not paused

        await asyncio.gather(*(pause_resume(p) for p in people))
        elapsed = loop.time() - t0
        cpu, pg_cpu = cpu_seconds(pids) - cpu0, cpu_seconds(pg) - pg0
    finally:
        await cluster.stop()
    done = len(latencies)
    return {
        "label": label,
        "rate": done / elapsed,
        "p50": pct(latencies, 0.5) * 1000,
        "p99": pct(latencies, 0.99) * 1000,
        "cpu": cpu / done * 1000,
        "pg": pg_cpu / done * 1000 if server is not None else float("nan"),
        "done": done,
    }


# -- 2. holds ----------------------------------------------------------------------------------


async def holds(url: str, users: int, folder: Path) -> dict[str, float]:
    cluster = LocalCluster(
        workers=2, folder=folder / "holds", database_url=url, flood_limit=None,
        log_level="WARNING",
    )  # fmt: skip
    await cluster.start()
    try:
        ids = list(range(200_000, 200_000 + users))
        await seed_cleared_users(url, ids)
        people = [ChatUser(cluster.emulator, user_id=uid) for uid in ids]
        gate = asyncio.Semaphore(100)

        async def prepare(user: ChatUser) -> None:
            async with gate:
                await to_card(user)
                await user.press("Show all steps", timeout=120)
                await user.expect_edit("20–30 seconds", timeout=120)

        await asyncio.gather(*(prepare(p) for p in people))
        db = await Database.open(url)
        try:

            async def start_hold(user: ChatUser) -> float:
                await user.press("Start the 20 s hold", timeout=120)
                # Read at once: the 20 s hold is far from its end, hold_ends_at is set.
                row = await db.fetchone(
                    "SELECT hold_ends_at FROM routine_runs WHERE user_id = ? "
                    "AND status = 'active'",
                    (user.user_id,),
                )
                assert row is not None and row["hold_ends_at"] is not None
                return float(row["hold_ends_at"])

            burst = time.time()
            ends = await asyncio.gather(*(start_hold(p) for p in people))
            burst_seconds = time.time() - burst
        finally:
            await db.close()
        releases = await asyncio.gather(
            *(
                p.expect(lambda e: e.kind == "send" and "Release now" in e.text, timeout=120)
                for p in people
            )
        )
        counts = Counter(
            e.chat_id for e in cluster.emulator.events
            if e.kind == "send" and "Release now" in e.text
        )  # fmt: skip
        late = [release.wall - end for release, end in zip(releases, ends, strict=True)]
        takeovers = sum(
            w.log.read_text(errors="replace").count("taking over") for w in cluster.running
        )
    finally:
        await cluster.stop()
    return {
        "users": users,
        "burst": burst_seconds,
        "p50": pct(late, 0.5) * 1000,
        "p99": pct(late, 0.99) * 1000,
        "max": max(late) * 1000,
        "early": sum(x < -0.01 for x in late),
        "twice": sum(n > 1 for n in counts.values()),
        "takeovers": takeovers,
    }


# -- 3. reminders ------------------------------------------------------------------------------


async def reminders(url: str, count: int, folder: Path) -> dict[str, float]:
    cluster = LocalCluster(
        workers=2, folder=folder / "reminders", database_url=url, sweep_seconds=1.0,
        flood_limit=30.0, log_level="INFO",
    )  # fmt: skip
    await cluster.start()
    try:
        ids = await seed_due_reminders(url, count, due_at=time.time())
        chats = set(ids)
        emulator = cluster.emulator

        def sends() -> list[tuple[float, int]]:
            return [
                (e.wall, e.chat_id) for e in emulator.events
                if e.kind == "send" and e.chat_id in chats and REMINDER_TEXT in e.text.lower()
            ]  # fmt: skip

        while len(sends()) < count // 4:  # noqa: ASYNC110 - polling the emulator's log
            await asyncio.sleep(0.05)
        sender = next(w for w in cluster.running if w.logged("now sends the reminders"))
        killed_at = time.time()
        sender.kill()
        await sender.process.wait()
        db = await Database.open(url)
        try:
            deadline = time.monotonic() + count / 10 + 60
            while time.monotonic() < deadline:
                row = await db.fetchone(
                    "SELECT count(*) AS n FROM reminders "
                    "WHERE last_date IS NULL OR sending_at IS NOT NULL"
                )
                if row is not None and row["n"] == 0:
                    break
                await asyncio.sleep(0.2)
        finally:
            await db.close()
        sent = sends()
    finally:
        await cluster.stop()
    times = sorted(t for t, _ in sent)
    per_chat = Counter(chat for _, chat in sent)
    window = max(
        sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)
    ) if times else 0  # fmt: skip
    after = [t for t in times if t > killed_at]
    before = [t for t in times if t <= killed_at]
    return {
        "count": count,
        "delivered": len(per_chat),
        "twice": sum(n > 1 for n in per_chat.values()),
        "lost": count - len(per_chat),
        "rate": len(times) / (times[-1] - times[0]) if len(times) > 1 else 0.0,
        "max_window": window,
        "gap": (after[0] - before[-1]) if after and before else float("nan"),
        "throttled": emulator.throttled,
    }


# -- the run -----------------------------------------------------------------------------------


async def main(users: int, seconds: float, hold_users: int, reminder_count: int) -> None:
    started = time.monotonic()
    server = await asyncio.to_thread(start, durable=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            rows = [
                await updates("1 worker, SQLite", f"sqlite:///{folder}/bench.sqlite3", 1,
                              users, seconds, folder, None),
                await updates("1 worker, PostgreSQL", await new_database(server, "one"), 1,
                              users, seconds, folder, server),
                await updates("2 workers, PostgreSQL", await new_database(server, "two"), 2,
                              users, seconds, folder, server),
            ]  # fmt: skip
            hold = await holds(await new_database(server, "holds"), hold_users, folder)
            sent = await reminders(await new_database(server, "reminders"), reminder_count, folder)
    finally:
        server.stop()
    table = [
        row(["workers", "updates/s", "reply p50", "reply p99", "worker CPU ms/update",
             "PostgreSQL CPU ms/update", "updates"]),
        row(["---"] * 7),
    ]  # fmt: skip
    for r in rows:
        pg = "—" if r["pg"] != r["pg"] else f"{r['pg']:.2f}"
        table.append(
            f"| {r['label']} | {r['rate']:.0f} | {r['p50']:.0f} ms | {r['p99']:.0f} ms | "
            f"{r['cpu']:.2f} | {pg} | {r['done']:,} |"
        )
    hold_table = "\n".join([
        row(["holds", "started within", "late p50", "late p99", "late max", "early", "twice",
             "taken over by the sweep"]),
        row(["---"] * 8),
        row([f"{hold['users']:,}", f"{hold['burst']:.1f} s", f"{hold['p50']:.0f} ms",
             f"{hold['p99']:.0f} ms", f"{hold['max']:.0f} ms", f"{hold['early']:.0f}",
             f"{hold['twice']:.0f}", f"{hold['takeovers']:.0f}"]),
    ])  # fmt: skip
    sent_table = "\n".join([
        row(["due at once", "delivered", "sent twice", "counted as sent, not delivered",
             "rate", "most in any 1 s", "takeover gap", "429s"]),
        row(["---"] * 8),
        row([f"{sent['count']:,.0f}", f"{sent['delivered']:,.0f}", f"{sent['twice']:.0f}",
             f"{sent['lost']:.0f}", f"{sent['rate']:.1f} msg/s", f"{sent['max_window']:.0f}",
             f"{sent['gap']:.1f} s", f"{sent['throttled']:.0f}"]),
    ])  # fmt: skip
    body = f"""
`make bench-cluster` on {describe()}. Whole run {time.monotonic() - started:.0f} s.
Workers are `python -m bot` processes in webhook mode; the emulator (in the benchmark's
process, on the same 2 cores) delivers updates round-robin. PostgreSQL: a local server
with its durable defaults.

### Routine updates ({users} users pressing Pause / Resume for {seconds:.0f} s)

{chr(10).join(table)}

Each update loads the routine, saves it (a versioned `UPDATE`), answers the button and
edits the card: two Bot API calls. "Reply" is from the press leaving the emulator to the
edited card arriving there. Everything shares 2 cores (workers, PostgreSQL, the
emulator and the driver), so two workers cannot double the rate here; the CPU columns
are what carries to a bigger machine (docs/scaling.md).

### "Release now" with {hold['users']:,} holds over two workers

{hold_table}

Late is from the hold's end as stored in PostgreSQL to the "Release now" message
reaching the emulator. Each worker's own timer releases the holds it started; the hold sweep
takes over a hold only once it is 0.5 s overdue.

### Reminders over two workers, the sender killed mid-burst

{sent_table}

The emulator's flood limit is 30 messages/s. One worker at a time sends (the holder of
the `backcoach:reminder-sender` advisory lock, 25 msg/s); after its SIGKILL the other
worker takes the lock within about a second, counts the dead sender's in-flight claims
as sent (at most one HTTP call each: the single-process guarantee) and goes on.
"""
    write_section("Cluster: webhook workers on SQLite and PostgreSQL", body)
    print(body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--holds", type=int, default=1000)
    parser.add_argument("--reminders", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.seconds, args.holds, args.reminders))
