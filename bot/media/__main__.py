"""`make pictures`: draw every picture and loop into docs/pictures/ with a gallery README.

File names there are the keys' stable names (no hash), so links stay put and a changed pose
shows up in review as a changed file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.content import load_content
from bot.media.figures import Figures, MediaSpec
from bot.media.pose_file import load_poses

DOCS = Path("docs/pictures")


def build(out: Path = DOCS) -> tuple[list[MediaSpec], float]:
    content = load_content()
    figures = Figures(load_poses(content=content), content)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    specs = figures.specs()
    for spec in specs:
        (out / f"{spec.key.name}{spec.key.extension}").write_bytes(spec.render())
    seconds = time.perf_counter() - started
    (out / "README.md").write_text(gallery(figures, specs), encoding="utf-8")
    return specs, seconds


def gallery(figures: Figures, specs: list[MediaSpec]) -> str:
    lines = [
        "# What users see: the exercise pictures",
        "",
        "Drawn by `make pictures` from `content/poses.toml` (key positions as segment angles,",
        "proportions defined once) by `bot/media/`. Orange marks the part that moves, the",
        "arrow its path, a pale figure the position it starts from. The knee rocks and the",
        "trunk twist are seen at a slant from the feet end, so bent knees stand up and the",
        "rocking swings sideways. Loops are MP4 (H.264), as Telegram plays them silently on",
        "repeat. Do not edit these files: change the poses and re-run `make pictures`.",
        "",
        f"{len(specs)} files. A full render takes 10–20 s on a 2-core machine (`make pictures`",
        "prints the time); the bot draws the same once at start-up into `data/media/`.",
        "",
    ]
    for exercise in figures.content.exercises:
        lines += [f"## {exercise.name}", ""]
        mine = [s for s in specs if s.exercise == exercise.id]
        sides = list(dict.fromkeys(s.side for s in mine))
        for side in sides:
            if side:
                lines += [f"### {side.capitalize()} side", ""]
            stills = [s for s in mine if s.side == side and s.frame is not None]
            cells = [f"![{s.frame}]({s.key.name}{s.key.extension})" for s in stills]
            lines += ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells), ""]
            loops = [s for s in mine if s.side == side and s.frame is None]
            for spec in loops:
                file = f"{spec.key.name}{spec.key.extension}"
                lines += [f"Loop: [{file}]({file})", ""]
            sent = figures.figure_for(exercise.id, side)
            lines += [f"Sent with the first step: `{sent.name}{sent.extension}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args()
    specs, seconds = build(args.out)
    print(f"{len(specs)} pictures and loops written to {args.out} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
