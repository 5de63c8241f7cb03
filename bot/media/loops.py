"""The movement as a short loop: key frames blended with ease-in/out, encoded as MP4.

MP4 (H.264, yuv420p, no sound) is what Telegram's `sendAnimation` plays silently on a loop,
and flat drawings compress to a few dozen KB. The encoder is the ffmpeg binary that the
`imageio-ffmpeg` wheel ships, so a fresh machine needs no system package. If that binary
cannot run (an unusual platform), Pillow writes a GIF instead: bigger, but Telegram plays
it the same way.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bot.media.poses import ExercisePoses, Poses
from bot.media.render import mirror_joint, mirror_words, render_pose
from bot.media.skeleton import Pose, ease

FPS = 20
MAX_BYTES = 300 * 1024
# Flat colours: the "animation" tune and a moderate CRF keep edges clean and files small;
# faststart lets Telegram start playing before the whole file has arrived; no sound track.
X264_OPTIONS = (
    *("-crf", "28", "-preset", "slow", "-tune", "animation"),
    *("-movflags", "+faststart", "-an"),
)


@dataclass(frozen=True)
class Encoded:
    data: bytes
    extension: str  # ".mp4" or ".gif"
    frames: int
    seconds: float


def timeline(exercise: ExercisePoses, mirrored: bool = False) -> Iterator[tuple[Pose, str]]:
    """Every picture of one cycle, FPS per second: (pose, the label of the step)."""
    steps = exercise.loop
    poses = {f.name: Pose.of(f) for f in exercise.frames}
    if mirrored:
        poses = {name: pose.mirrored() for name, pose in poses.items()}
    for index, step in enumerate(steps):
        before = poses[steps[index - 1].frame]
        after = poses[step.frame]
        label = exercise.frame(step.frame).title
        moves = round(step.move * FPS)
        for k in range(moves):
            yield before.blend(after, ease((k + 1) / moves)), label
        for _ in range(round(step.hold * FPS)):
            yield after, label


def loop_seconds(exercise: ExercisePoses) -> float:
    return sum(step.move + step.hold for step in exercise.loop)


def render_loop(poses: Poses, exercise_id: str, *, title: str, mirrored: bool = False) -> Encoded:
    """Draw one cycle of the exercise's loop and encode it."""
    exercise = poses.exercise(exercise_id)
    # One colour scheme for the whole cycle: the exercise's moving parts.
    moving = {mirror_joint(p) for p in exercise.moving} if mirrored else set(exercise.moving)
    images: list[Image.Image] = []
    cache: dict[tuple[str, str], Image.Image] = {}
    for pose, label in timeline(exercise, mirrored):
        text = mirror_words(label) if mirrored else label
        key = (repr(pose), text)  # holds repeat one picture: draw it once
        if key not in cache:
            cache[key] = render_pose(poses, exercise_id, pose, moving, title=title, subtitle=text)
        images.append(cache[key])
    return encode(images, FPS)


def encode(images: list[Image.Image], fps: int) -> Encoded:
    seconds = len(images) / fps
    try:
        data = _mp4(images, fps)
        return Encoded(data, ".mp4", len(images), seconds)
    except (ImportError, OSError, RuntimeError):
        return Encoded(_gif(images, fps), ".gif", len(images), seconds)


def _mp4(images: list[Image.Image], fps: int) -> bytes:
    import imageio_ffmpeg

    width, height = images[0].size
    fd, name = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    path = Path(name)
    try:
        writer = imageio_ffmpeg.write_frames(
            str(path),
            (width, height),
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            macro_block_size=16,
            output_params=[*X264_OPTIONS],
            ffmpeg_log_level="error",
        )
        writer.send(None)
        for image in images:
            writer.send(image.convert("RGB").tobytes())
        writer.close()
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _gif(images: list[Image.Image], fps: int) -> bytes:
    buffer = io.BytesIO()
    frames = [image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64) for image in images]
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=round(1000 / fps),
        loop=0,
        optimize=True,
    )
    return buffer.getvalue()
