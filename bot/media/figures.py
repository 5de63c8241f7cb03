"""Which picture goes with which exercise, and the library that renders and caches them.

The handlers need three things and nothing about drawing: `figure_for(exercise, side)` gives
the `MediaKey` to send with an exercise (a loop for movements, a still otherwise; the
mirror for a second side), `MediaLibrary.path/read(key)` gives the file, and `key.id` is
what the database stores the Telegram `file_id` under. A key's id carries a hash of the
pose data, the exercise names and the renderer version, so a changed pose is a new file
and a new upload, never a stale `file_id`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.content import Content, load_content
from bot.media.loops import render_loop
from bot.media.pose_file import load_poses
from bot.media.poses import Poses
from bot.media.render import png_bytes, render_frame

log = logging.getLogger(__name__)

# Bump when the drawing code changes what pictures look like: every key changes with it.
RENDER_VERSION = "2"
DEFAULT_CACHE = Path("data/media")

Kind = Literal["photo", "animation"]


@dataclass(frozen=True, order=True)
class MediaKey:
    """One picture or loop: `name` is stable (`cat_cow-loop`), `id` adds the content hash."""

    name: str
    kind: Kind
    digest: str
    extension: str

    @property
    def id(self) -> str:
        return f"{self.name}-{self.digest}"

    @property
    def filename(self) -> str:
        return f"{self.id}{self.extension}"


@dataclass(frozen=True)
class MediaSpec:
    key: MediaKey
    # Which exercise, frame and side; frame None means the loop.
    exercise: str
    frame: str | None
    side: str | None
    render: Callable[[], bytes]


def digest_of(poses: Poses, content: Content) -> str:
    names = "|".join(f"{e.id}={e.name}" for e in content.exercises)
    text = f"{poses.digest}|{names}|{RENDER_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _loop_extension() -> str:
    try:
        import imageio_ffmpeg

        return ".mp4" if Path(imageio_ffmpeg.get_ffmpeg_exe()).exists() else ".gif"
    except (ImportError, RuntimeError):
        return ".gif"


class Figures:
    """The catalogue: every picture and loop, derived from the poses and content."""

    def __init__(self, poses: Poses, content: Content) -> None:
        self.poses = poses
        self.content = content
        self.digest = digest_of(poses, content)
        self._loop_ext = _loop_extension()

    def _sides(self, exercise_id: str) -> list[str | None]:
        exercise = self.content.exercise(exercise_id)
        sides = exercise.hold.sides if exercise.hold is not None else []
        return list(sides) or [None]

    def _mirrored(self, exercise_id: str, side: str | None) -> bool:
        drawn = self.poses.exercise(exercise_id).side
        return side is not None and drawn is not None and side != drawn

    def still(self, exercise_id: str, frame: str, side: str | None = None) -> MediaKey:
        tail = f"-{side}" if side else ""
        return MediaKey(f"{exercise_id}{tail}-{frame}", "photo", self.digest, ".png")

    def loop(self, exercise_id: str, side: str | None = None) -> MediaKey:
        tail = f"-{side}" if side else ""
        return MediaKey(f"{exercise_id}{tail}-loop", "animation", self.digest, self._loop_ext)

    def figure_for(self, exercise_id: str, side: str | None = None) -> MediaKey:
        """What to send with the exercise's first step: its loop if it has one, else the
        still of its main position. `side` picks the mirror for a two-sided exercise."""
        if side is None:
            side = self._sides(exercise_id)[0]
        poses = self.poses.exercise(exercise_id)
        if poses.loop:
            return self.loop(exercise_id, side)
        return self.still(exercise_id, poses.figure, side)

    def still_for(self, exercise_id: str, side: str | None = None) -> MediaKey:
        """One still for the exercise (its main position): for "Show all steps" or an
        answer, where a photo suits better than a loop."""
        if side is None:
            side = self._sides(exercise_id)[0]
        return self.still(exercise_id, self.poses.exercise(exercise_id).figure, side)

    def specs(self) -> list[MediaSpec]:
        """Every picture and loop there is, with how to draw it."""
        found: list[MediaSpec] = []
        for exercise in self.content.exercises:
            poses = self.poses.exercise(exercise.id)
            for side in self._sides(exercise.id):
                mirrored = self._mirrored(exercise.id, side)
                for frame in poses.frames:
                    found.append(
                        MediaSpec(
                            self.still(exercise.id, frame.name, side),
                            exercise.id,
                            frame.name,
                            side,
                            _still_renderer(
                                self.poses, exercise.id, frame.name, exercise.name, mirrored
                            ),
                        )
                    )
                if poses.loop:
                    found.append(
                        MediaSpec(
                            self.loop(exercise.id, side),
                            exercise.id,
                            None,
                            side,
                            _loop_renderer(self.poses, exercise.id, exercise.name, mirrored),
                        )
                    )
        return found

    def all_keys(self) -> list[MediaKey]:
        return [spec.key for spec in self.specs()]


def _still_renderer(poses: Poses, exercise_id: str, frame: str, title: str,
                    mirrored: bool) -> Callable[[], bytes]:  # fmt: skip
    def render() -> bytes:
        return png_bytes(render_frame(poses, exercise_id, frame, title=title, mirrored=mirrored))

    return render


def _loop_renderer(poses: Poses, exercise_id: str, title: str,
                   mirrored: bool) -> Callable[[], bytes]:  # fmt: skip
    def render() -> bytes:
        return render_loop(poses, exercise_id, title=title, mirrored=mirrored).data

    return render


@dataclass(frozen=True)
class RenderReport:
    rendered: int
    reused: int
    removed: int
    seconds: float


class MediaLibrary:
    """Pictures on disk under `cache_dir`, named by key id. `ensure()` draws what is
    missing (run it once, in a worker thread, at start-up: a full render takes seconds);
    `path`/`read` are cheap file look-ups for the handlers."""

    def __init__(self, figures: Figures, cache_dir: Path = DEFAULT_CACHE) -> None:
        self.figures = figures
        self.cache_dir = cache_dir

    @classmethod
    def load(cls, cache_dir: Path = DEFAULT_CACHE, content: Content | None = None) -> MediaLibrary:
        content = content if content is not None else load_content()
        return cls(Figures(load_poses(content=content), content), cache_dir)

    def figure_for(self, exercise_id: str, side: str | None = None) -> MediaKey:
        return self.figures.figure_for(exercise_id, side)

    def still_for(self, exercise_id: str, side: str | None = None) -> MediaKey:
        return self.figures.still_for(exercise_id, side)

    def path(self, key: MediaKey) -> Path:
        return self.cache_dir / key.filename

    def ready(self, key: MediaKey) -> bool:
        return self.path(key).is_file()

    def read(self, key: MediaKey) -> bytes:
        """The file's bytes; draws it first if `ensure()` has not yet run."""
        path = self.path(key)
        if not path.is_file():
            for spec in self.figures.specs():
                if spec.key == key:
                    _write(path, spec.render())
                    break
            else:
                raise KeyError(key.id)
        return path.read_bytes()

    def seed(self, directory: Path) -> int:
        """Copy pictures named by their stable names (as `make pictures` writes them) into
        the cache, for keys not cached yet; returns how many. It trusts them to show the
        current poses: the tests seed from the reviewed docs/pictures (which the golden
        test compares with fresh drawings) instead of drawing for seconds per session."""
        copied = 0
        for key in self.figures.all_keys():
            source = directory / f"{key.name}{key.extension}"
            if source.is_file() and not self.ready(key):
                _write(self.path(key), source.read_bytes())
                copied += 1
        return copied

    def ensure(self, should_stop: Callable[[], bool] | None = None) -> RenderReport:
        """Draw every missing picture and loop; delete older versions of the same names.
        `should_stop` is asked before each drawing (the bot shutting down mid-render stops
        after the current picture; what was drawn stays cached)."""
        started = time.perf_counter()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        specs = self.figures.specs()
        rendered = reused = 0
        for spec in specs:
            path = self.path(spec.key)
            if path.is_file():
                reused += 1
                continue
            if should_stop is not None and should_stop():
                log.info("pictures: stopped after drawing %d", rendered)
                return RenderReport(rendered, reused, 0, time.perf_counter() - started)
            _write(path, spec.render())
            rendered += 1
        current = {spec.key.filename for spec in specs}
        names = {spec.key.name for spec in specs}
        removed = 0
        for old in self.cache_dir.iterdir():
            stem = old.name.rsplit("-", 1)[0]
            if old.name not in current and stem in names:
                old.unlink(missing_ok=True)
                removed += 1
        seconds = time.perf_counter() - started
        log.info("pictures: %d drawn, %d cached, %d old removed in %.1f s",
                 rendered, reused, removed, seconds)  # fmt: skip
        return RenderReport(rendered, reused, removed, seconds)


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary name so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    temp.replace(path)
