"""Reading `content/poses.toml`: the pose models (`bot.media.poses`) plus the geometric
checks that need the skeleton (hands, knees and feet still touch the mat).

Its own module so that the models and the skeleton do not import each other.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from pydantic import ValidationError

from bot.content import CONTENT_DIR, Content, ContentError
from bot.media.poses import POSES_FILE, Poses, _describe
from bot.media.skeleton import contact_errors


def load_poses(directory: Path = CONTENT_DIR, content: Content | None = None) -> Poses:
    """Read and validate `poses.toml`; with `content`, also check that every exercise (and
    every side of a two-sided hold) has poses. Raises `ContentError` with one line."""
    path = directory / POSES_FILE
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: not valid TOML ({exc})") from None
    try:
        poses = Poses.model_validate({**data, "digest": hashlib.sha256(raw).hexdigest()[:10]})
    except ValidationError as exc:
        raise ContentError(_describe(path, data, exc)) from None
    ids = [p.id for p in poses.exercises]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ContentError(f"{path}: exercise id {repeated[0]!r} repeats")
    for exercise in poses.exercises:
        for frame in exercise.frames:
            for problem in contact_errors(poses.body, exercise, frame):
                raise ContentError(
                    f"{path}: exercise {exercise.id!r}: frame {frame.name!r}: "
                    f"field 'contacts': {problem}"
                )
    if content is not None:
        _check_covers(path, poses, content)
    return poses


def _check_covers(path: Path, poses: Poses, content: Content) -> None:
    for exercise in content.exercises:
        if exercise.id not in {p.id for p in poses.exercises}:
            raise ContentError(f"{path}: exercise {exercise.id!r} has no poses")
        sides = exercise.hold.sides if exercise.hold is not None else []
        drawn = poses.exercise(exercise.id).side
        if sides and drawn not in sides:
            raise ContentError(
                f"{path}: exercise {exercise.id!r}: field 'side': must be one of {sides}"
            )
        if not sides and drawn is not None:
            raise ContentError(
                f"{path}: exercise {exercise.id!r}: field 'side': the exercise has no sides"
            )
    known = {e.id for e in content.exercises}
    for pose in poses.exercises:
        if pose.id not in known:
            raise ContentError(f"{path}: exercise {pose.id!r} is not in exercises.toml")
