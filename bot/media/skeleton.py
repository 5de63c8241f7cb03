"""From a key frame to points: forward kinematics on a 2D skeleton, and in-betweens.

Everything here is in body units (1 = standing height), y up, the mat at y = 0. A `Pose`
is a frame's numbers as floats, so loops can blend two frames; `build` turns a pose into
joints and drawable parts (tubes with a radius at every point), placed on the mat.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from bot.media.poses import SIDE_LIMBS, TOP_LIMBS, Body, ExercisePoses, Frame, Limb

Point = tuple[float, float]

_SEGMENT_SAMPLES = 6
FAR_SHIFT: tuple[float, float] = (-0.012, 0.014)
_TRUNK_SAMPLES = 24
# Top view: half the mat's width (body heights).
MAT_HALF_WIDTH = 0.19


@dataclass(frozen=True)
class Pose:
    """A frame's numbers, ready to blend."""

    trunk: float
    trunk_bend: float
    neck: float
    head: float
    head_turn: float
    limbs: dict[str, Limb]
    # Parts drawn in front of the trunk (side view).
    front: frozenset[str] = frozenset()
    # The other side's pose (a camera turned to one side turns the other way for it).
    flipped: bool = False

    @classmethod
    def of(cls, frame: Frame) -> Pose:
        return cls(
            trunk=frame.trunk,
            trunk_bend=frame.trunk_bend,
            neck=frame.neck,
            head=frame.head,
            head_turn=frame.head_turn,
            limbs=frame.limbs,
            front=frozenset(frame.front),
        )

    def blend(self, other: Pose, t: float) -> Pose:
        """`t` of the way from self to other (angles blend as written: -10 → 10 is 20°)."""

        def mix(a: float, b: float) -> float:
            return a + (b - a) * t

        def mix3(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float]:
            x, y, z = (mix(p, q) for p, q in zip(a, b, strict=True))
            return (x, y, z)

        limbs = {
            name: Limb(
                angles=mix3(limb.angles, other.limbs[name].angles),
                seen=mix3(limb.seen, other.limbs[name].seen),
            )
            for name, limb in self.limbs.items()
        }
        return Pose(
            trunk=mix(self.trunk, other.trunk),
            trunk_bend=mix(self.trunk_bend, other.trunk_bend),
            neck=mix(self.neck, other.neck),
            head=mix(self.head, other.head),
            head_turn=mix(self.head_turn, other.head_turn),
            limbs=limbs,
            # In between two frames, a part is in front if either frame has it there.
            front=self.front | other.front,
            flipped=self.flipped,
        )

    def mirrored(self) -> Pose:
        """The same pose on the other side (top view, head up): the picture flips left to
        right and the person's left and right limbs swap places."""
        swap = {"arm_left": "arm_right", "arm_right": "arm_left",
                "leg_left": "leg_right", "leg_right": "leg_left"}  # fmt: skip
        limbs = {
            swap.get(name, name): Limb(
                angles=(180 - limb.angles[0], 180 - limb.angles[1], 180 - limb.angles[2]),
                seen=limb.seen,
            )
            for name, limb in self.limbs.items()
        }
        return replace(
            self,
            trunk=180 - self.trunk,
            trunk_bend=-self.trunk_bend,
            head_turn=-self.head_turn,
            limbs=limbs,
            flipped=not self.flipped,
        )


def ease(t: float) -> float:
    """Slow out, slow in: how a person moves between two positions."""
    t = min(1.0, max(0.0, t))
    return 0.5 - 0.5 * math.cos(math.pi * t)


@dataclass
class Tube:
    """A rounded limb or trunk: a polyline with a radius at each point."""

    part: str
    points: list[Point]
    radii: list[float]
    # Top view: each point's height above the mat (for the shadow it casts).
    heights: list[float] = field(default_factory=list)
    # Seen from the feet end: the trunk's cross-section at each point, an ellipse given by
    # its two half-axes in the picture (wider than deep); empty for round parts.
    axes: list[tuple[Point, Point]] = field(default_factory=list)
    # Seen from the feet end: how far from the camera (to draw far parts first).
    depth: float = 0.0

    def translated(self, dx: float, dy: float) -> Tube:
        moved = [(x + dx, y + dy) for x, y in self.points]
        return Tube(self.part, moved, self.radii, self.heights, self.axes, self.depth)


@dataclass
class Figure:
    """A pose placed in body units: joints by name and the parts to draw."""

    view: str
    joints: dict[str, Point]
    tubes: list[Tube]
    head: Point
    head_r: float
    # Unit vector from the head's centre towards the face (side view: the nose).
    face: Point
    # Top view: how far the face is turned (-1 left … 1 right) and the person's right.
    head_turn: float = 0.0
    right: Point = (0.0, -1.0)
    # Unit vector from the head's centre to its top (the crown).
    crown: Point = (0.0, 1.0)
    front: frozenset[str] = frozenset()
    # Top view: the camera's height above the mat in degrees (90: from the ceiling), and
    # the mat's corners in the picture (head end first).
    camera: float = 90.0
    mat: tuple[Point, ...] = ()
    # Top view: where to write "right" and "left" (beside the mat, near the feet).
    sides: tuple[Point, Point] = ((0.0, 0.0), (0.0, 0.0))

    def translated(self, dx: float, dy: float) -> Figure:
        return Figure(
            view=self.view,
            joints={k: (x + dx, y + dy) for k, (x, y) in self.joints.items()},
            tubes=[t.translated(dx, dy) for t in self.tubes],
            head=(self.head[0] + dx, self.head[1] + dy),
            head_r=self.head_r,
            face=self.face,
            head_turn=self.head_turn,
            right=self.right,
            crown=self.crown,
            front=self.front,
            camera=self.camera,
            mat=tuple((x + dx, y + dy) for x, y in self.mat),
            sides=((self.sides[0][0] + dx, self.sides[0][1] + dy),
                   (self.sides[1][0] + dx, self.sides[1][1] + dy)),
        )  # fmt: skip

    def lowest(self) -> float:
        low = self.head[1] - self.head_r
        for tube in self.tubes:
            for (_, y), r in zip(tube.points, tube.radii, strict=True):
                low = min(low, y - r)
        return low

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [self.head[0] - self.head_r, self.head[0] + self.head_r]
        ys = [self.head[1] - self.head_r, self.head[1] + self.head_r]
        for tube in self.tubes:
            for index, ((x, y), r) in enumerate(zip(tube.points, tube.radii, strict=True)):
                rx = ry = r
                if tube.axes:
                    (ax, ay), (bx, by) = tube.axes[index]
                    rx, ry = math.hypot(ax, bx), math.hypot(ay, by)
                xs += [x - rx, x + rx]
                ys += [y - ry, y + ry]
        return min(xs), min(ys), max(xs), max(ys)

    def tube(self, part: str) -> Tube:
        for tube in self.tubes:
            if tube.part == part:
                return tube
        raise KeyError(part)


def _unit(degrees: float) -> Point:
    rad = math.radians(degrees)
    return (math.cos(rad), math.sin(rad))


def _add(p: Point, v: Point, k: float = 1.0) -> Point:
    return (p[0] + v[0] * k, p[1] + v[1] * k)


def _rot90(v: Point, sense: int) -> Point:
    """Rotate a 2D vector by +90° (sense 1, counter-clockwise) or -90° (sense -1)."""
    return (-v[1] * sense, v[0] * sense)


def _profile(radii: list[float], t: float) -> float:
    """A radius along a tapered part: the list spreads evenly from start (0) to end (1)."""
    if len(radii) == 1:
        return radii[0]
    pos = t * (len(radii) - 1)
    i = min(int(pos), len(radii) - 2)
    return radii[i] + (radii[i + 1] - radii[i]) * (pos - i)


def _segments(
    name: str, root: Point, limb: Limb, lengths: tuple[float, float, float],
    radii: list[tuple[float, float]],
) -> tuple[Tube, list[Point], list[float]]:  # fmt: skip
    """A limb's polyline (root, three joints), sampled so the taper stays smooth; and each
    joint's height above the mat (top view)."""
    joints = [root]
    # Heights above the mat (top view): a segment leaving the mat rises, one leaving a
    # raised joint comes back down (a bent knee up, the foot down on the mat).
    levels = [0.0]
    for angle, seen, length in zip(limb.angles, limb.seen, lengths, strict=True):
        joints.append(_add(joints[-1], _unit(angle), length * seen))
        rise = length * math.sqrt(max(0.0, 1 - seen * seen))
        levels.append(levels[-1] + rise if levels[-1] < 0.02 else max(0.0, levels[-1] - rise))
    points: list[Point] = []
    rs: list[float] = []
    heights: list[float] = []
    for i in range(3):
        (x0, y0), (x1, y1) = joints[i], joints[i + 1]
        r0, r1 = radii[i]
        for k in range(_SEGMENT_SAMPLES + (1 if i == 2 else 0)):
            t = k / _SEGMENT_SAMPLES
            points.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
            rs.append(r0 + (r1 - r0) * t)
            heights.append(levels[i] + (levels[i + 1] - levels[i]) * t)
    return Tube(name, points, rs, heights), joints[1:], levels[1:]


def build(body: Body, view: str, belly: str, pose: Pose, camera: float = 90.0,
          turn: float = 0.0) -> Figure:  # fmt: skip
    """Joints and parts of `pose`, with the hip at the origin (not yet placed on the mat).
    Top view: seen from `camera` degrees above the mat, from the feet end."""
    hip: Point = (0.0, 0.0)
    d = _unit(pose.trunk)
    shoulder = _add(hip, d, body.trunk)
    # Side view: the belly is on this side of the trunk (for a trunk pointing left, -1
    # turns "left" into "up"). Top view: the person's right, seen from above.
    sense = -1 if belly == "up" else 1
    if view == "top":
        sense = 1
    normal = _rot90(d, sense)
    # The spine: a curve that bulges away from the belly (a rounded back) when bend > 0.
    mid = _add(hip, d, body.trunk / 2)
    control = _add(mid, normal, -2 * pose.trunk_bend * body.trunk)
    spine: list[Point] = []
    for k in range(_TRUNK_SAMPLES + 1):
        t = k / _TRUNK_SAMPLES
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        spine.append(
            (a * hip[0] + b * control[0] + c * shoulder[0],
             a * hip[1] + b * control[1] + c * shoulder[1])
        )  # fmt: skip
    profile = body.torso_side_r if view == "side" else body.torso_top_r
    torso = Tube("trunk", spine, [_profile(profile, k / _TRUNK_SAMPLES) for k in range(len(spine))])
    tubes = [torso]
    # The middle of the back's surface: where an arrow shows the back rounding or arching.
    middle = spine[_TRUNK_SAMPLES // 2]
    back = _add(middle, normal, -_profile(profile, 0.5))
    joints: dict[str, Point] = {"hip": hip, "shoulder": shoulder, "back": back}
    arm_radii = [body.upper_arm_r, body.forearm_r, (body.hand_r, body.hand_r * 0.9)]
    leg_radii = [body.thigh_r, body.shin_r, (body.foot_r, body.foot_r * 0.8)]
    if view == "side":
        # The neck leaves the trunk along the spine's last direction, then turns freely.
        neck_end = _add(shoulder, _unit(pose.neck), body.neck)
        head_dir = _unit(pose.head)
        head = _add(neck_end, head_dir, body.head_r * 0.9)
        tubes.append(Tube("neck", [shoulder, neck_end], [body.neck_r, body.neck_r]))
        face = _rot90(head_dir, sense)
        roots = {"arm_near": shoulder, "arm_far": shoulder, "leg_near": hip, "leg_far": hip}
        right: Point = (0.0, -1.0)
        joints["neck"] = neck_end
    else:
        right = normal
        neck_end = _add(shoulder, d, body.neck)
        head = _add(neck_end, d, body.head_r * 0.9)
        tubes.append(Tube("neck", [shoulder, neck_end], [body.neck_r, body.neck_r]))
        face = right
        head_dir = d
        sw, hw = body.shoulder_half_width, body.hip_half_width
        roots = {
            "arm_right": _add(shoulder, right, sw), "arm_left": _add(shoulder, right, -sw),
            "leg_right": _add(hip, right, hw), "leg_left": _add(hip, right, -hw),
        }  # fmt: skip
        joints["neck"] = neck_end
    joints["head"] = head
    heights: dict[str, float] = {}
    for name, limb in pose.limbs.items():
        is_arm = name.startswith("arm")
        tube, limb_joints, levels = _segments(
            name,
            roots[name],
            limb,
            body.arm if is_arm else body.leg,
            arm_radii if is_arm else leg_radii,
        )
        if view == "side" and name.endswith("_far"):
            # Seen from slightly above and in front: the far limbs show a little higher
            # and nearer the head, so two arms and two legs read as two.
            tube = tube.translated(*FAR_SHIFT)
            limb_joints = [_add(p, FAR_SHIFT) for p in limb_joints]
        tubes.append(tube)
        labels = ("elbow", "wrist", "hand") if is_arm else ("knee", "ankle", "toe")
        for label, point, level in zip(labels, limb_joints, levels, strict=True):
            joints[f"{name}_{label}"] = point
            heights[f"{name}_{label}"] = level
    figure = Figure(
        view=view,
        joints=joints,
        tubes=tubes,
        head=head,
        head_r=body.head_r,
        face=face,
        head_turn=math.sin(math.radians(pose.head_turn)),
        right=right,
        crown=head_dir if view == "side" else d,
        front=pose.front,
    )
    if view == "top":
        return _seen_from(figure, body, camera, -turn if pose.flipped else turn, heights)
    return figure


def _seen_from(figure: Figure, body: Body, camera: float, turn: float,
               heights: dict[str, float]) -> Figure:  # fmt: skip
    """The figure lying on the mat, seen from `camera` degrees above it from the feet end
    (90: straight down), the camera moved `turn` degrees round towards the person's right.
    With no turn, a point `h` above the mat, `y` along the body, shows at y·sin + h·cos:
    a raised knee stands up, a straight leg shortens towards the camera."""
    up, towards = math.sin(math.radians(camera)), math.cos(math.radians(camera))
    ca, sa = math.cos(math.radians(turn)), math.sin(math.radians(turn))

    def seen(point: Point, height: float = 0.0) -> Point:
        x, y = point[0] * ca - point[1] * sa, point[0] * sa + point[1] * ca
        return (x, y * up + height * towards)

    def far(point: Point, height: float) -> float:
        return (point[0] * sa + point[1] * ca) * towards - height * up

    def along(vector: Point, height: float = 0.0) -> Point:
        return seen(vector, height)  # a direction transforms as a point from the origin

    low = min(y - r for t in figure.tubes for (_, y), r in zip(t.points, t.radii, strict=True))
    ends = (figure.head[1] + figure.head_r + 0.05, low - 0.05)
    tubes = []
    for tube in figure.tubes:
        lifts = tube.heights or [0.0] * len(tube.points)
        points = [seen(p, h) for p, h in zip(tube.points, lifts, strict=True)]
        axes: list[tuple[Point, Point]] = []
        if tube.part == "trunk":
            # Wider than deep, and lying on the mat: each cross-section an ellipse, as wide
            # as the trunk is seen from above and as high as it is seen from the side.
            n = len(points) - 1
            depths = [_profile(body.torso_side_r, k / n) for k in range(n + 1)]
            rx, ry = figure.right
            axes = [(along((rx * w, ry * w)), along((0.0, 0.0), d))
                    for w, d in zip(tube.radii, depths, strict=True)]  # fmt: skip
            points = [seen(p, d * 0.6) for p, d in zip(tube.points, depths, strict=True)]
        depth = sum(far(p, h) for p, h in zip(tube.points, lifts, strict=True))
        tubes.append(Tube(tube.part, points, tube.radii, tube.heights, axes, depth / len(lifts)))
    corners = ((-1, 0), (1, 0), (1, 1), (-1, 1))
    edge = MAT_HALF_WIDTH + 0.05
    label_y = ends[1] + 0.1  # beside the mat at the feet, where no arm or knee reaches
    return replace(
        figure,
        joints={name: seen(p, heights.get(name, 0.0)) for name, p in figure.joints.items()},
        tubes=tubes,
        head=seen(figure.head),
        # The face and the hair follow the body's axes as the picture shows them.
        right=_normal(along(figure.right)),
        crown=_normal(along(figure.crown)),
        camera=camera,
        mat=tuple(seen((x * MAT_HALF_WIDTH, ends[k])) for x, k in corners),
        sides=(seen((-edge, label_y)), seen((edge, label_y))),
    )


def _normal(vector: Point) -> Point:
    length = math.hypot(*vector) or 1.0
    return (vector[0] / length, vector[1] / length)


def place(body: Body, exercise: ExercisePoses, pose: Pose) -> Figure:
    """The figure with its anchor joint at x = 0 and (side view) resting on the mat."""
    figure = build(body, exercise.view, exercise.belly, pose, exercise.camera, exercise.turn)
    ax, ay = figure.joints[exercise.anchor]
    dy = -figure.lowest() if exercise.view == "side" else -ay
    return figure.translated(-ax, dy)


def frame_poses(exercise: ExercisePoses, mirrored: bool = False) -> Iterator[tuple[Frame, Pose]]:
    for frame in exercise.frames:
        pose = Pose.of(frame)
        yield frame, pose.mirrored() if mirrored else pose


CONTACT_TOLERANCE = 0.02


def contact_errors(body: Body, exercise: ExercisePoses, frame: Frame) -> list[str]:
    """Joints the frame says rest on the mat but do not (side view only)."""
    if exercise.view != "side" or not frame.contacts:
        return []
    figure = place(body, exercise, Pose.of(frame))
    problems = []
    for joint in frame.contacts:
        _, y = figure.joints[joint]
        radius = _joint_radius(figure, joint)
        gap = y - radius
        if abs(gap) > CONTACT_TOLERANCE:
            problems.append(
                f"{joint} is {gap:+.3f} body heights from the mat (tolerance {CONTACT_TOLERANCE})"
            )
    return problems


def _joint_radius(figure: Figure, joint: str) -> float:
    if joint == "head":
        return figure.head_r
    for tube in figure.tubes:
        for point, r in zip(tube.points, tube.radii, strict=True):
            if point == figure.joints[joint]:
                return r
    return 0.0


__all__ = ["SIDE_LIMBS", "TOP_LIMBS", "Figure", "Pose", "Tube", "build", "ease", "place"]
