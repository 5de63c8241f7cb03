"""Draws a figure: one style for every exercise, readable on a phone in light and dark chats.

Pillow, drawn at `SUPERSAMPLE`× and shrunk with LANCZOS: that is the antialiasing (Pillow's
own shapes are not antialiased). The picture is an opaque warm-white card, so it reads the
same on a light or a dark chat background; the body is slate blue, the part that moves is
orange, the movement's path is an orange arrow, and an earlier position is a pale ghost.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.media.poses import Body, ExercisePoses, Frame, Poses
from bot.media.skeleton import Figure, Point, Pose, Tube, place

WIDTH = 640
# Side views are landscape (a body lying or kneeling); views from above are square, head
# at the top, so arms out to the sides and knees rocking left and right both fit; a view
# from the feet end, low over the mat, is landscape again.
HEIGHTS = {"side": 480, "top": 640}
LOW_CAMERA = 60  # degrees: below this a top view is drawn landscape


def canvas_height(exercise: ExercisePoses) -> int:
    if exercise.view == "top" and exercise.camera >= LOW_CAMERA:
        return HEIGHTS["top"]
    return HEIGHTS["side"]
SUPERSAMPLE = 3

# Colours: an opaque card that reads on light and dark themes alike.
PAPER = (246, 242, 234)
INK = (38, 46, 58)
MUTED = (98, 108, 122)
MAT = (206, 220, 226)
MAT_EDGE = (150, 174, 186)
BODY = (62, 92, 122)
BODY_FAR = (136, 160, 184)
MOVING = (226, 118, 52)
MOVING_FAR = (238, 176, 134)
GHOST = (222, 216, 204)
ARROW = (206, 88, 28)
HAIR = (34, 52, 72)
HAIR_MOVING = (170, 80, 30)
SHADOW = (150, 170, 178)

# Layout, in final pixels.
MARGIN = 28
TITLE_TOP = 20
DRAW_TOP = 104
BOTTOM_MARGIN = 24
MAT_Y = HEIGHTS["side"] - 58
MAX_SCALE = 520.0  # pixels per body height
GAP = 0.0075  # the pale outline that separates overlapping parts, in body heights
ARROW_OFFSET = 0.055
ARROW_WIDTH = 0.011
MIN_ARROW = 0.14  # short movements still get an arrow this long (body heights)
# Top view: a raised part's shadow falls this far (per unit of height) down and right.
SHADOW_SLANT = (0.45, -0.3)

_FONT_CACHE: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font (no system fonts needed), cached per size."""
    if size not in _FONT_CACHE:
        _FONT_CACHE[size] = ImageFont.load_default(size=size)
    return _FONT_CACHE[size]


@dataclass(frozen=True)
class Frame2D:
    """Where body units land on the canvas for one exercise (the same for all its frames)."""

    scale: float
    x0: float
    y0: float

    def px(self, p: Point) -> Point:
        return (
            (self.x0 + p[0] * self.scale) * SUPERSAMPLE,
            (self.y0 - p[1] * self.scale) * SUPERSAMPLE,
        )


def _poses_of(exercise: ExercisePoses, mirrored: bool) -> list[Pose]:
    poses = [Pose.of(f) for f in exercise.frames]
    return [p.mirrored() for p in poses] if mirrored else poses


def layout(body: Body, exercise: ExercisePoses) -> Frame2D:
    """One scale and origin for all of an exercise's frames (both sides), so pictures and
    loops of one exercise line up."""
    boxes = []
    for mirrored in (False, True) if exercise.side is not None else (False,):
        for pose in _poses_of(exercise, mirrored):
            boxes.append(place(body, exercise, pose).bounds())
    pad = ARROW_OFFSET + 0.03
    left = min(b[0] for b in boxes) - pad
    right = max(b[2] for b in boxes) + pad
    bottom = min(b[1] for b in boxes)
    top = max(b[3] for b in boxes) + pad
    if exercise.view == "top":
        bottom -= pad
    avail_w = WIDTH - 2 * MARGIN
    if exercise.view == "side":
        avail_h = MAT_Y - DRAW_TOP
        scale = min(MAX_SCALE, avail_w / (right - left), avail_h / top)
        x0 = WIDTH / 2 - (left + right) / 2 * scale
        return Frame2D(scale, x0, MAT_Y)
    height = canvas_height(exercise)
    avail_h = height - BOTTOM_MARGIN - DRAW_TOP
    scale = min(MAX_SCALE, avail_w / (right - left), avail_h / (top - bottom))
    x0 = WIDTH / 2 - (left + right) / 2 * scale
    y0 = (DRAW_TOP + height - BOTTOM_MARGIN) / 2 + (top + bottom) / 2 * scale
    return Frame2D(scale, x0, y0)


def _draw_sections(draw: ImageDraw.ImageDraw, points: Sequence[Point],
                   axes: Sequence[tuple[Point, Point]], grow: float,
                   fill: tuple[int, int, int]) -> None:  # fmt: skip
    """A trunk seen at a slant: an ellipse (two half-axes, in pixels, y down) at every
    sample, `grow` pixels larger all round, close enough together to need no quads."""
    for (cx, cy), ((ax, ay), (bx, by)) in zip(points, axes, strict=True):
        la, lb = math.hypot(ax, ay) or 1.0, math.hypot(bx, by) or 1.0
        ka, kb = (la + grow) / la, (lb + grow) / lb
        outline = [
            (cx + math.cos(t) * ax * ka + math.sin(t) * bx * kb,
             cy + math.cos(t) * ay * ka + math.sin(t) * by * kb)
            for t in (2 * math.pi * i / 36 for i in range(36))
        ]  # fmt: skip
        draw.polygon(outline, fill=fill)


def _draw_tube(draw: ImageDraw.ImageDraw, points: Sequence[Point], radii: Sequence[float],
               fill: tuple[int, int, int]) -> None:  # fmt: skip
    """A rounded, tapered limb: a circle at every sample and a quad between neighbours."""
    for (x, y), r in zip(points, radii, strict=True):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    for i in range(len(points) - 1):
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1e-6:
            continue
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        r0, r1 = radii[i], radii[i + 1]
        draw.polygon(
            [(x0 + nx * r0, y0 + ny * r0), (x1 + nx * r1, y1 + ny * r1),
             (x1 - nx * r1, y1 - ny * r1), (x0 - nx * r0, y0 - ny * r0)],
            fill=fill,
        )  # fmt: skip


def _order(figure: Figure, moving: set[str]) -> list[str]:
    """Back to front. Side view: far limbs, body, near limbs. Top view: what rests on the
    mat first, then the body, then the limbs that move over it."""
    if figure.view == "side":
        # The near limbs go under the trunk, so a buttock or a shoulder, not a seam, shows
        # where they join it; the near arm still crosses in front of the legs (a knee hug).
        behind = [p for p in ("leg_near", "arm_near") if p not in figure.front]
        ahead = [p for p in ("leg_near", "arm_near") if p in figure.front]
        return ["arm_far", "leg_far", *behind, "neck", "trunk", "head", *ahead]
    limbs = ["leg_left", "leg_right", "arm_left", "arm_right"]
    if figure.camera < LOW_CAMERA:
        # From the feet end: limbs lying on the mat behind the trunk (no seam where they
        # join it), the head behind the chest, raised limbs far to near.
        tubes = {t.part: t for t in figure.tubes}
        flat = [p for p in limbs if max(tubes[p].heights or [0.0]) < 0.03]
        raised = sorted((p for p in limbs if p not in flat), key=lambda p: -tubes[p].depth)
        return [*flat, "head", "neck", "trunk", *raised]
    legs = limbs[:2]
    arms = sorted(limbs[2:], key=lambda p: p in moving)
    still = [p for p in legs if p not in moving]
    moved = [p for p in legs if p in moving]
    return [*still, "neck", "trunk", "head", *moved, *arms]


def _shade(colour: tuple[int, int, int], slope: float) -> tuple[int, int, int]:
    """Lighter towards white for a rising part, darker for a falling one."""
    if slope >= 0:
        k = 0.28 * slope
        r, g, b = (round(c + (255 - c) * k) for c in colour)
    else:
        k = 0.3 * -slope
        r, g, b = (round(c * (1 - k)) for c in colour)
    return (r, g, b)


def _colour(part: str, moving: set[str], ghost: bool) -> tuple[int, int, int]:
    if ghost:
        return GHOST
    far = part.endswith("_far")
    if part in moving or (part == "neck" and "head" in moving):
        return MOVING_FAR if far else MOVING
    return BODY_FAR if far else BODY


def draw_figure(
    draw: ImageDraw.ImageDraw, figure: Figure, f2d: Frame2D, moving: set[str], *,
    ghost: bool = False,
) -> None:  # fmt: skip
    gap = GAP * f2d.scale * SUPERSAMPLE
    tubes = {t.part: t for t in figure.tubes}
    for part in _order(figure, moving):
        colour = _colour(part, moving, ghost)
        if part == "head":
            cx, cy = f2d.px(figure.head)
            r = figure.head_r * f2d.scale * SUPERSAMPLE
            draw.ellipse((cx - r - gap, cy - r - gap, cx + r + gap, cy + r + gap), fill=PAPER)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
            if not ghost:
                _draw_face(draw, figure, (cx, cy), r, colour)
            continue
        tube: Tube = tubes[part]
        points = [f2d.px(p) for p in tube.points]
        radii = [r * f2d.scale * SUPERSAMPLE for r in tube.radii]
        if tube.axes:
            k = f2d.scale * SUPERSAMPLE
            axes = [((ax * k, -ay * k), (bx * k, -by * k)) for (ax, ay), (bx, by) in tube.axes]
            _draw_sections(draw, points, axes, gap, PAPER)
            _draw_sections(draw, points, axes, 0.0, colour)
            continue
        _draw_tube(draw, points, [r + gap for r in radii], PAPER)
        if ghost or not tube.heights or max(tube.heights) < 0.02:
            _draw_tube(draw, points, radii, colour)
            continue
        # From above, a part rising towards the viewer (a thigh up to a bent knee) is lit,
        # one going back down (the shin) is in shade: the fold reads as a knee.
        n = len(points)
        for i in range(n - 1):
            rise = tube.heights[i + 1] - tube.heights[i]
            step = math.dist(tube.points[i], tube.points[i + 1]) or 1.0
            slope = max(-1.0, min(1.0, rise / step))
            _draw_tube(draw, points[i : i + 2], radii[i : i + 2], _shade(colour, slope))


def draw_shadows(image: Image.Image, figure: Figure, f2d: Frame2D) -> None:
    """Top view: raised parts (a bent knee) cast a soft shadow on the mat, set off by
    their height, which is what makes a knee read as "up" from above."""
    sx, sy = SHADOW_SLANT
    # Straight below a raised point, on the mat: as far below it in the picture as the
    # camera sees heights (nothing from the ceiling), then set off by the light's slant.
    down = math.cos(math.radians(figure.camera))
    shapes: list[tuple[list[Point], list[float]]] = []
    for tube in figure.tubes:
        if not tube.heights or max(tube.heights) < 0.02:
            continue
        points = [
            f2d.px((x + h * sx, y - h * down + h * sy))
            for (x, y), h in zip(tube.points, tube.heights, strict=True)
        ]
        shapes.append((points, [r * f2d.scale * SUPERSAMPLE for r in tube.radii]))
    if not shapes:
        return
    blur = 0.012 * f2d.scale * SUPERSAMPLE
    margin = blur * 3 + max(max(radii) for _, radii in shapes)
    xs = [x for points, _ in shapes for x, _ in points]
    ys = [y for points, _ in shapes for _, y in points]
    left, top = int(min(xs) - margin), int(min(ys) - margin)
    right, bottom = int(max(xs) + margin), int(max(ys) + margin)
    # Only the shadows' own box, blurred at a third of the size: cheap enough per frame.
    k = SUPERSAMPLE
    layer = Image.new("L", ((right - left) // k + 1, (bottom - top) // k + 1), 0)
    draw = ImageDraw.Draw(layer)
    for points, radii in shapes:
        local = [((x - left) / k, (y - top) / k) for x, y in points]
        _draw_tube(draw, local, [r / k for r in radii], 255)  # type: ignore[arg-type]
    layer = layer.filter(ImageFilter.GaussianBlur(blur / k)).point(lambda v: int(v * 0.55))
    layer = layer.resize((layer.width * k, layer.height * k), Image.Resampling.BILINEAR)
    image.paste(Image.new("RGB", layer.size, SHADOW), (left, top), layer)


def _draw_face(draw: ImageDraw.ImageDraw, figure: Figure, centre: Point, r: float,
               colour: tuple[int, int, int]) -> None:  # fmt: skip
    """A small nose shows where the face points: side view, along `face`; top view, the
    nose moves towards the side the head is turned to."""
    cx, cy = centre
    hair = HAIR_MOVING if colour == MOVING else HAIR
    bbox = (cx - r, cy - r, cx + r, cy + r)
    if figure.view == "side":
        fx, fy = figure.face
        # Hair over the back and top of the head, away from the face.
        hx, hy = figure.crown[0] - fx * 0.9, figure.crown[1] - fy * 0.9
        middle = math.degrees(math.atan2(-hy, hx))  # Pillow's angles run clockwise
        draw.chord(bbox, middle - 95, middle + 95, fill=hair)
        nx, ny = cx + fx * r * 0.96, cy - fy * r * 0.96
        nr = r * 0.26
        draw.ellipse((nx - nr, ny - nr, nx + nr, ny + nr), fill=colour)
        return
    # From above: hair at the crown, shifting away from the side the face turns to.
    k = figure.head_turn
    rx, ry = figure.right
    ux, uy = figure.crown
    hx, hy = ux - rx * k * 1.2, uy - ry * k * 1.2
    middle = math.degrees(math.atan2(-hy, hx))
    draw.chord(bbox, middle - 80 - 25 * abs(k), middle + 80 + 25 * abs(k), fill=hair)
    nx, ny = cx + rx * r * 0.78 * k, cy - ry * r * 0.78 * k
    nr = r * 0.2
    shade = (max(0, colour[0] - 45), max(0, colour[1] - 45), max(0, colour[2] - 45))
    draw.ellipse((nx - nr, ny - nr, nx + nr, ny + nr), fill=shade)


def _draw_arrow(draw: ImageDraw.ImageDraw, path: Sequence[Point], width: float,
                colour: tuple[int, int, int]) -> None:  # fmt: skip
    """A rounded line along `path` ending in a filled head."""
    if len(path) < 2:
        return
    head_len = width * 3.2
    # Stop the line where the head starts.
    end = path[-1]
    trimmed = [p for p in path if math.dist(p, end) > head_len * 0.8] or [path[0]]
    for (x, y) in trimmed:
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=colour)
    draw.line(trimmed, fill=colour, width=round(width), joint="curve")
    base = trimmed[-1]
    dx, dy = end[0] - base[0], end[1] - base[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    tip = (base[0] + ux * head_len, base[1] + uy * head_len)
    half = width * 1.6
    left = (base[0] - uy * half, base[1] + ux * half)
    right = (base[0] + uy * half, base[1] - ux * half)
    draw.polygon([tip, left, right], fill=colour)


def arrow_path(body: Body, exercise: ExercisePoses, before: Pose, after: Pose, spec: str,
               f2d: Frame2D, mirrored: bool = False) -> list[Point]:  # fmt: skip
    """The joint's path between two frames, set off from the body: away from the figure's
    middle, or in the direction `joint@degrees` gives (beyond the part's surface)."""
    joint, _, direction = spec.partition("@")
    if mirrored:
        joint = mirror_joint(joint)
    steps = 24
    figure_after = place(body, exercise, after)
    x0, y0, x1, y1 = figure_after.bounds()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    fixed: Point | None = None
    if direction:
        angle = float(direction)
        angle = 180 - angle if mirrored else angle
        fixed = (math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    points: list[Point] = []
    for k in range(steps + 1):
        t = 0.1 + 0.8 * k / steps
        figure = place(body, exercise, before.blend(after, t))
        x, y = figure.joints[joint]
        if fixed is not None:
            reach = _radius_at(figure, joint) + ARROW_OFFSET * 0.6
            points.append((x + fixed[0] * reach, y + fixed[1] * reach))
        else:
            dx, dy = x - cx, y - cy
            norm = math.hypot(dx, dy) or 1.0
            points.append((x + dx / norm * ARROW_OFFSET, y + dy / norm * ARROW_OFFSET))
    return [f2d.px(p) for p in _at_least(points, MIN_ARROW)]


def _radius_at(figure: Figure, joint: str) -> float:
    """The thickness of the body at a joint (the hip: the trunk's end)."""
    point = figure.joints[joint]
    best = 0.0
    for tube in figure.tubes:
        for p, r in zip(tube.points, tube.radii, strict=True):
            if math.dist(p, point) < 1e-6:
                best = max(best, r)
    return best


def _at_least(points: list[Point], length: float) -> list[Point]:
    """Stretch a short path at both ends along its own direction."""
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
    if total >= length or len(points) < 2:
        return points
    extra = (length - total) / 2
    (ax, ay), (bx, by) = points[0], points[-1]
    if total < 1e-6:
        return points
    sx, sy = points[1][0] - ax, points[1][1] - ay
    ex, ey = bx - points[-2][0], by - points[-2][1]
    sn, en = math.hypot(sx, sy) or 1.0, math.hypot(ex, ey) or 1.0
    start = (ax - sx / sn * extra, ay - sy / sn * extra)
    end = (bx + ex / en * extra, by + ey / en * extra)
    return [start, *points, end]


def _canvas(exercise: ExercisePoses) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    height = canvas_height(exercise)
    image = Image.new("RGB", (WIDTH * SUPERSAMPLE, height * SUPERSAMPLE), PAPER)
    return image, ImageDraw.Draw(image)


def _draw_mat(draw: ImageDraw.ImageDraw, exercise: ExercisePoses, body: Body,
              f2d: Frame2D, mirrored: bool = False) -> None:  # fmt: skip
    s = SUPERSAMPLE
    if exercise.view == "side":
        mat_top = MAT_Y * s
        draw.rounded_rectangle(
            (MARGIN * s * 0.6, mat_top, (WIDTH - MARGIN * 0.6) * s, mat_top + 12 * s),
            radius=6 * s, fill=MAT, outline=MAT_EDGE, width=2 * s,
        )  # fmt: skip
        return
    # From above: the mat is a long rounded rectangle under the body, head to feet.
    figure = place(body, exercise, _poses_of(exercise, mirrored)[0])
    corners = [f2d.px(p) for p in figure.mat]
    draw.polygon(corners, fill=MAT)
    draw.line([*corners, corners[0], corners[1]], fill=MAT_EDGE, width=2 * s, joint="curve")


def _draw_titles(image: Image.Image, title: str, subtitle: str) -> None:
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, TITLE_TOP), title, font=_font(30), fill=INK, stroke_width=0.6,
              stroke_fill=INK)  # fmt: skip
    draw.text((MARGIN, TITLE_TOP + 40), subtitle, font=_font(22), fill=MUTED)


def _draw_sides(image: Image.Image, exercise: ExercisePoses, body: Body, f2d: Frame2D,
                mirrored: bool = False) -> None:  # fmt: skip
    """From above, the person's right is on the picture's left: say so beside the head."""
    if exercise.view != "top":
        return
    figure = place(body, exercise, _poses_of(exercise, mirrored)[0])
    (rx, ry), (lx, ly) = (f2d.px(p) for p in figure.sides)
    draw = ImageDraw.Draw(image)
    font = _font(18)
    k = SUPERSAMPLE
    draw.text((rx / k, ry / k), "right", font=font, fill=MUTED, anchor="rm")
    draw.text((lx / k, ly / k), "left", font=font, fill=MUTED, anchor="lm")


def _finish(image: Image.Image, title: str, subtitle: str, *, fast: bool = False) -> Image.Image:
    """Shrink to the final size (the antialiasing) and add the labels. Loops use a box
    filter, 4× quicker than LANCZOS and, at this ratio, hard to tell apart."""
    size = (WIDTH, image.height // SUPERSAMPLE)
    small = image.reduce(SUPERSAMPLE) if fast else image.resize(size, Image.Resampling.LANCZOS)
    _draw_titles(small, title, subtitle)
    return small


def moving_parts(exercise: ExercisePoses, frame: Frame, mirrored: bool) -> set[str]:
    parts = set(frame.moving if "moving" in frame.model_fields_set else exercise.moving)
    if mirrored:
        swap = {"left": "right", "right": "left"}
        parts = {
            "_".join(swap.get(w, w) for w in p.split("_")) for p in parts
        }
    return parts


def mirror_words(text: str) -> str:
    """"Knee over, look right" on the other side reads "Knee over, look left"."""
    swap = {"right": "left", "left": "right", "Right": "Left", "Left": "Right"}
    return re.sub(r"\b(right|left|Right|Left)\b", lambda m: swap[m.group(1)], text)


def mirror_joint(joint: str) -> str:
    swap = {"left": "right", "right": "left"}
    return "_".join(swap.get(w, w) for w in joint.split("_"))


def render_frame(poses: Poses, exercise_id: str, frame_name: str, *, title: str,
                 mirrored: bool = False, subtitle: str | None = None) -> Image.Image:  # fmt: skip
    """A still of one key frame: ghost of the previous frame, arrows, the moving part."""
    exercise = poses.exercise(exercise_id)
    body = poses.body
    frame = exercise.frame(frame_name)
    f2d = layout(body, exercise)
    pose = Pose.of(frame).mirrored() if mirrored else Pose.of(frame)
    previous = exercise.previous(frame)
    before = None
    if previous is not None:
        before = Pose.of(previous).mirrored() if mirrored else Pose.of(previous)
    image, draw = _canvas(exercise)
    _draw_mat(draw, exercise, body, f2d, mirrored)
    if frame.ghost and before is not None:
        draw_figure(draw, place(body, exercise, before), f2d, set(), ghost=True)
    figure = place(body, exercise, pose)
    if exercise.view == "top":
        draw_shadows(image, figure, f2d)
    draw_figure(draw, figure, f2d, moving_parts(exercise, frame, mirrored))
    if before is not None:
        for spec in frame.arrows:
            path = arrow_path(body, exercise, before, pose, spec, f2d, mirrored)
            width = ARROW_WIDTH * f2d.scale * SUPERSAMPLE
            # A paper-coloured halo keeps the arrow readable where it crosses the body.
            _draw_arrow(draw, path, width * 2.2, PAPER)
            _draw_arrow(draw, path, width, ARROW)
    label = subtitle if subtitle is not None else frame.title
    final = _finish(image, title, mirror_words(label) if mirrored else label)
    _draw_sides(final, exercise, body, f2d, mirrored)
    return final


def render_pose(poses: Poses, exercise_id: str, pose: Pose, moving: set[str], *, title: str,
                subtitle: str) -> Image.Image:  # fmt: skip
    """One in-between picture of a loop (no arrows, no ghost)."""
    exercise = poses.exercise(exercise_id)
    f2d = layout(poses.body, exercise)
    image, draw = _canvas(exercise)
    _draw_mat(draw, exercise, poses.body, f2d, pose.flipped)
    figure = place(poses.body, exercise, pose)
    if exercise.view == "top":
        draw_shadows(image, figure, f2d)
    draw_figure(draw, figure, f2d, moving)
    final = _finish(image, title, subtitle, fast=True)
    _draw_sides(final, exercise, poses.body, f2d, pose.flipped)
    return final


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
