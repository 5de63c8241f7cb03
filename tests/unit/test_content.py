"""The content keeps every fact and number of the seed article, and bad content files
stop start-up with one line naming the file, the exercise and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import CONTENT_DIR, ContentError, load_content

CONTENT = load_content()


def test_the_routine_has_the_five_seed_exercises_in_order() -> None:
    assert [e.name for e in CONTENT.exercises] == [
        "Back flexion stretch",
        "Cat/cow stretch",
        "Trunk twist",
        "Knee rocks",
        "Glute bridge",
    ]


def test_back_flexion_stretch_is_held_20_to_30_seconds() -> None:
    flexion = CONTENT.exercise("flexion")
    assert flexion.hold is not None
    assert (flexion.hold.min_seconds, flexion.hold.max_seconds) == (20, 30)
    assert "20–30 seconds" in flexion.action
    text = " ".join(flexion.steps)
    assert "knees" in text and "chest" in text and "Lift your head" in text


def test_cat_cow_is_15_to_20_repetitions_with_its_breathing() -> None:
    cat_cow = CONTENT.exercise("cat_cow")
    assert cat_cow.reps is not None
    assert (cat_cow.reps.min, cat_cow.reps.max, cat_cow.reps.each_side) == (15, 20, False)
    steps = " ".join(cat_cow.steps)
    assert "Breathe in and lift your chest" in steps
    assert "Breathe out and round your back" in steps
    assert "shoulders over your hands, hips over your knees" in steps


def test_trunk_twist_holds_15_to_20_seconds_right_then_left_shoulder_blades_down() -> None:
    twist = CONTENT.exercise("trunk_twist")
    assert twist.hold is not None
    assert (twist.hold.min_seconds, twist.hold.max_seconds) == (15, 20)
    assert twist.hold.sides == ["right", "left"]
    assert "shoulder blades" in " ".join(twist.steps + twist.cues)
    assert "Bring your right leg up" in " ".join(twist.steps)


def test_knee_rocks_are_10_to_15_each_side_feet_together_arms_at_45() -> None:
    rocks = CONTENT.exercise("knee_rocks")
    assert rocks.reps is not None
    assert (rocks.reps.min, rocks.reps.max, rocks.reps.each_side) == (10, 15, True)
    steps = " ".join(rocks.steps)
    assert "feet together" in steps
    assert "45 degrees" in steps and "palms down" in steps
    assert "knees bent at 45 degrees" in steps


def test_glute_bridge_is_12_reps_each_held_3_seconds_and_lowered_gently() -> None:
    bridge = CONTENT.exercise("glute_bridge")
    assert bridge.reps is not None
    assert (bridge.reps.min, bridge.reps.max, bridge.reps.hold_seconds) == (12, 12, 3)
    steps = " ".join(bridge.steps)
    assert "squeeze your glutes" in steps and "tighten your stomach" in steps
    assert "3 seconds" in steps and "gently" in steps
    assert "shoulder-width apart" in steps
    assert "straight line" in steps


def test_only_the_glute_bridge_why_comes_from_the_seed() -> None:
    sources = {e.id: e.why.source for e in CONTENT.exercises}
    assert sources == {
        "flexion": "general",
        "cat_cow": "general",
        "trunk_twist": "general",
        "knee_rocks": "general",
        "glute_bridge": "seed",
    }
    why = CONTENT.exercise("glute_bridge").why.text
    for fact in ("hip mobility", "pelvis", "sacrum", "stabiliser", "tilt", "lower back"):
        assert fact in why


def test_the_safety_screen_lists_every_red_flag() -> None:
    flags = CONTENT.safety.red_flags
    assert len(flags.urgent) == 5 and len(flags.see_doctor) == 4
    assert any("bladder or bowels" in f for f in flags.urgent)
    assert any("worse at night" in f for f in flags.see_doctor)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_a_missing_field_names_the_file_the_exercise_and_the_field(content_copy: Path) -> None:
    path = content_copy / "exercises.toml"
    path.write_text(path.read_text().replace("min_seconds = 15\n", "", 1))
    with pytest.raises(ContentError) as error:
        load_content(content_copy)
    message = str(error.value)
    assert "exercises.toml" in message
    assert "'trunk_twist'" in message
    assert "hold.min_seconds" in message
    assert "\n" not in message


def test_a_wrong_type_is_reported_the_same_way(content_copy: Path) -> None:
    path = content_copy / "exercises.toml"
    path.write_text(path.read_text().replace("min = 12", 'min = "twelve"', 1))
    with pytest.raises(ContentError, match=r"'glute_bridge': field 'reps.min'"):
        load_content(content_copy)


def test_broken_toml_is_reported_with_the_file(content_copy: Path) -> None:
    (content_copy / "safety.toml").write_text("greeting = ")
    with pytest.raises(ContentError, match=r"safety.toml: not valid TOML"):
        load_content(content_copy)
