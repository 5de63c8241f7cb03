"""`make profile-button`: where a button press spends its CPU, from a short load.

Starts `python -m bot` against the emulator, keeps it busy with closed-loop users walking
through routines (the `bench-throughput` walk: button presses, holds included), and
samples the bot's process with py-spy (`pip install py-spy`; it needs to attach to the
process: root, or ptrace allowed). Writes

- `docs/profile-button.svg`: the flame graph (open it in a browser);
- `docs/profile-button.md`: the functions with the most samples, on their own and with
  what they call, as a table the next person can read in a diff.

Without py-spy (or where it cannot attach), the same load runs with the bot under
cProfile (`python -m cProfile -o …`), and the table comes from that instead.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import load
from bench.harness import ROOT, load_average, spawn, start_emulator
from bench.machine import describe
from bot.emulator import ChatUser

DOCS = ROOT / "docs"
SVG = DOCS / "profile-button.svg"
TABLE = DOCS / "profile-button.md"


def _py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def collapsed_table(path: Path, top: int) -> tuple[str, int]:
    """Self and total samples per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        samples += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = ["| function | own % | with callees % |", "|---|---|---|"]
    for frame, count in own.most_common(top):
        lines.append(
            f"| `{frame}` | {100 * count / samples:.1f} | {100 * total[frame] / samples:.1f} |"
        )
    lines += ["", "Most inclusive (with callees):", "", "| function | with callees % |",
              "|---|---|"]  # fmt: skip
    for frame, count in total.most_common(top * 2):
        lines.append(f"| `{frame}` | {100 * count / samples:.1f} |")
    return "\n".join(lines), samples


def cprofile_table(path: Path, top: int) -> str:
    stats = pstats.Stats(str(path))
    entries = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        entries.append((own, cumulative, calls, f"{name} ({short}:{line})"))
    total = sum(e[0] for e in entries) or 1.0
    lines = ["| function | calls | own % | cumulative s |", "|---|---|---|---|"]
    for own, cumulative, calls, label in sorted(entries, reverse=True)[:top]:
        lines.append(f"| `{label}` | {calls:,} | {100 * own / total:.1f} | {cumulative:.2f} |")
    return "\n".join(lines)


async def run(users: int, seconds: float, speed: float, use_cprofile: bool) -> str:
    emulator = await start_emulator()
    folder = Path(tempfile.mkdtemp(prefix="profile-button-"))
    profile_out = folder / "bot.prof"
    args: list[str] = []
    module = "bot"
    if use_cprofile:
        module, args = "cProfile", ["-o", str(profile_out), "-m", "bot"]
    bot = await spawn(emulator, folder, module=module, args=args, speed=speed, name="bot")
    bot.notes["counts_sql"] = not use_cprofile
    walkers = [ChatUser(emulator, user_id=4_000 + i) for i in range(users)]
    try:
        await asyncio.gather(*(load.set_up(user) for user in walkers))
        sampler: subprocess.Popen[bytes] | None = None
        raw = folder / "stacks.txt"

        async def begin() -> None:
            nonlocal sampler
            spy = _py_spy()
            if spy is None or use_cprofile:
                return
            command = [spy, "record", "--pid", str(bot.pid), "--duration", str(int(seconds))]
            command += ["--rate", "250", "--function", "--format", "raw", "--nonblocking"]
            sampler = subprocess.Popen(  # noqa: ASYNC220 (it runs beside the load)
                [*command, "--output", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )

        tally, counted = await load.run_load(
            emulator, walkers, load.walk, warm_up=3.0, seconds=seconds, on_start=begin
        )
        print(f"{tally.updates} updates in {counted:.0f} s", file=sys.stderr)
        if sampler is not None:
            _, err = sampler.communicate(timeout=60)
            if sampler.returncode != 0 or not raw.exists():
                print(f"py-spy could not sample ({err.decode()[-300:]}); using cProfile",
                      file=sys.stderr)  # fmt: skip
                return ""
            table, samples = collapsed_table(raw, 25)
            _flamegraph(raw, SVG)  # the flame graph from the same samples
            return (
                f"py-spy, {samples:,} samples at 250 Hz over {counted:.0f} s of the routine "
                f"walk ({users} users, {tally.updates:,} updates); idle time (waiting in "
                "`select`/`epoll`) included, so the percentages are of wall time in the "
                f"bot's threads.\n\n{table}"
            )
    finally:
        await bot.stop()
        await emulator.stop()
    if use_cprofile:
        return (
            f"cProfile of the bot's main thread over the routine walk ({users} users, "
            f"{tally.updates:,} updates, warm-up and start-up included).\n\n"
            f"{cprofile_table(profile_out, 30)}"
        )
    return ""


def _flamegraph(raw: Path, svg: Path) -> None:
    """An SVG flame graph from collapsed stacks, drawn here (no external tools)."""
    counts: collections.Counter[tuple[str, ...]] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack:
            counts[tuple(stack.split(";"))] += int(count_text)
    total = sum(counts.values()) or 1
    tree: dict[tuple[str, ...], int] = collections.Counter()
    for frames, count in counts.items():
        for depth in range(1, len(frames) + 1):
            tree[frames[:depth]] += count
    width, row = 1800.0, 16
    depth_max = max((len(k) for k in tree), default=1)
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = collections.defaultdict(list)
    for key in tree:
        children[key[:-1]].append(key)
    rects: list[str] = []

    def draw(prefix: tuple[str, ...], x: float) -> None:
        for key in sorted(children.get(prefix, [])):
            w = width * tree[key] / total
            if w >= 0.5:
                y = (depth_max - len(key)) * row
                name = key[-1].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                hue = 20 + (hash(key[-1]) % 40)
                label = name if w > 60 else ""
                rects.append(
                    f"<g><title>{name} ({100 * tree[key] / total:.1f}%)</title>"
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" '
                    f'fill="hsl({hue},80%,60%)"/><text x="{x + 2:.1f}" y="{y + 12}" '
                    f'font-size="10" font-family="monospace">{label[: int(w / 6)]}</text></g>'
                )
            draw(key, x)
            x += w

    draw((), 0.0)
    height = (depth_max + 1) * row
    svg.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}">'
        + "".join(rects)
        + "</svg>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--speed", type=float, default=40.0)
    parser.add_argument("--cprofile", action="store_true", help="use cProfile, not py-spy")
    args = parser.parse_args()
    before = load_average()
    body = asyncio.run(run(args.users, args.seconds, args.speed, args.cprofile))
    if not body:  # py-spy missing or refused: the same load under cProfile
        body = asyncio.run(run(args.users, args.seconds, args.speed, True))
    DOCS.mkdir(exist_ok=True)
    TABLE.write_text(
        "# Profile of a button press\n\n"
        f"`make profile-button` on {describe()}, load average {before:.1f} (other work "
        "shares the cores; sample shares, not times, are what to read here).\n\n"
        f"{body}\n"
    )
    print(TABLE.read_text())


if __name__ == "__main__":
    main()
