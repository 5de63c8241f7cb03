"""`make bench`: every benchmark, one after another, each as its own process (as
`make bench-…` runs it), timed; then a summary, and the "## Benchmark run" section of
docs/performance.md: the machine, the date, each benchmark's duration and the total.

`make bench-cluster` is left out unless `--with-cluster` (`make bench ARGS=--with-cluster`):
its phases (15 s of updates per row, 1,000 holds, 2,000 reminders at 25/s) take four to
five minutes on their own, the figures docs/scaling.md's arithmetic starts from; shortened
to fit the 15 minutes, they would replace those with smaller, noisier ones.

One at a time on purpose: they measure latency and CPU on a 2-core machine, and two at
once would measure each other. A benchmark that fails does not stop the others (a run
is 15 minutes: the rest is still worth having), but the run exits non-zero and the
summary says which failed, so a failure is never taken for a figure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.harness import load_average
from bench.machine import describe, write_section

SECTION = "Benchmark run"
BUDGET_S = 15 * 60  # issue 14: `make bench` within 15 minutes on this machine


@dataclass(frozen=True)
class Bench:
    target: str  # the make target that runs it alone
    module: str
    args: tuple[str, ...] = ()


# In the Makefile's order; the cluster last, and only when asked for (see above).
BENCHES = (
    Bench("bench-throughput", "bench.throughput"),
    Bench("bench-holds", "bench.holds"),
    Bench("bench-answers", "bench.answers"),
    Bench("bench-reminders", "bench.reminders"),
    Bench("bench-progress", "bench.progress"),
    Bench("bench-db", "bench.db"),
    Bench("bench-kill", "bench.kill"),
    Bench("bench-slow-sends", "bench.slow_sends"),
    Bench("bench-cluster", "bench.cluster"),
)


@dataclass(frozen=True)
class Outcome:
    bench: Bench
    seconds: float
    status: int


def run_one(bench: Bench) -> Outcome:
    print(f"\n=== {bench.target}: python -m {bench.module} {' '.join(bench.args)}", flush=True)
    started = time.perf_counter()
    # Its output goes straight to ours: a long benchmark shows its progress as it runs.
    status = subprocess.run([sys.executable, "-m", bench.module, *bench.args], check=False)
    outcome = Outcome(bench, time.perf_counter() - started, status.returncode)
    verdict = "ok" if outcome.status == 0 else f"FAILED (exit status {outcome.status})"
    print(f"=== {bench.target}: {outcome.seconds:.0f} s, {verdict}", flush=True)
    return outcome


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


def table(outcomes: list[Outcome], total: float) -> str:
    lines = ["| benchmark | seconds | result |", "|---|---|---|"]
    for o in outcomes:
        result = "ok" if o.status == 0 else f"**failed** (exit status {o.status})"
        lines.append(f"| `make {o.bench.target}` | {o.seconds:.0f} | {result} |")
    lines.append(f"| **total** | **{total:.0f}** ({minutes(total)}) | |")
    return "\n".join(lines)


CLUSTER = "cluster"
CLUSTER_NOTE = (
    "`make bench-cluster` is not part of this run: its phases (15 s of updates per row, "
    "1,000 holds, 2,000 reminders at 25/s over two workers) take four to five minutes on "
    "their own (268 s on 2026-12-02), and they are the figures docs/scaling.md starts "
    "from; shortened to fit the 15 minutes they would replace those with smaller, "
    "noisier ones. `make bench ARGS=--with-cluster` runs it last, in the same table."
)


def name_of(bench: Bench) -> str:
    return bench.target.removeprefix("bench-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__)
    names = [name_of(b) for b in BENCHES]
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {','.join(names)}")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--with-cluster", action="store_true", help="run bench-cluster too")
    parser.add_argument("--no-write", action="store_true", help="no 'Benchmark run' section")
    args = parser.parse_args(argv)
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    unknown = (only | skip) - set(names)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if not args.with_cluster and CLUSTER not in only:
        skip.add(CLUSTER)
    chosen = [b for b in BENCHES if (not only or name_of(b) in only) and name_of(b) not in skip]
    load_before = load_average()
    started = time.perf_counter()
    outcomes = [run_one(bench) for bench in chosen]
    total = time.perf_counter() - started
    failed = [o.bench.target for o in outcomes if o.status != 0]
    summary = table(outcomes, total)
    print(f"\n{summary}\n", flush=True)
    # The budget is for `make bench` as it stands: everything but the cluster.
    whole = {name_of(b) for b in chosen} >= set(names) - {CLUSTER}
    if not args.no_write:
        if whole:
            within = "within" if total <= BUDGET_S else "**over**"
            verdict = (
                f"Total {minutes(total)}, {within} the 15 minutes issue 14 sets for "
                "`make bench` on this machine."
            )
        else:
            verdict = f"Total {minutes(total)} for only these (not the whole of `make bench`)."
        body = (
            f"`make bench` on {describe()}; load average {load_before:.1f} before, "
            f"{load_average():.1f} after. {verdict}\n\n"
            f"{summary}\n\n"
            "One benchmark at a time, each in its own process as its make target runs it; "
            "each row is its wall-clock time, seeding, start-ups and baselines included. "
            "Other work sharing the two cores makes a run longer; the benchmarks' own "
            "sections say how loaded the machine was."
        )
        if CLUSTER not in {name_of(b) for b in chosen}:
            body += "\n\n" + CLUSTER_NOTE
        write_section(SECTION, body)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    if whole and total > BUDGET_S:
        print(f"over budget: {minutes(total)} > {minutes(BUDGET_S)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
