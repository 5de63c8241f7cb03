"""Loads `content/poses.toml`: body proportions and each exercise's key frames, validated.

The file is written by people (a physiotherapist may adjust an angle), so every error names
the file, the exercise, the frame and the field in one line, as `bot/content.py` does, and
raises the same `ContentError`. Poses are absolute segment angles in the picture, so a
changed number can never stretch a limb: lengths come from `[body]`, defined once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

POSES_FILE = "poses.toml"

Angle = Annotated[float, Field(ge=-360, le=360)]
Seen = Annotated[float, Field(ge=0.05, le=1.0)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
View = Literal["side", "top"]

# Which limbs a view draws. Side view: the limb nearer the viewer and the one behind the
# body. Top view (from the ceiling, head on the left): the person's own left and right.
SIDE_LIMBS = ("arm_near", "arm_far", "leg_near", "leg_far")
TOP_LIMBS = ("arm_left", "arm_right", "leg_left", "leg_right")
# Parts that can be marked as "the part that moves" (drawn in the accent colour).
PARTS = frozenset({"trunk", "head", *SIDE_LIMBS, *TOP_LIMBS})
# Joints an arrow or a contact can name: <limb>_<joint> or trunk points.
LIMB_JOINTS = {"arm": ("elbow", "wrist", "hand"), "leg": ("knee", "ankle", "toe")}
TRUNK_JOINTS = ("hip", "shoulder", "neck", "head", "back")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Body(_Strict):
    """Segment lengths and thicknesses as fractions of standing height (Winter's tables).

    `*_r` values are radii (half the thickness) at the segment's two ends.
    """

    trunk: float = Field(gt=0.1, lt=0.5)  # hip joint to shoulder joint
    neck: float = Field(gt=0.0, lt=0.2)  # shoulder joint to the base of the skull
    head_r: float = Field(gt=0.03, lt=0.1)
    upper_arm: float = Field(gt=0.05, lt=0.3)
    forearm: float = Field(gt=0.05, lt=0.3)
    hand: float = Field(gt=0.03, lt=0.15)
    thigh: float = Field(gt=0.1, lt=0.4)
    shin: float = Field(gt=0.1, lt=0.4)
    foot: float = Field(gt=0.05, lt=0.2)
    # Torso radius along hip → shoulder, seen from the side (depth) and from above (width).
    torso_side_r: list[float] = Field(min_length=2, max_length=8)
    torso_top_r: list[float] = Field(min_length=2, max_length=8)
    neck_r: float = Field(gt=0.0, lt=0.1)
    upper_arm_r: tuple[float, float]
    forearm_r: tuple[float, float]
    hand_r: float = Field(gt=0.0, lt=0.05)
    thigh_r: tuple[float, float]
    shin_r: tuple[float, float]
    foot_r: float = Field(gt=0.0, lt=0.05)
    # From above: half the distance between the shoulder joints, and between the hip joints.
    shoulder_half_width: float = Field(gt=0.0, lt=0.2)
    hip_half_width: float = Field(gt=0.0, lt=0.2)

    @property
    def arm(self) -> tuple[float, float, float]:
        return (self.upper_arm, self.forearm, self.hand)

    @property
    def leg(self) -> tuple[float, float, float]:
        return (self.thigh, self.shin, self.foot)


Angles = Annotated[list[Angle], Field(min_length=3, max_length=3)]
Seens = Annotated[list[Seen], Field(min_length=3, max_length=3)]


class Limb(BaseModel):
    """One arm or leg as the renderer uses it (built from a frame's fields)."""

    model_config = ConfigDict(frozen=True)
    angles: tuple[float, float, float]
    seen: tuple[float, float, float] = (1.0, 1.0, 1.0)


class Frame(_Strict):
    """One key position of an exercise."""

    name: Name
    # The picture's label, e.g. "Knees to chest".
    title: Annotated[str, Field(min_length=1, max_length=40)]
    # Direction hip → shoulders (degrees, as for limbs) and how much the back curves:
    # positive rounds the back (the cat), negative arches it (the cow). Fraction of length.
    trunk: Angle
    trunk_bend: float = Field(default=0.0, ge=-0.25, le=0.25)
    # Side view: direction shoulders → base of the skull, and → the top of the head.
    neck: Angle = 180.0
    head: Angle = 180.0
    # Top view: where the face looks. 0 = at the ceiling; 90 = to the person's right.
    head_turn: float = Field(default=0.0, ge=-90, le=90)
    # Limbs: the direction of each segment in degrees, counter-clockwise from "pointing
    # right" (0 right, 90 up, 180 left, -90 down): upper arm, forearm, hand, or thigh, shin,
    # foot. `<limb>_seen`: how much of each segment's length shows, 1 for a segment lying
    # in the picture's plane, less when it points at the viewer (0.5 ≈ raised 60°).
    # Side view: arm_near, arm_far, leg_near, leg_far; top view: arm_left, arm_right, ...
    arm_near: Angles | None = None
    arm_far: Angles | None = None
    leg_near: Angles | None = None
    leg_far: Angles | None = None
    arm_left: Angles | None = None
    arm_right: Angles | None = None
    leg_left: Angles | None = None
    leg_right: Angles | None = None
    arm_near_seen: Seens | None = None
    arm_far_seen: Seens | None = None
    leg_near_seen: Seens | None = None
    leg_far_seen: Seens | None = None
    arm_left_seen: Seens | None = None
    arm_right_seen: Seens | None = None
    leg_left_seen: Seens | None = None
    leg_right_seen: Seens | None = None
    # Parts drawn in the accent colour; empty means the exercise's `moving`.
    moving: list[str] = Field(default_factory=list)
    # Joints whose path from the previous key frame is drawn as an arrow, set off from the
    # body; "hip@-90" sets it off in that direction (degrees) instead of away from the middle.
    arrows: list[str] = Field(default_factory=list)
    # Side view: limbs drawn in front of the trunk (thighs pulled onto the belly); by
    # default limbs go behind it, so a hip or a shoulder shows no seam.
    front: list[str] = Field(default_factory=list)
    # Draw the previous key frame faintly behind this one.
    ghost: bool = False
    # Joints that must rest on the mat (checked at load, 2% of height tolerance).
    contacts: list[str] = Field(default_factory=list)

    @property
    def limbs(self) -> dict[str, Limb]:
        """The limbs this frame gives, by name."""
        found: dict[str, Limb] = {}
        for name in (*SIDE_LIMBS, *TOP_LIMBS):
            angles = getattr(self, name)
            if angles is not None:
                seen = getattr(self, f"{name}_seen") or [1.0, 1.0, 1.0]
                found[name] = Limb(angles=tuple(angles), seen=tuple(seen))
        return found


class LoopStep(_Strict):
    """Move into `frame` over `move` seconds (eased), then stay `hold` seconds."""

    frame: Name
    move: float = Field(ge=0, le=10)
    hold: float = Field(ge=0, le=10)


class ExercisePoses(_Strict):
    id: Name
    view: View
    # Side view only: which way the belly faces (up lying on the back, down on all fours).
    belly: Literal["up", "down"] = "up"
    moving: list[str] = Field(default_factory=list)
    frames: list[Frame] = Field(min_length=1, alias="frame")
    # The frame that stands for the whole exercise when one still is sent.
    figure: Name
    # The joint kept in place from frame to frame (the rest of the body moves around it).
    anchor: str = "hip"
    # The movement as a loop of steps (empty: a still only). Repeats from the start.
    loop: list[LoopStep] = Field(default_factory=list)
    # For exercises done on both sides: the side the frames show; the other is mirrored.
    side: Literal["right", "left"] | None = None
    # Top view only: how high the camera is above the mat, in degrees. 90 looks straight
    # down from the ceiling; lower looks along the body from the feet end, so a bent knee
    # stands up in the picture and knees rocking sideways swing like a windscreen wiper.
    camera: float = Field(default=90.0, ge=15, le=90)
    # Top view: the camera moved round from the feet end towards the person's right, in
    # degrees, so a bent leg shows its thigh and shin apart (the mirror turns the other way).
    turn: float = Field(default=0.0, ge=-60, le=60)

    @model_validator(mode="after")
    def _check(self) -> ExercisePoses:
        names = [frame.name for frame in self.frames]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"frame name {repeated[0]!r} repeats")
        limbs = SIDE_LIMBS if self.view == "side" else TOP_LIMBS
        for part in self.moving:
            _check_part(part, limbs)
        for frame in self.frames:
            where = f"frame {frame.name!r}"
            given = frame.limbs
            if sorted(given) != sorted(limbs):
                raise ValueError(f"{where}: give exactly the limbs {', '.join(limbs)}")
            for name in (*SIDE_LIMBS, *TOP_LIMBS):
                if getattr(frame, f"{name}_seen") is not None and name not in given:
                    raise ValueError(f"{where}: {name}_seen without {name}")
            for part in [*frame.moving, *frame.front]:
                _check_part(part, limbs, where)
            for spec in frame.arrows:
                joint, _, direction = spec.partition("@")
                _check_joint(joint, limbs, where)
                if direction and not _is_number(direction):
                    raise ValueError(f"{where}: arrow {spec!r}: write joint@degrees, e.g. hip@-90")
            for joint in frame.contacts:
                _check_joint(joint, limbs, where)
            if frame.arrows and frame is self.frames[0]:
                raise ValueError(f"{where}: the first frame has no previous one for arrows")
            if frame.ghost and frame is self.frames[0]:
                raise ValueError(f"{where}: the first frame has no previous one to ghost")
        _check_joint(self.anchor, limbs, "field 'anchor'")
        if self.figure not in names:
            raise ValueError(f"figure {self.figure!r} is not one of the frames")
        for step in self.loop:
            if step.frame not in names:
                raise ValueError(f"loop frame {step.frame!r} is not one of the frames")
        if self.loop and len(self.loop) < 2:
            raise ValueError("a loop needs at least two steps")
        if self.view == "side" and (self.camera != 90 or self.turn):
            raise ValueError("fields 'camera' and 'turn' are for the top view only")
        return self

    def frame(self, name: str) -> Frame:
        for frame in self.frames:
            if frame.name == name:
                return frame
        raise KeyError(name)

    def previous(self, frame: Frame) -> Frame | None:
        index = self.frames.index(frame)
        return self.frames[index - 1] if index else None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_part(part: str, limbs: tuple[str, ...], where: str = "") -> None:
    if part not in {"trunk", "head", *limbs}:
        prefix = f"{where}: " if where else ""
        raise ValueError(f"{prefix}unknown part {part!r} (use trunk, head, {', '.join(limbs)})")


def _check_joint(joint: str, limbs: tuple[str, ...], where: str) -> None:
    if joint in TRUNK_JOINTS:
        return
    for limb in limbs:
        kind = limb.split("_")[0]
        if any(joint == f"{limb}_{name}" for name in LIMB_JOINTS[kind]):
            return
    raise ValueError(f"{where}: unknown joint {joint!r} (e.g. leg_near_knee, hip, head)")


class Poses(_Strict):
    body: Body
    exercises: list[ExercisePoses] = Field(min_length=1, alias="exercise")
    # A short hash of the file's bytes: cached renders carry it in their names.
    digest: str = ""

    def exercise(self, exercise_id: str) -> ExercisePoses:
        for poses in self.exercises:
            if poses.id == exercise_id:
                return poses
        raise KeyError(exercise_id)


def _describe(path: Path, data: dict[str, object], error: ValidationError) -> str:
    """pydantic's first error as `file: exercise 'x': frame 'y': field 'a.b': message`."""
    first = error.errors()[0]
    loc = list(first["loc"])
    parts = [str(path)]
    if len(loc) >= 2 and loc[0] == "exercise" and isinstance(loc[1], int):
        items = data.get("exercise")
        item: object = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else {}
        item_id = item.get("id") if isinstance(item, dict) else None
        parts.append(f"exercise {item_id!r}" if item_id else f"exercise #{loc[1] + 1}")
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "frame" and isinstance(loc[1], int):
            frames = item.get("frame") if isinstance(item, dict) else None
            frame: object = frames[loc[1]] if isinstance(frames, list) else {}
            name = frame.get("name") if isinstance(frame, dict) else None
            parts.append(f"frame {name!r}" if name else f"frame #{loc[1] + 1}")
            loc = loc[2:]
    message = first["msg"].removeprefix("Value error, ")
    if loc:
        parts.append(f"field {'.'.join(str(part) for part in loc)!r}: {message}")
    else:  # a check across fields: its message names the frame and field itself
        parts.append(message)
    return ": ".join(parts)
