"""The machine and date a benchmark ran on, and the shared `docs/performance.md` writer."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = (
    "# Performance\n\n"
    "Measured by the benchmarks in `bench/` (never by timed tests). Each section is\n"
    "rewritten by its own `make bench-…` target, with the machine and the date.\n"
)


def describe() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if match:
            memory = f"{int(match.group(1)) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} RAM, Python {platform.python_version()}, {today}"
    )


def write_section(title: str, body: str) -> None:
    """Replace (or add) the `## title` section of docs/performance.md, keeping the others."""
    PERFORMANCE_MD.parent.mkdir(parents=True, exist_ok=True)
    text = PERFORMANCE_MD.read_text() if PERFORMANCE_MD.exists() else HEADER
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    PERFORMANCE_MD.write_text(text)


def drawn_pictures(folder: Path) -> Path:
    """`folder/media` filled with the reviewed pictures (docs/pictures), the folder the bot
    uses next to a database there: a benchmark then measures the bot, not the seconds of
    drawing every picture in a worker thread after start-up."""
    from bot.media.figures import MediaLibrary

    media = folder / "media"
    MediaLibrary.load(media).seed(PERFORMANCE_MD.parent / "pictures")
    return media
