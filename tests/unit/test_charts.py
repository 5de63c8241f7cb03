"""The /progress chart: a PNG of the expected size, opaque, drawn from the user's local
dates, and matplotlib stays out of start-up."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PIL import Image

from bot.core.progress import CheckIn, Routine
from bot.media.charts import HEIGHT, WIDTH, _tick_days, _x, progress_chart

BERLIN = ZoneInfo("Europe/Berlin")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def two_routines() -> list[Routine]:
    first = datetime(2024, 6, 3, 8, 0, tzinfo=BERLIN).timestamp()
    second = datetime(2024, 6, 4, 18, 30, tzinfo=BERLIN).timestamp()
    return [
        Routine(1, first, first + 480, True, 6, 4),
        Routine(2, second, second + 480, True, 5, 3),
    ]


def test_two_routines_make_a_phone_sized_opaque_png() -> None:
    checkins = [
        CheckIn(date(2024, 6, 4), datetime(2024, 6, 4, 7, 30, tzinfo=BERLIN).timestamp(), 5)
    ]
    data = progress_chart(two_routines(), checkins, zone=BERLIN, today=date(2024, 6, 5), days=14)
    assert png_size(data) == (WIDTH, HEIGHT) == (1280, 800)
    image = Image.open(io.BytesIO(data))
    if image.mode == "RGBA":
        assert image.getchannel("A").getextrema() == (255, 255)  # reads on dark themes too
    assert len(data) < 400_000  # well under Telegram's 10 MB photo limit, quick to upload


def test_the_30_day_chart_and_an_empty_one_render_too() -> None:
    assert png_size(
        progress_chart(two_routines(), [], zone=BERLIN, today=date(2024, 6, 5), days=30)
    ) == (WIDTH, HEIGHT)
    assert png_size(progress_chart([], [], zone=BERLIN, today=date(2024, 6, 5), days=14)) == (
        WIDTH,
        HEIGHT,
    )


def test_points_sit_on_the_users_local_date_and_hour() -> None:
    # 23:30 on New York's fall-back Sunday is 04:30 UTC on Monday: it belongs to Sunday.
    new_york = ZoneInfo("America/New_York")
    late = datetime(2024, 11, 3, 23, 30, tzinfo=new_york).timestamp()
    sunday = (date(2024, 11, 3) - date(1970, 1, 1)).days
    assert sunday < _x(late, new_york) < sunday + 1
    assert abs(_x(late, new_york) - (sunday + 23.5 / 24)) < 1e-9


def test_the_newest_day_is_always_labelled() -> None:
    ticks = _tick_days(date(2024, 5, 17), 30)
    assert ticks[-1] == date(2024, 6, 15) and len(ticks) == 6
    assert _tick_days(date(2024, 6, 2), 14)[-1] == date(2024, 6, 15)


def test_importing_the_chart_module_does_not_import_matplotlib() -> None:
    code = "import sys, bot.media.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
