"""`make bench-throughput`: how many updates a second one bot process serves, and what
each costs, beside a bare python-telegram-bot echo bot in the same run.

Both bots run as their own processes (`python -m bot`, `python -m bench.baseline_bot`),
each against its own Bot API emulator in this process; closed-loop users (each waits for
the answer before sending again) keep them busy. Loads alternate, baseline first, for
`--rounds` rounds, and the figures add up the rounds:

- echo (baseline): text in, the same text out; a button press answered and its message
  edited;
- question: a question in the user's own words, answered from the content;
- routine walk: /routine, a pain score, every step's main button (holds run at
  `--speed`, their countdown edit and "Release now" included), the pain score after.

Per update: CPU time of the bot's process (/proc/<pid>/stat, so other work on the
machine does not count), HTTP calls to the emulator (polls excluded), SQL statements
and transactions (the bot's `BACKCOACH_SQL_COUNT` counter).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load
from bench.harness import BotProcess, load_average, percentile, spawn, start_emulator
from bench.machine import describe, write_section
from bot.emulator import ChatUser

SECTION = "Throughput"


@dataclass
class Figures:
    name: str
    updates: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    calls: int = 0
    statements: int = 0
    transactions: int = 0
    latencies: list[float] | None = None
    methods: dict[str, int] | None = None
    driver_cpu: float = 0.0  # this process: the emulator and the users
    # What hold timers did in the window (not caused by a press): calls and statements.
    timer_calls: int = 0
    timer_sql: int = 0

    def add(self, other: Figures) -> None:
        self.updates += other.updates
        self.seconds += other.seconds
        self.cpu += other.cpu
        self.calls += other.calls
        self.statements += other.statements
        self.transactions += other.transactions
        self.driver_cpu += other.driver_cpu
        self.timer_calls += other.timer_calls
        self.timer_sql += other.timer_sql
        self.latencies = (self.latencies or []) + (other.latencies or [])
        methods = dict(self.methods or {})
        for key, value in (other.methods or {}).items():
            methods[key] = methods.get(key, 0) + value
        self.methods = methods

    def per(self, value: float) -> float:
        return value / self.updates if self.updates else float("nan")

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "updates_per_s": self.rate,
            "cpu_ms": 1000 * self.per(self.cpu),
            "calls": self.per(self.calls),
            "sql": self.per(self.statements),
            "transactions": self.per(self.transactions),
            "press_calls": self.per(self.calls - self.timer_calls),
            "press_sql": self.per(self.statements - self.timer_sql),
            "p50_ms": 1000 * percentile(self.latencies or [], 0.5),
            "p99_ms": 1000 * percentile(self.latencies or [], 0.99),
        }


async def measure(
    name: str,
    bot: BotProcess,
    users: list[ChatUser],
    scenario: load.Scenario,
    *,
    warm_up: float,
    seconds: float,
) -> Figures:
    marks: dict[str, Any] = {}

    async def begin() -> None:
        marks["driver"] = time.process_time()
        marks["events"] = len(bot.emulator.events)
        marks["cpu"] = bot.cpu()
        marks["calls"] = len(bot.emulator.requests)
        marks["sql"] = await bot.sql()

    async def end() -> None:
        marks["driver"] = time.process_time() - marks["driver"]
        marks["cpu"] = bot.cpu() - marks["cpu"]
        window = bot.emulator.events[marks["events"] :]
        releases = sum(1 for e in window if e.kind == "send" and "Release now" in e.text)
        ticks = sum(1 for e in window if e.kind == "edit" and " s left" in e.text)
        closes = sum(1 for e in window if e.kind == "edit" and "✅ Held" in e.text)
        marks["timer_calls"] = releases + ticks + closes
        # A tick reads the routine (1); a release reads it, saves it, claims its "Release
        # now" and settles the claim with the message's id (4).
        marks["timer_sql"] = ticks + 4 * releases
        marks["methods"] = bot.emulator.call_methods(marks["calls"])
        marks["calls"] = bot.emulator.calls(marks["calls"])
        after = await bot.sql()
        marks["sql"] = {k: after.get(k, 0) - marks["sql"].get(k, 0) for k in after}

    tally, counted = await load.run_load(
        bot.emulator, users, scenario, warm_up=warm_up, seconds=seconds, on_start=begin, on_end=end
    )
    sql = marks["sql"]
    return Figures(
        name,
        updates=tally.updates,
        seconds=counted,
        cpu=marks["cpu"],
        calls=marks["calls"],
        statements=sql.get("statement", 0),
        transactions=sql.get("transaction", 0) // 2,  # BEGIN … COMMIT
        latencies=tally.latencies,
        methods=marks["methods"],
        driver_cpu=marks["driver"],
        timer_calls=marks["timer_calls"],
        timer_sql=marks["timer_sql"],
    )


async def run(users: int, seconds: float, rounds: int, speed: float) -> dict[str, Figures]:
    base_emulator = await start_emulator()
    our_emulator = await start_emulator()
    folder = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    baseline = await spawn(base_emulator, folder, module="bench.baseline_bot", args=["echo"],
                           name="baseline")  # fmt: skip
    bot = await spawn(our_emulator, folder, speed=speed, name="bot")
    try:
        echoers = [ChatUser(base_emulator, user_id=1_000 + i) for i in range(users)]
        pressers = [ChatUser(base_emulator, user_id=2_000 + i) for i in range(users)]
        askers = [ChatUser(our_emulator, user_id=3_000 + i) for i in range(users)]
        walkers = [ChatUser(our_emulator, user_id=4_000 + i) for i in range(users)]
        await asyncio.gather(*(load.set_up(user) for user in askers + walkers))
        totals = {key: Figures(key) for key in ("echo", "press", "question", "walk")}
        warm = min(5.0, seconds / 3)
        for _ in range(rounds):
            for key, process, people, scenario in (
                ("echo", baseline, echoers, load.echo),
                ("press", baseline, pressers, load.press_plain),
                ("question", bot, askers, load.ask),
                ("walk", bot, walkers, load.walk),
            ):
                figures = await measure(
                    key, process, people, scenario, warm_up=warm, seconds=seconds
                )
                totals[key].add(figures)
        return totals
    finally:
        await bot.stop()
        await baseline.stop()
        await base_emulator.stop()
        await our_emulator.stop()


def table(totals: dict[str, Figures]) -> str:
    echo = totals["echo"].rate
    rows = [
        ("bare PTB echo bot: text → send (baseline)", "echo"),
        ("bare PTB bot: button → answer + edit (baseline)", "press"),
        ("BackCoach: free-text question", "question"),
        ("BackCoach: routine walk (commands and button presses)", "walk"),
    ]
    lines = [
        "| load | updates | updates/s | × echo | CPU ms/update | HTTP calls/update "
        "| SQL statements/update | transactions/update "
        "| reply p50 ms | reply p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, key in rows:
        f = totals[key]
        d = f.as_dict()
        lines.append(
            f"| {label} | {f.updates:,} | {d['updates_per_s']:.0f} | "
            f"{d['updates_per_s'] / echo if echo else float('nan'):.2f} | {d['cpu_ms']:.1f} | "
            f"{d['calls']:.2f} | {d['sql']:.2f} | {d['transactions']:.2f} | "
            f"{d['p50_ms']:.0f} | {d['p99_ms']:.0f} |"
        )
    return "\n".join(lines)


def methods_line(figures: Figures) -> str:
    methods = figures.methods or {}
    parts = [f"{name} {count / figures.updates:.2f}" for name, count in sorted(methods.items())]
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=24, help="closed-loop users per load")
    parser.add_argument("--seconds", type=float, default=15.0, help="counted seconds per load")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--speed", type=float, default=40.0, help="BACKCOACH_SPEED for holds")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = load_average()
    totals = asyncio.run(run(args.users, args.seconds, args.rounds, args.speed))
    load_after = load_average()
    result = table(totals)
    print(result)
    walk_d = totals["walk"].as_dict()
    own = (
        f'Without what the hold timers did meanwhile (countdown edits, "Release now", '
        f"countdown closes: {totals['walk'].per(totals['walk'].timer_calls):.2f} calls and "
        f"{totals['walk'].per(totals['walk'].timer_sql):.2f} statements per walk update), "
        f"a command or press of the walk makes {walk_d['press_calls']:.2f} HTTP calls and "
        f"{walk_d['press_sql']:.2f} SQL statements."
    )
    print(own)
    print("walk calls:", methods_line(totals["walk"]))
    print("question calls:", methods_line(totals["question"]))
    if args.no_write:
        return
    walk = totals["walk"]
    driver = max(f.driver_cpu / f.seconds for f in totals.values() if f.seconds)
    body = (
        f"`make bench-throughput` on {describe()}; load average {load_before:.1f} before, "
        f"{load_after:.1f} after (other work shares the two cores: CPU per update is the "
        "bot process's own, from /proc, and does not move with it; updates/s does).\n\n"
        f"{result}\n\n{own}\n\n"
        f"Each bot runs as its own process against its own emulator; {args.users} "
        "closed-loop users per load (each waits for its answer before the next update), "
        f"{args.rounds} rounds of {args.seconds:.0f} counted seconds per load, alternating "
        "with the baseline. The routine walk is /routine, the pain score, every step's main "
        f"button, holds at BACKCOACH_SPEED={args.speed:g} (their countdown edit and "
        "\"Release now\" count in the walk's CPU and calls, not as updates; a hold's own "
        "press is left out of the reply times, which would include the hold), the pain "
        "score after and the summary. The benchmark's own process (emulator and users) "
        f"used up to {100 * driver:.0f} % of a core, so on a shared 2-core machine updates/s "
        "and reply times are bounded by it and by other work, not only by the bot. "
        "HTTP calls per walk update: "
        f"{methods_line(walk)}. Transactions count BEGIN … COMMIT pairs; a statement "
        "outside one commits on its own and is not counted as a transaction. Goals "
        "(issue 14): a button ≤ 8 ms CPU, ≤ 2.5 HTTP calls, ≤ 3 SQL statements in one "
        "transaction; the walk ≥ 0.6× the echo bot's updates/s, questions ≥ 0.8×."
    )
    write_section(SECTION, body)


if __name__ == "__main__":
    main()
