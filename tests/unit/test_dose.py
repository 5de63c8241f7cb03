"""The adaptive dose: easy twice steps up, too hard or "It hurts" goes back to the low end,
a pain rise resets everything, and nothing ever leaves the article's range."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content import CONTENT_DIR, Content, ContentError, load_content
from bot.core.dose import (
    Attempt,
    Reason,
    amount_text,
    gentle_doses,
    next_dose,
    pain_rose,
    plan_doses,
    restore,
)

CONTENT = load_content()
FLEXION = CONTENT.exercise("flexion")


def dose_of(exercise_id: str, *history: Attempt, pain_rose_last_time: bool = False) -> int:
    return plan_doses(
        CONTENT, {exercise_id: list(history)}, pain_rose_last_time=pain_rose_last_time
    )[exercise_id].amount


def easy(dose: int) -> Attempt:
    return Attempt("done", "easy", dose)


def right(dose: int) -> Attempt:
    return Attempt("done", None, dose)


# -- the notches are the issue's, inside the article's ranges ---------------------------------


def test_each_exercise_has_the_issues_notches() -> None:
    assert CONTENT.dose.notches("flexion") == (20, 25, 30)
    assert CONTENT.dose.notches("trunk_twist") == (15, 18, 20)
    assert CONTENT.dose.notches("cat_cow") == (15, 18, 20)
    assert CONTENT.dose.notches("knee_rocks") == (10, 12, 15)
    assert CONTENT.dose.notches("glute_bridge") == (12,)
    bridge = CONTENT.exercise("glute_bridge")
    assert bridge.reps is not None and bridge.reps.hold_seconds == 3


def test_a_first_routine_starts_every_exercise_at_the_articles_low_end() -> None:
    doses = plan_doses(CONTENT, {})
    assert {k: d.amount for k, d in doses.items()} == {
        "flexion": 20,
        "cat_cow": 15,
        "trunk_twist": 15,
        "knee_rocks": 10,
        "glute_bridge": 12,
    }
    assert all(d.reason is Reason.START and d.line is None for d in doses.values())


# -- stepping up ------------------------------------------------------------------------------


def test_easy_twice_in_a_row_steps_the_flexion_hold_up_to_25_s_and_says_why() -> None:
    dose = plan_doses(CONTENT, {"flexion": [easy(20), easy(20)]})["flexion"]
    assert (dose.amount, dose.reason) == (25, Reason.UP)
    assert dose.line == "25 s today: you found it easy twice."


def test_one_easy_answer_is_not_enough() -> None:
    assert dose_of("flexion", right(20), easy(20)) == 20
    assert dose_of("flexion", easy(20), right(20)) == 20


def test_each_step_up_needs_two_easy_routines_at_the_level_being_left() -> None:
    # 20, 20 easy → 25; one easy at 25 is not yet two at 25.
    assert dose_of("flexion", easy(20), easy(20), easy(25)) == 25
    assert dose_of("flexion", easy(20), easy(20), easy(25), easy(25)) == 30


def test_easy_at_the_top_stays_at_the_top_and_says_it_is_the_articles_most() -> None:
    dose = plan_doses(CONTENT, {"flexion": [easy(30), easy(30)]})["flexion"]
    assert (dose.amount, dose.reason) == (30, Reason.TOP)
    assert dose.line is not None and "most the article suggests" in dose.line


def test_the_twist_and_knee_rocks_say_each_side_cat_cow_says_times() -> None:
    twist = plan_doses(CONTENT, {"trunk_twist": [easy(15), easy(15)]})["trunk_twist"]
    assert twist.line == "18 s each side today: you found it easy twice."
    rocks = plan_doses(CONTENT, {"knee_rocks": [easy(12), easy(12)]})["knee_rocks"]
    assert rocks.amount == 15 and rocks.line is not None and rocks.line.startswith("15 each side")
    cat = plan_doses(CONTENT, {"cat_cow": [easy(15), easy(15)]})["cat_cow"]
    assert cat.line is not None and cat.line.startswith("18 times today")


def test_the_glute_bridge_stays_at_12_whatever_happens() -> None:
    for history in ([easy(12), easy(12)], [Attempt("hurt", None, 12)], []):
        dose = plan_doses(CONTENT, {"glute_bridge": history})["glute_bridge"]
        assert dose.amount == 12 and dose.line is None
    assert amount_text(CONTENT.exercise("glute_bridge"), 12) == "12 times"


# -- stepping down ----------------------------------------------------------------------------


def test_too_hard_goes_back_to_the_low_end_from_any_notch() -> None:
    dose = plan_doses(CONTENT, {"flexion": [easy(30), Attempt("done", "hard", 30)]})["flexion"]
    assert (dose.amount, dose.reason) == (20, Reason.HARD)
    assert dose.line == "20 s today: last time felt too hard."


def test_it_hurts_counts_as_too_hard_whatever_was_tapped() -> None:
    dose = plan_doses(CONTENT, {"flexion": [Attempt("hurt", "easy", 25)]})["flexion"]
    assert (dose.amount, dose.reason) == (20, Reason.HURT)
    assert dose.line is not None and "it hurt last time" in dose.line


def test_too_hard_at_the_low_end_stays_quiet_nothing_changed() -> None:
    dose = plan_doses(CONTENT, {"flexion": [Attempt("done", "hard", 20)]})["flexion"]
    assert dose.amount == 20 and dose.line is None


def test_a_pain_rise_of_two_steps_every_exercise_down_whatever_the_feedback() -> None:
    histories = {
        "flexion": [easy(25), easy(25)],
        "cat_cow": [easy(18)],
        "trunk_twist": [right(20)],
        "knee_rocks": [easy(10), easy(10)],
    }
    doses = plan_doses(CONTENT, histories, pain_rose_last_time=True)
    assert {k: d.amount for k, d in doses.items()} == {
        "flexion": 20,
        "cat_cow": 15,
        "trunk_twist": 15,
        "knee_rocks": 10,
        "glute_bridge": 12,
    }
    assert (
        doses["flexion"].line
        == "20 s today: your pain rose after the last routine, so we go gently."
    )
    assert doses["knee_rocks"].line is None  # it was at the low end already


def test_pain_rose_means_two_points_or_more() -> None:
    assert pain_rose(4, 6) and pain_rose(0, 10)
    assert not pain_rose(4, 5) and not pain_rose(6, 2)
    assert not pain_rose(None, 6) and not pain_rose(4, None)


# -- staying ----------------------------------------------------------------------------------


def test_no_answer_means_about_right_and_keeps_the_dose() -> None:
    dose = plan_doses(CONTENT, {"flexion": [easy(20), easy(20), right(25)]})["flexion"]
    assert (dose.amount, dose.reason) == (25, Reason.SAME)
    assert dose.line == "25 s today, as last time."


def test_a_skipped_exercise_keeps_its_dose_and_breaks_an_easy_run() -> None:
    assert dose_of("flexion", easy(25), Attempt("skipped", None, 25)) == 25
    assert dose_of("flexion", easy(20), Attempt("skipped", None, 20), easy(20)) == 20


def test_routines_from_before_doses_were_stored_count_as_the_low_end() -> None:
    assert dose_of("flexion", Attempt("done", "easy"), Attempt("done", "easy")) == 25


def test_a_dose_that_is_no_longer_a_notch_rounds_down_never_up() -> None:
    assert dose_of("flexion", right(28)) == 25
    assert dose_of("flexion", right(99)) == 30
    assert dose_of("flexion", right(5)) == 20


def test_a_dose_read_back_after_a_restart_keeps_its_card_line() -> None:
    dose = plan_doses(CONTENT, {"flexion": [easy(20), easy(20)]})["flexion"]
    assert dose.stored == (25, "up")
    again = restore(FLEXION, CONTENT.dose.notches("flexion"), CONTENT.dose.lines, dose.stored)
    assert (again.amount, again.line) == (25, dose.line)
    quiet = plan_doses(CONTENT, {})["flexion"]
    assert quiet.stored == (20, None)
    assert restore(FLEXION, (20, 25, 30), CONTENT.dose.lines, quiet.stored).line is None
    assert restore(FLEXION, (20, 25, 30), CONTENT.dose.lines, None).amount == 20


# -- gently (issue 10) ------------------------------------------------------------------------


def test_go_on_gently_puts_everything_at_the_low_end_and_says_so() -> None:
    doses = gentle_doses(CONTENT)
    assert [d.amount for d in doses.values()] == [20, 15, 15, 10, 12]
    assert doses["flexion"].line == "20 s today, the gentle end of the range."
    assert doses["glute_bridge"].line is None  # one notch: nothing to say


# -- never outside the range ------------------------------------------------------------------

ATTEMPTS = st.builds(
    Attempt,
    st.sampled_from(["done", "skipped", "hurt"]),
    st.sampled_from([None, "easy", "right", "hard"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)


@given(
    exercise_index=st.integers(min_value=0, max_value=4),
    history=st.lists(ATTEMPTS, max_size=8),
    rose=st.booleans(),
)
def test_no_history_ever_gives_a_dose_outside_the_articles_range(
    exercise_index: int, history: list[Attempt], rose: bool
) -> None:
    exercise = CONTENT.exercises[exercise_index]
    notches = CONTENT.dose.notches(exercise.id)
    dose = next_dose(exercise, notches, history, CONTENT.dose.lines, pain_rose_last_time=rose)
    if exercise.hold is not None:
        low, high = exercise.hold.min_seconds, exercise.hold.max_seconds
    else:
        assert exercise.reps is not None
        low, high = exercise.reps.min, exercise.reps.max
    assert low <= dose.amount <= high
    assert dose.amount in notches
    # One routine never moves a dose up by more than one notch.
    if history and history[-1].dose is not None:
        previous = max((n for n in notches if n <= history[-1].dose), default=notches[0])
        assert notches.index(dose.amount) <= notches.index(previous) + 1


# -- the content is checked at load -----------------------------------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "dose.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _error(folder: Path) -> str:
    with pytest.raises(ContentError) as error:
        load_content(folder)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_notch_above_the_articles_range_stops_start_up_naming_file_and_field(
    content_copy: Path,
) -> None:
    _edit(content_copy, "notches = [20, 25, 30]", "notches = [20, 25, 35]")
    message = _error(content_copy)
    assert "dose.toml" in message and "'flexion'" in message and "'notches'" in message
    assert "35 is outside the article's range 20–30 s" in message


def test_a_notch_below_the_range_is_refused(content_copy: Path) -> None:
    _edit(content_copy, "notches = [10, 12, 15]", "notches = [8, 12, 15]")
    assert "'knee_rocks': field 'notches': 8 is outside" in _error(content_copy)


def test_the_first_notch_must_be_the_articles_low_end(content_copy: Path) -> None:
    _edit(content_copy, "notches = [15, 18, 20]", "notches = [18, 20]")
    assert "'cat_cow': field 'notches': the first notch must be" in _error(content_copy)


def test_notches_must_go_up(content_copy: Path) -> None:
    _edit(content_copy, "notches = [20, 25, 30]", "notches = [20, 30, 25]")
    message = _error(content_copy)
    assert "exercise 'flexion': field 'notches': notches must go up" in message


def test_an_exercise_without_notches_is_refused(content_copy: Path) -> None:
    _edit(content_copy, 'id = "glute_bridge"\nnotches = [12]', 'id = "glute_bridge"\nnotches = []')
    assert "'glute_bridge': field 'notches'" in _error(content_copy)
    shutil.copy(CONTENT_DIR / "dose.toml", content_copy / "dose.toml")
    _edit(content_copy, '[[exercise]]\nid = "glute_bridge"', '[[other]]\nid = "glute_bridge"')
    assert "dose.toml" in _error(content_copy)


def test_an_unknown_exercise_or_a_wrong_placeholder_is_refused(content_copy: Path) -> None:
    _edit(content_copy, 'id = "flexion"', 'id = "flexon"')
    assert "'flexon': field 'id': no such exercise" in _error(content_copy)
    shutil.copy(CONTENT_DIR / "dose.toml", content_copy / "dose.toml")
    _edit(content_copy, "{dose} today, as last time.", "{amount} today, as last time.")
    assert "field 'lines.same'" in _error(content_copy)


def test_the_dose_lines_are_marked_as_ours_not_the_articles(content: Content) -> None:
    assert content.dose.lines.source == "general"
