"""The /progress chart: pain before and after each routine and the morning check-ins over
the last 14 or 30 days, as PNG bytes. No telegram, no db.

- matplotlib is imported inside `progress_chart`, so importing this module (and starting
  the bot) costs nothing; the first chart pays the import (~0.5 s), later ones do not.
- It uses the object API (`Figure` + the Agg canvas), never pyplot: no global figure
  state, so it can run in a worker thread, or in a process pool (the arguments are plain
  picklable data) when many users ask at once.
- Sized for a phone: 1280×800 px, large type, an opaque warm off-white card that reads on
  both light and dark chat themes, dates in the user's zone, the y axis 0–10.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.progress import CheckIn, Routine, local_date

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

WIDTH, HEIGHT = 1280, 800
_DPI = 100

# Colours chosen to stay apart for the common colour-vision deficiencies (orange / blue /
# purple, different markers too) and to read on the off-white card.
BACKGROUND = "#FBF8F3"
INK = "#2B2B2B"
MUTED = "#6B6B6B"
GRID = "#E4DED4"
ROUTINE_DAY = "#E3EEF7"
BEFORE = "#D9661F"
AFTER = "#1F6FB2"
MORNING = "#7B4FB5"


def _day_x(day: date) -> float:
    """x position of a local date's midnight (days since 1970-01-01, like matplotlib)."""
    return float((day - date(1970, 1, 1)).days)


def _x(instant: float, zone: ZoneInfo) -> float:
    """x position of an instant: its local date plus the fraction of the local day."""
    local = datetime.fromtimestamp(instant, zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return _day_x(local.date()) + seconds / 86400.0


def _tick_days(first: date, days: int) -> list[date]:
    """Tick dates: every day for a week, every 2 days for 14, every 5 for 30, with today
    always labelled (counting back from it keeps the newest day marked)."""
    step = 1 if days <= 7 else 2 if days <= 14 else 5
    last = first + timedelta(days=days - 1)
    return [last - timedelta(days=i) for i in range(0, days, step)][::-1]


def _label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    return f"{day.day} {day:%b}"


def progress_chart(
    routines: Sequence[Routine],
    checkins: Sequence[CheckIn],
    *,
    zone: ZoneInfo,
    today: date,
    days: int = 14,
) -> bytes:
    """A PNG (WIDTH×HEIGHT) of the `days` local days ending `today`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    first = today - timedelta(days=days - 1)
    in_range = [r for r in routines if first <= local_date(r.started_at, zone) <= today]
    marks = [c for c in checkins if first <= c.local_date <= today]

    figure = Figure(figsize=(WIDTH / _DPI, HEIGHT / _DPI), dpi=_DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    axes: Axes = figure.add_axes((0.1, 0.1, 0.86, 0.6))
    axes.set_facecolor(BACKGROUND)

    # Days with a finished routine: soft columns behind everything, a little narrower than
    # the day so that days in a row stay separate. One collection: one artist to draw.
    done_days = sorted({local_date(r.started_at, zone) for r in in_range if r.finished})
    columns = [
        [(x + 0.06, -1.0), (x + 0.94, -1.0), (x + 0.94, 11.0), (x + 0.06, 11.0)]
        for x in (_day_x(day) for day in done_days)
    ]
    axes.add_collection(PolyCollection(columns, facecolors=ROUTINE_DAY, linewidths=0, zorder=0))

    before = sorted(
        (_x(r.started_at, zone), r.pain_before) for r in in_range if r.pain_before is not None
    )
    after = sorted(
        (_x(r.ended_at, zone), r.pain_after)
        for r in in_range
        if r.pain_after is not None and r.ended_at is not None
    )
    morning = sorted((_x(c.at, zone), c.score) for c in marks)
    # Each routine's own change: a thin line from its before to its after score.
    changes = [
        [(_x(r.started_at, zone), r.pain_before), (_x(r.ended_at, zone), r.pain_after)]
        for r in in_range
        if r.pain_before is not None and r.pain_after is not None and r.ended_at is not None
    ]
    axes.add_collection(LineCollection(changes, colors=MUTED, linewidths=2.5, alpha=0.55, zorder=2))
    size = 15 if days <= 14 else 11
    width = 3.5 if days <= 14 else 2.8
    # Drawn in this order: the check-ins behind, then "after" as filled dots, then "before"
    # as hollow rings a size larger, so a routine that changed nothing shows both.
    series = (
        (morning, MORNING, "D", "--", size - 2, MORNING, 3),
        (after, AFTER, "o", "-", size, AFTER, 4),
        (before, BEFORE, "o", "-", size + 3, "none", 5),
    )
    for points, colour, shape, style, marker_size, face, order in series:
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        axes.plot(
            xs,
            ys,
            color=colour,
            lw=width,
            ls=style,
            marker=shape,
            ms=marker_size,
            mfc=face,
            mew=3,
            zorder=order,
            alpha=0.95,
        )

    axes.set_xlim(_day_x(first), _day_x(today) + 1)
    axes.set_ylim(-0.6, 10.6)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel("Pain (0–10)", fontsize=26, color=INK, labelpad=12)
    ticks = _tick_days(first, days)
    axes.set_xticks([_day_x(d) + 0.5 for d in ticks])
    axes.set_xticklabels([_label(d, today) for d in ticks])
    axes.tick_params(axis="both", labelsize=26, colors=INK, length=0, pad=10)
    axes.grid(axis="y", color=GRID, lw=1.5)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)
    axes.spines["bottom"].set_linewidth(2)

    figure.text(
        0.02,
        0.935,
        f"Your pain, last {days} days",
        fontsize=38,
        color=INK,
        weight="bold",
        va="center",
    )
    # The key lists only what is drawn: no "Morning" for someone without check-ins.
    key: list[tuple[Artist, str]] = []
    if before:
        key.append(
            (
                Line2D([], [], color=BEFORE, marker="o", ms=15, mfc="none", mew=3, lw=3.5),
                "Before routine",
            )
        )
    if after:
        key.append((Line2D([], [], color=AFTER, marker="o", ms=14, lw=3.5), "After routine"))
    if morning:
        key.append(
            (Line2D([], [], color=MORNING, marker="D", ms=12, ls="--", lw=3.5), "Morning check-in")
        )
    if done_days:
        key.append((Patch(color=ROUTINE_DAY), "Routine day"))
    if key:
        figure.legend(
            [handle for handle, _ in key],
            [text for _, text in key],
            loc="upper left",
            bbox_to_anchor=(0.01, 0.885),
            ncol=2,
            frameon=False,
            fontsize=25,
            labelcolor=INK,
            handlelength=1.8,
            columnspacing=1.2,
            labelspacing=0.5,
        )
    buffer = io.BytesIO()
    # Level 3 instead of PIL's 6: a third of the encoding time for a few more kilobytes.
    figure.savefig(
        buffer, format="png", dpi=_DPI, facecolor=BACKGROUND, pil_kwargs={"compress_level": 3}
    )
    return buffer.getvalue()
