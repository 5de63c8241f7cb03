"""The exercise pictures: every exercise and side has one, the pose data is checked like the
rest of the content, and what is drawn matches the reviewed pictures in docs/pictures/."""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from bot.content import CONTENT_DIR, ContentError, load_content
from bot.media.figures import Figures, MediaKey, MediaLibrary
from bot.media.loops import FPS, MAX_BYTES, loop_seconds, timeline
from bot.media.pose_file import load_poses
from bot.media.render import HEIGHTS, WIDTH
from bot.media.skeleton import Pose, place

CONTENT = load_content()
POSES = load_poses(content=CONTENT)
FIGURES = Figures(POSES, CONTENT)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "pictures"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> MediaLibrary:
    """Everything drawn once into a cache folder, as the bot does at start-up."""
    library = MediaLibrary(FIGURES, tmp_path_factory.mktemp("media"))
    library.ensure()
    return library


def test_every_exercise_has_a_picture_and_the_twist_one_per_side() -> None:
    sent: dict[tuple[str, str | None], MediaKey] = {}
    for exercise in CONTENT.exercises:
        sides: list[str | None] = list(exercise.hold.sides if exercise.hold else []) or [None]
        for side in sides:
            sent[(exercise.id, side)] = FIGURES.figure_for(exercise.id, side)
    assert set(sent) == {
        ("flexion", None),
        ("cat_cow", None),
        ("trunk_twist", "right"),
        ("trunk_twist", "left"),
        ("knee_rocks", None),
        ("glute_bridge", None),
    }
    keys = set(FIGURES.all_keys())
    assert all(key in keys for key in sent.values())
    # The movements come as loops; the held stretch as a still of its position.
    kinds = {exercise: key.kind for (exercise, _), key in sent.items()}
    assert kinds == {
        "flexion": "photo",
        "cat_cow": "animation",
        "trunk_twist": "animation",
        "knee_rocks": "animation",
        "glute_bridge": "animation",
    }
    assert sent[("trunk_twist", "right")] != sent[("trunk_twist", "left")]
    assert FIGURES.figure_for("trunk_twist") == sent[("trunk_twist", "right")]


def test_every_position_the_article_describes_has_a_still() -> None:
    names = {key.name for key in FIGURES.all_keys() if key.kind == "photo"}
    assert {
        "flexion-lying", "flexion-hug",
        "cat_cow-tabletop", "cat_cow-cow", "cat_cow-cat",
        "trunk_twist-right-twist", "trunk_twist-left-twist",
        "knee_rocks-neutral", "knee_rocks-left", "knee_rocks-right",
        "glute_bridge-down", "glute_bridge-up",
    } <= names  # fmt: skip


def test_a_still_of_the_main_position_exists_for_show_all_steps() -> None:
    for exercise in CONTENT.exercises:
        key = FIGURES.still_for(exercise.id)
        assert key.kind == "photo" and key in FIGURES.all_keys()


def test_hands_knees_and_feet_rest_on_the_mat_where_the_poses_say() -> None:
    # Loading checked every contact; here one by eye: on all fours, the hand and the
    # knee are on the mat and the shoulder is above the hand.
    cat_cow = POSES.exercise("cat_cow")
    figure = place(POSES.body, cat_cow, Pose.of(cat_cow.frame("tabletop")))
    hand, knee = figure.joints["arm_near_hand"], figure.joints["leg_near_knee"]
    assert hand[1] < 0.03 and knee[1] < 0.05
    assert abs(figure.joints["shoulder"][0] - figure.joints["arm_near_wrist"][0]) < 0.03
    assert abs(figure.joints["hip"][0] - knee[0]) < 0.03


def test_the_bridge_top_is_a_straight_line_from_shoulders_through_hips_to_knees() -> None:
    bridge = POSES.exercise("glute_bridge")
    figure = place(POSES.body, bridge, Pose.of(bridge.frame("up")))
    (sx, sy), (hx, hy), (kx, ky) = (
        figure.joints["shoulder"], figure.joints["hip"], figure.joints["leg_near_knee"]
    )
    # The hip lies on the shoulder-knee line (within 1% of height).
    cross = (hx - sx) * (ky - sy) - (hy - sy) * (kx - sx)
    assert abs(cross) / ((kx - sx) ** 2 + (ky - sy) ** 2) ** 0.5 < 0.01
    assert hy > 0.15  # and the hips are really up


def _copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("thigh = 0.245", 'thigh = "long"', "field 'body.thigh'"),
        (
            "leg_near = [112, -18, 60]\n",
            "leg_near = [112, -18]\n",
            "exercise 'flexion': frame 'hug': field 'leg_near'",
        ),
        (
            'arrows = ["leg_near_knee"]',
            'arrows = ["leg_near_kneee"]',
            "exercise 'flexion': frame 'hug': unknown joint 'leg_near_kneee'",
        ),
        (
            "leg_near = [-90, -3, 0]\nleg_far = [-90, -3, 0]\nmoving = []",
            "leg_near = [-60, -3, 0]\nleg_far = [-90, -3, 0]\nmoving = []",
            "exercise 'cat_cow': frame 'tabletop': field 'contacts': leg_near_knee is",
        ),
        ('figure = "cow"', 'figure = "horse"', "figure 'horse' is not one of the frames"),
    ],
)
def test_bad_pose_data_names_the_file_exercise_frame_and_field(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    folder = _copy_content(tmp_path)
    path = folder / "poses.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_poses(folder, CONTENT)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_an_exercise_without_poses_is_an_error(tmp_path: Path) -> None:
    folder = _copy_content(tmp_path)
    path = folder / "poses.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('id = "knee_rocks"', 'id = "knee_rolls"'), encoding="utf-8")
    with pytest.raises(ContentError, match="exercise 'knee_rocks' has no poses"):
        load_poses(folder, CONTENT)


def test_every_still_is_640_wide_and_opaque(library: MediaLibrary) -> None:
    for key in FIGURES.all_keys():
        if key.kind != "photo":
            continue
        with Image.open(library.path(key)) as image:
            assert image.width == WIDTH
            assert image.height in HEIGHTS.values()
            assert image.mode == "RGB"  # an opaque card: same on light and dark themes


def _thumb(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("L").resize((64, image.height * 64 // image.width),
                                          Image.Resampling.BOX)  # fmt: skip
    return small


def test_pictures_match_the_reviewed_ones_in_docs(library: MediaLibrary) -> None:
    """A changed pose must come with re-rendered docs/pictures (`make pictures`), so the
    change is seen in review. Compared small and grey, tiny rendering differences between
    Pillow versions pass."""
    for key in FIGURES.all_keys():
        if key.kind != "photo":
            continue
        golden = DOCS / f"{key.name}{key.extension}"
        assert golden.is_file(), f"{golden} is missing: run make pictures"
        drawn, reviewed = _thumb(library.read(key)), _thumb(golden.read_bytes())
        assert drawn.size == reviewed.size, key.name
        difference = ImageStat.Stat(ImageChops.difference(drawn, reviewed)).mean[0]
        assert difference < 2.0, f"{key.name} differs from docs/pictures ({difference:.1f})"


def test_a_pose_change_shows_in_the_picture() -> None:
    """The golden check is not blind: moving the cow's head changes the thumbnail."""
    from bot.media.render import render_frame

    cat_cow = POSES.exercise("cat_cow")
    cow = cat_cow.frame("cow")
    changed_cow = cow.model_copy(update={"head": 200.0, "neck": 200.0})
    changed = cat_cow.model_copy(
        update={"frames": [changed_cow if f is cow else f for f in cat_cow.frames]}
    )
    poses = POSES.model_copy(
        update={"exercises": [changed if e is cat_cow else e for e in POSES.exercises]}
    )
    before = _thumb(_png(render_frame(POSES, "cat_cow", "cow", title="Cat/cow stretch")))
    after = _thumb(_png(render_frame(poses, "cat_cow", "cow", title="Cat/cow stretch")))
    assert ImageStat.Stat(ImageChops.difference(before, after)).mean[0] > 1.0


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_loops_are_small_a_few_seconds_long_and_play_as_mp4(library: MediaLibrary) -> None:
    loops = [key for key in FIGURES.all_keys() if key.kind == "animation"]
    assert len(loops) == 5  # cat/cow, knee rocks, bridge, the twist on each side
    for key in loops:
        data = library.read(key)
        assert len(data) <= MAX_BYTES, key.name
        if key.extension == ".mp4":
            assert data[4:8] == b"ftyp"


def test_loop_timing_follows_the_poses_and_the_bridge_holds_3_seconds_at_the_top() -> None:
    for exercise in POSES.exercises:
        if not exercise.loop:
            continue
        frames = list(timeline(exercise))
        assert len(frames) == pytest.approx(loop_seconds(exercise) * FPS, abs=len(exercise.loop))
        assert 2.0 <= len(frames) / FPS <= 10.0
    bridge = POSES.exercise("glute_bridge")
    top = Pose.of(bridge.frame("up"))
    held = longest_run([pose == top for pose, _ in timeline(bridge)])
    assert held / FPS >= 3.0


def longest_run(flags: list[bool]) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def test_start_up_rendering_draws_only_what_is_missing(library: MediaLibrary) -> None:
    again = MediaLibrary(FIGURES, library.cache_dir).ensure()
    assert (again.rendered, again.reused) == (0, len(FIGURES.all_keys()))


def test_a_changed_pose_file_gives_new_names_and_clears_the_old(tmp_path: Path) -> None:
    folder = _copy_content(tmp_path)
    cache = tmp_path / "media"
    first = Figures(load_poses(folder, CONTENT), CONTENT)
    MediaLibrary(first, cache).read(first.still_for("flexion"))
    path = folder / "poses.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("head = 122", "head = 125"))
    second = Figures(load_poses(folder, CONTENT), CONTENT)
    assert second.digest != first.digest
    assert second.still_for("flexion").id != first.still_for("flexion").id
    # Ensure only the one still so the test stays quick: the stale file goes.
    library = MediaLibrary(second, cache)
    library.read(second.still_for("flexion"))
    old = cache / first.still_for("flexion").filename
    assert old.exists()
    library.figures = _only_flexion(second)
    library.ensure()
    assert not old.exists()


def _only_flexion(figures: Figures) -> Figures:
    content = figures.content.model_copy(
        update={"exercises": [figures.content.exercise("flexion")]}
    )
    return Figures(figures.poses, content)


def test_seen_from_the_feet_end_bent_knees_stand_up_and_rock_to_the_side_named() -> None:
    """Knee rocks are drawn from low over the feet, turned a little: a bent knee stands
    above the hip and the foot in the picture, and "rocked to the left" brings the knees
    towards the person's left hand."""
    rocks = POSES.exercise("knee_rocks")
    assert rocks.camera < 60

    def joints(frame: str) -> dict[str, tuple[float, float]]:
        return place(POSES.body, rocks, Pose.of(rocks.frame(frame))).joints

    neutral = joints("neutral")
    for leg in ("leg_left", "leg_right"):
        top = neutral[f"{leg}_knee"][1]
        assert top > neutral["hip"][1] + 0.05
        assert top > neutral[f"{leg}_ankle"][1] + 0.1
    for side in ("left", "right"):
        rocked, hand = joints(side), neutral[f"arm_{side}_hand"]
        for leg in ("leg_left", "leg_right"):
            name = f"{leg}_knee"
            assert math.dist(rocked[name], hand) < math.dist(neutral[name], hand) - 0.05


def test_the_left_twist_is_the_mirror_image_of_the_right() -> None:
    from bot.media.render import render_frame

    right = render_frame(POSES, "trunk_twist", "twist", title="", subtitle="", mirrored=False)
    left = render_frame(POSES, "trunk_twist", "twist", title="", subtitle="", mirrored=True)
    flipped = left.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    # The side labels are words (not mirrored), so compare small and grey.
    difference = ImageStat.Stat(ImageChops.difference(_thumb(_png(right)),
                                                      _thumb(_png(flipped)))).mean[0]  # fmt: skip
    assert difference < 4.0
