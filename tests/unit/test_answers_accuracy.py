"""The labelled set: how often real-looking questions get the right reply.

Fails below 95 % on on-topic questions, on any off-topic one that is not "not sure", on any
missed red flag, and on any red flag raised for an on-topic question. Run with `-s` to see
the report and every miss.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.content import Content
from bot.core.answers import AnswerMatcher, Reply

QUESTIONS = Path(__file__).parent / "fixtures" / "questions.toml"
MIN_ACCURACY = 0.95


def _load() -> dict[str, list[str]]:
    with QUESTIONS.open("rb") as handle:
        data = tomllib.load(handle)
    return {label: list(texts) for label, texts in data.items()}


def _outcome(reply: Reply) -> str:
    return reply.topic.id if reply.kind == "answer" and reply.topic else reply.kind


@pytest.fixture(scope="module")
def results(matcher: AnswerMatcher) -> dict[str, list[tuple[str, str, str]]]:
    """(label, text, outcome) grouped as on-topic, off-topic and red flags."""
    groups: dict[str, list[tuple[str, str, str]]] = {"on": [], "off": [], "red": []}
    for label, texts in _load().items():
        group = "off" if label == "unsure" else "red" if label == "red_flag" else "on"
        for text in texts:
            groups[group].append((label, text, _outcome(matcher.match(text))))
    return groups


def _report(name: str, rows: list[tuple[str, str, str]]) -> float:
    misses = [row for row in rows if row[0] != row[2]]
    accuracy = 1 - len(misses) / len(rows)
    print(f"\n{name}: {len(rows) - len(misses)}/{len(rows)} = {accuracy:.1%}")
    for label, text, got in misses:
        print(f"  expected {label:<18} got {got:<18} {text!r}")
    return accuracy


def test_the_labelled_set_is_big_and_varied_enough() -> None:
    data = _load()
    assert sum(len(texts) for texts in data.values()) >= 170 + 150
    assert len(data["unsure"]) >= 30
    assert len(data["red_flag"]) >= 25


def test_every_answer_topic_is_asked_about_in_the_labelled_set(content: Content) -> None:
    data = _load()
    for topic in content.answers:
        assert len(data.get(topic.id, [])) >= 5, topic.id


def test_topic_labels_exist(matcher: AnswerMatcher) -> None:
    special = {"unsure", "red_flag", "smalltalk"}
    for label in _load():
        if label not in special:
            matcher.reply_for_topic(label)  # KeyError names a mistyped label


def test_on_topic_questions_get_the_right_answer(
    results: dict[str, list[tuple[str, str, str]]],
) -> None:
    assert _report("on-topic", results["on"]) >= MIN_ACCURACY


def test_off_topic_questions_get_not_sure(results: dict[str, list[tuple[str, str, str]]]) -> None:
    # Every one of them: a confident answer to a question we don't cover is the worst reply.
    assert _report("off-topic (not sure)", results["off"]) == 1.0


def test_every_red_flag_is_caught(results: dict[str, list[tuple[str, str, str]]]) -> None:
    _report("red flags", results["red"])
    missed = [text for _, text, got in results["red"] if got != "red_flag"]
    assert missed == []


def test_no_on_topic_question_raises_a_false_red_flag(
    results: dict[str, list[tuple[str, str, str]]],
) -> None:
    false_alarms = [text for _, text, got in results["on"] + results["off"] if got == "red_flag"]
    assert false_alarms == []
