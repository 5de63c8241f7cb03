"""Red flags: people describe them in many ways, and every one must send them to a doctor."""

from __future__ import annotations

import pytest

from bot.core.redflags import MAX_CHARS, detect_red_flag
from bot.core.text import normalise


@pytest.mark.parametrize(
    "text",
    [
        "numb down there",
        "I can't feel my groin",
        "my bum is numb",
        "saddle numbness",
        "numbess in my buttocks",  # typo
        "cant control my bladder",
        "i keep peeing myself",
        "lost control of my bowels",
        "trouble peeing",
        "pins and needles in both legs",
        "both my legs are numb",
        "I've got chest pain",
        "fell down the stairs and now my back hurts",
        "back pain after a car accident",
        # Plural legs or feet with a numbness word mean both legs, "both" or not.
        "my legs are numb",
        "numbness in my legs",
        "tingling in my legs",
        "pins and needles in my feet",
        "both my feet are numb",
        "I have numb feet",
        "my legs keep going to sleep",
    ],
)
def test_urgent_signs_are_urgent(text: str) -> None:
    flag = detect_red_flag(text)
    assert flag is not None and flag.level == "urgent", text


@pytest.mark.parametrize(
    "text",
    [
        "my leg is going numb",
        "my right leg is getting weaker",
        "I have a fever and my back hurts",
        "I've lost a lot of weight without trying",
        "I had cancer a few years ago",
        "the pain is constant and worse at night",
        "it wakes me up every night",
        # The safety screen's own words: "feeling generally unwell".
        "I feel generally unwell",
        "feeling really unwell",
        "I've been unwell all week",
        "I feel very ill",
        "I'm feeling sick",
        # Foot drop is a leg getting weaker.
        "can't lift my foot",
        "my foot is dragging",
        "my left foot drags when I walk",
        "I'm unable to raise my toes",
        "my leg is numb",  # one leg stays see-a-doctor
    ],
)
def test_see_a_doctor_signs_are_caught(text: str) -> None:
    flag = detect_red_flag(text)
    assert flag is not None and flag.level == "see_doctor", text


def test_both_legs_outrank_one_leg() -> None:
    flag = detect_red_flag("tingling in both legs and my left leg is weak")
    assert flag is not None and flag.level == "urgent"
    assert "both legs" in flag.label


@pytest.mark.parametrize(
    "text",
    [
        "why glute bridge?",
        "is it ok if it hurts a bit?",
        "how long do I hold the knee hug",
        "does pulling my knees to my chest hurt?",  # the exercise, not chest pain
        "how far do I rock without falling over",  # the knee rocks cue, not a fall
        "I fell asleep during the knee hug",
        "can I do the routine at night?",
        "can I do it all the time?",
        "will this help me lose weight",
        "no fever, just a stiff back",  # negated right before the symptom
        "no tingling in my legs",
        "I'm sick of this routine",  # not feeling sick
        "I'll do it later",  # "ill" after the apostrophe goes
        "I keep dragging my feet with the routine",  # the idiom, not foot drop
        "can I lift my feet in the knee hug",
        "",
        "🙂🙂🙂",
    ],
)
def test_ordinary_questions_are_not_red_flags(text: str) -> None:
    assert detect_red_flag(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "cancel the routine",  # cancel -> cancer
        "cancle the routine",  # a typo of cancel is not cancer either
        "this takes forever",  # forever -> fever
        "single leg glute bridge",  # single -> tingle, next to "leg"
        "can I do a single leg glute bridge",
        "accent",  # accent -> accident
        "sorry about my accent",
        "dancer",  # dancer -> cancer
        "I'm a dancer, is this ok for my back",
        "trouble seeing the screen",  # seeing -> peeing
        "I feel a twinge in my leg during the bridge",  # twinge -> tingle
        "my legs feel stiff so I use a walker",  # walker -> weaker
        "is there a chance this helps",  # chance -> cancer
    ],
)
def test_ordinary_words_are_not_repaired_into_red_flags(text: str) -> None:
    assert detect_red_flag(text) is None, text


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I had canser", "see_doctor"),
        ("i have a feverr", "see_doctor"),
        ("bladdr problems", "urgent"),
        ("numbess in my buttocks", "urgent"),
    ],
)
def test_real_typos_of_medical_words_are_still_repaired(text: str, level: str) -> None:
    flag = detect_red_flag(text)
    assert flag is not None and flag.level == level, text


def test_a_red_flag_is_found_whatever_else_the_message_says() -> None:
    flag = detect_red_flag("why glute bridge, also I can't feel my groin")
    assert flag is not None and flag.level == "urgent"


def test_a_red_flag_deep_in_a_long_message_is_found() -> None:
    flag = detect_red_flag("my back is stiff. " * 150 + "Also I have lost control of my bladder.")
    assert flag is not None and flag.level == "urgent"


def test_odd_input_never_raises() -> None:
    for text in ["x" * 100_000, "Что такое этот бот?", "这个练习有什么用", "\x00\u200b", "a" * 5]:
        detect_red_flag(text)


def test_text_that_expands_when_normalised_is_read_only_up_to_telegrams_limit() -> None:
    """U+FDFA decomposes into 18 characters: 4,096 of them would be 73,728 to scan. The
    normalised text is cut at MAX_CHARS, so the patterns' work stays bounded."""
    huge = "\ufdfa" * 4096
    assert len(normalise(huge)) > 18 * 4000
    assert len(normalise(huge, limit=MAX_CHARS)) <= MAX_CHARS
    assert detect_red_flag(huge) is None
    flag = detect_red_flag("I've got chest pain " + huge)
    assert flag is not None and flag.level == "urgent"


def test_accented_text_keeps_all_its_letters_within_the_limit() -> None:
    text = "é" * MAX_CHARS
    assert normalise(text, limit=MAX_CHARS) == "e" * MAX_CHARS
