"""Pictures inline in the terminal, where the terminal can show them.

Three ways exist and none can be asked for without a round trip, so the environment
decides: kitty's graphics protocol (kitty, Ghostty), iTerm2's inline images (iTerm2,
WezTerm), or sixel (foot, mlterm, a TERM naming sixel). Anything else gets the saved
file's path only. `BACKCOACH_IMAGES=kitty|iterm|sixel|off` overrides the guess.

A loop (MP4) is shown as a strip of its two most different moments (the cow and the cat,
the knees to the left and to the right), so it reads "from here to there".
"""

from __future__ import annotations

import base64
import io
import itertools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args

from PIL import Image, ImageChops, ImageStat

log = logging.getLogger(__name__)

Protocol = Literal["kitty", "iterm", "sixel"]
# How wide a picture shows, in terminal columns (it keeps its proportions).
COLUMNS = 48
# Sixel draws pixels, not columns: about 8 pixels a column on common terminals.
SIXEL_WIDTH = COLUMNS * 8
_SIXEL_TERMS = ("foot", "foot-extra", "mlterm", "yaft-256color", "contour")


def detect(environ: Mapping[str, str | None], is_tty: bool) -> Protocol | None:
    """Which inline-image protocol this terminal speaks, from its environment."""
    chosen = (environ.get("BACKCOACH_IMAGES") or "").strip().lower()
    if chosen in get_args(Protocol):
        return chosen  # type: ignore[return-value]
    if chosen in ("off", "none", "0", "no") or not is_tty:
        return None
    term = (environ.get("TERM") or "").lower()
    program = (environ.get("TERM_PROGRAM") or "").lower()
    if environ.get("KITTY_WINDOW_ID") or term in ("xterm-kitty", "xterm-ghostty"):
        return "kitty"
    if program == "ghostty":
        return "kitty"
    if program in ("iterm.app", "wezterm") or environ.get("LC_TERMINAL") == "iTerm2":
        return "iterm"
    if "sixel" in term or term in _SIXEL_TERMS:
        return "sixel"
    return None


def picture_for(path: Path) -> Image.Image | None:
    """What to show for a saved file: the image itself, or a loop's two-frame strip."""
    try:
        if path.suffix == ".mp4":
            return _loop_strip(path)
        with Image.open(path) as image:
            image.seek(0)
            return image.convert("RGB")
    except Exception as exc:  # a file we cannot read: the path alone will do
        log.info("no inline picture for %s: %s", path, exc)
        return None


def _loop_strip(path: Path) -> Image.Image | None:
    """The two most different moments of the loop (the cow and the cat, the knees to the
    left and to the right), side by side in the order the loop shows them."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    size = tuple(next(reader)["size"])
    frames = [Image.frombytes("RGB", size, data) for index, data in enumerate(reader)
              if index % 4 == 0]  # fmt: skip
    if not frames:
        return None
    small = [frame.reduce(8).convert("L") for frame in frames]
    pairs = itertools.combinations(range(len(frames)), 2)
    first, second = max(pairs, key=lambda pair: _difference(small[pair[0]], small[pair[1]]),
                        default=(0, 0))  # fmt: skip
    strip = Image.new("RGB", (size[0] * 2, size[1]), (255, 255, 255))
    strip.paste(frames[first], (0, 0))
    strip.paste(frames[second], (size[0], 0))
    return strip


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b)).sum[0])


def escape(protocol: Protocol, image: Image.Image, columns: int = COLUMNS) -> str:
    """The terminal escape sequence that draws `image`, `columns` wide."""
    if protocol == "sixel":
        return sixel(image, SIXEL_WIDTH * columns // COLUMNS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    if protocol == "iterm":
        size = len(buffer.getvalue())
        return (
            f"\033]1337;File=inline=1;size={size};width={columns};"
            f"preserveAspectRatio=1:{data}\a"
        )
    # kitty: PNG (f=100), transmit and show (a=T), in chunks of at most 4096 bytes.
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)] or [""]
    parts = []
    for index, chunk in enumerate(chunks):
        more = 1 if index < len(chunks) - 1 else 0
        head = f"a=T,f=100,c={columns},q=2,m={more}" if index == 0 else f"m={more}"
        parts.append(f"\033_G{head};{chunk}\033\\")
    return "".join(parts)


def sixel(image: Image.Image, width: int) -> str:
    """`image` as sixel graphics, `width` pixels wide, in at most 64 colours."""
    height = max(1, round(image.height * width / image.width))
    paletted = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    paletted = paletted.quantize(colors=64)
    palette = paletted.getpalette() or []
    pixels = paletted.tobytes()
    used = sorted(set(pixels))
    out = ["\033Pq", f'"1;1;{width};{height}']
    for colour in used:
        r, g, b = palette[colour * 3 : colour * 3 + 3]
        out.append(f"#{colour};2;{r * 100 // 255};{g * 100 // 255};{b * 100 // 255}")
    for top in range(0, height, 6):
        rows = [pixels[y * width : (y + 1) * width] for y in range(top, min(top + 6, height))]
        band = []
        for colour in used:
            codes = [
                sum(1 << bit for bit, row in enumerate(rows) if row[x] == colour)
                for x in range(width)
            ]
            if not any(codes):
                continue
            band.append(f"#{colour}{_run_length(codes)}")
        out.append("$".join(band) + "-")
    out.append("\033\\")
    return "".join(out)


def _run_length(codes: list[int]) -> str:
    """Sixel characters with repeats written `!<count><char>`."""
    text: list[str] = []
    index = 0
    while index < len(codes):
        end = index
        while end < len(codes) and codes[end] == codes[index]:
            end += 1
        char = chr(63 + codes[index])
        count = end - index
        text.append(f"!{count}{char}" if count > 3 else char * count)
        index = end
    return "".join(text)
