"""`python -m bench.slow_sends`: what slow Bot API answers do to reminders (issue 9, defect 10).

300 users have a reminder due now. The real bot, as deployed (`python -m bot` in its own
process: its catch-up sweep at start-up, paced queue and send policy), delivers them to
the Bot API emulator in this process, which answers 5 % of the sends only after
a delay, while recording each message as delivered at once, as Telegram does when only
its answer is late. Telegram has no idempotency key: a client that gave up waiting cannot
tell a delivered message from a lost one, so a retry after that may be a duplicate.

Two delays: 7 s (past PTB's default 5 s read timeout, within the bot's send timeout) and
20 s (past every timeout). Reported per run: messages each user received (more than one
is a duplicate, none is a loss), send attempts, and reminders marked sent in SQLite
(read once the bot has exited on SIGINT).

Prints a table and writes the "## Slow sends" section of docs/performance.md, next to
the figures this script measured before the change (the send code of main at 5fcd289).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import PERFORMANCE_MD, describe, write_section
from bot.emulator.server import Event
from bot.runtime.sending import SEND_READ_TIMEOUT

SECTION = "Slow sends"
USER_BASE = 20_000_000


@dataclass(frozen=True)
class Result:
    delay: float
    users: int
    slow: int
    attempts: int
    received: int
    duplicates: int
    lost: int
    marked_sent: int
    seconds: float

    def row(self, label: str) -> str:
        return (
            f"| {label} | {self.delay:.0f} s | {self.users} | {self.slow} | {self.attempts} "
            f"| {self.duplicates} | {self.lost} | {self.marked_sent} | {self.seconds:.0f} s |"
        )


# The same script on the code before the change (PTB's 5 s read timeout for every call;
# the reminder queue retried every network error and timeout).
BEFORE = {
    7.0: Result(7.0, 300, 19, 319, 300, 19, 0, 300, 20.9),
    20.0: Result(20.0, 300, 19, 319, 300, 19, 0, 300, 20.8),
}
BEFORE_DATE = (
    "measured on the same machine on 2026-12-02 (branch reliab at f82dbe2, whose send "
    "code is main's)"
)


async def seed(path: Path, users: int) -> None:
    from db.connection import Database

    database = await Database.open(path)  # the schema, by the bot's own migrations
    await database.close()
    now = time.time()
    local = datetime.fromtimestamp(now, UTC).strftime("%H:%M")
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (user_id, chat_id, first_name, created_at, safety_status, "
            "timezone) VALUES (?, ?, 'Sam', ?, 'cleared', 'UTC')",
            [(USER_BASE + n, USER_BASE + n, now) for n in range(users)],
        )
        conn.executemany(
            "INSERT INTO reminders (user_id, local_time, next_due, updated_at) VALUES (?, ?, ?, ?)",
            [(USER_BASE + n, local, now - 5, now) for n in range(users)],
        )
    conn.close()


# No new message for this long ends the wait for the rest: past the longest a send is
# held (SEND_READ_TIMEOUT), so a queue whose workers all wait on slow answers is not
# taken for one that is done.
QUIET_SECONDS = SEND_READ_TIMEOUT + 5


async def run(delay: float, users: int, fraction: float, seed_value: int) -> Result:
    from bench.harness import spawn, start_emulator

    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.sqlite3"
        await seed(db_path, users)
        emulator = await start_emulator()
        emulator.answer_slowly(delay, fraction=fraction, methods=("sendMessage",), seed=seed_value)
        # Its catch-up sweep at start-up queues all of them at once; no sweep after that.
        bot = await spawn(
            emulator,
            Path(folder),
            database=db_path,
            env={"REMINDER_SWEEP_SECONDS": "3600", "LOG_LEVEL": "WARNING"},
        )
        wanted = {USER_BASE + n for n in range(users)}

        def sends() -> list[Event]:
            return [e for e in emulator.events if e.kind == "send"]

        seen, last_new = 0, time.monotonic()
        while not wanted <= {e.chat_id for e in sends()}:
            if len(sends()) > seen:
                seen, last_new = len(sends()), time.monotonic()
            elif time.monotonic() - last_new > QUIET_SECONDS:
                break  # some never came: counted as lost
            await asyncio.sleep(0.1)
        # Slow answers still on their way land too, and a retry would come after one:
        # each is given `delay` after its send arrived, so wait that long after the last.
        last_send = max((e.at for e in sends()), default=0.0)
        await asyncio.sleep(max(0.0, last_send + delay + 1.0 - time.monotonic()))
        last_send = max((e.at for e in sends()), default=0.0)
        elapsed = last_send - bot.spawned_at
        received = Counter(e.chat_id for e in sends())
        attempts = sum(1 for method, _ in emulator.requests if method == "sendMessage")
        await bot.stop()  # SIGINT: what it marked sent is committed before it exits
        await emulator.stop()
        conn = sqlite3.connect(db_path)
        (marked,) = conn.execute(
            "SELECT COUNT(*) FROM reminders WHERE last_date IS NOT NULL AND sending_at IS NULL"
        ).fetchone()
        conn.close()
    return Result(
        delay=delay,
        users=users,
        slow=emulator.slow_answered,
        attempts=attempts,
        received=len(received),
        duplicates=sum(n - 1 for n in received.values() if n > 1),
        lost=len(wanted - set(received)),
        marked_sent=int(marked),
        seconds=elapsed,
    )


HEADER = (
    "| code | slow answer after | reminders | slow answers | send attempts | sent twice "
    "| lost | marked sent | delivery took |\n|---|---|---|---|---|---|---|---|---|"
)


def report(results: list[Result], fraction: float, elapsed: float) -> str:
    rows = [BEFORE[r.delay].row("before") for r in results if r.delay in BEFORE]
    rows += [r.row("after") for r in results]
    return (
        f"`python -m bench.slow_sends` on {describe()}; whole run {elapsed:.0f} s. "
        f"Before: the same script on the code before the change, {BEFORE_DATE}.\n\n"
        f"{results[0].users} reminders due at once go through the real sweep and paced queue "
        "of `python -m bot`, run as its own process as deployed, to the emulator in the "
        f"benchmark's process, which answers {fraction:.0%} of the sends only after the delay "
        "shown (the message itself is delivered at once, as when Telegram's answer is "
        "late). \"Marked sent\" is read from the SQLite file after the bot has stopped "
        "(SIGINT); \"delivery took\" is from spawning the process (its start-up included) "
        "to the last message's arrival. Before, the bot ran inside the benchmark's process "
        "and the time was to its send queue's end.\n\n"
        f"{HEADER}\n" + "\n".join(rows) + "\n\n"
        "Before, every call had PTB's 5 s read timeout and the reminder queue retried "
        "every timeout: each slow answer became a second reminder. Now sends wait up to "
        f"{SEND_READ_TIMEOUT:.0f} s for an answer (`SEND_READ_TIMEOUT`), and only a send that "
        "never left (no connection could be made) is retried; one that failed after its "
        'request was written counts as sent. "Lost" counts users who got nothing: 0 here '
        "because the emulator delivers every message it answers late. Against Telegram, a "
        "send that timed out without arriving is now lost where it used to be retried: "
        "Telegram has no idempotency key, so the choice is between a rare duplicate and a "
        'rare lost nudge, and we take the lost nudge (README, "Limits we chose"). Answers '
        f"slower than {SEND_READ_TIMEOUT:.0f} s also slow the queue, each holding one of its "
        "8 send workers that long."
    )


async def main_async(args: argparse.Namespace) -> list[Result]:
    results = []
    for delay in args.delays:
        result = await run(delay, args.users, args.fraction, args.seed)
        print(result, flush=True)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--fraction", type=float, default=0.05)
    parser.add_argument("--delays", type=float, nargs="+", default=[7.0, 20.0])
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    started = time.perf_counter()
    results = asyncio.run(main_async(args))
    body = report(results, args.fraction, time.perf_counter() - started)
    print(body)
    if not args.no_write:
        write_section(SECTION, body)
        print(f"wrote the {SECTION!r} section of {PERFORMANCE_MD}")


if __name__ == "__main__":
    main()
