"""Loads `content/` into typed, validated objects, once, at start-up.

The files are written by people (a physiotherapist, a clinician), so every error names
the file, the item and the field, in one line: `ContentError` carries that line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

Text = Annotated[str, Field(min_length=1)]
# Where a sentence's facts come from: the seed article, or general, conservative advice we added.
Source = Literal["seed", "general"]


class ContentError(Exception):
    """Content is missing or malformed; the message is one line naming file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Why(_Strict):
    text: Text
    source: Source


class Hold(_Strict):
    """A timed hold. The timer starts at `min_seconds`; the card states the whole range."""

    min_seconds: int = Field(ge=1, le=300)
    max_seconds: int = Field(ge=1, le=300)
    # Sides in order, e.g. ["right", "left"]; empty for a hold done once.
    sides: list[Text] = Field(default_factory=list)
    # What to do between sides (only with two or more sides).
    switch_text: str = ""

    @model_validator(mode="after")
    def _check(self) -> Hold:
        if self.max_seconds < self.min_seconds:
            raise ValueError("max_seconds is below min_seconds")
        if len(self.sides) > 1 and not self.switch_text:
            raise ValueError("switch_text is required when there are several sides")
        return self


class Reps(_Strict):
    """A repetition target, e.g. 15-20, or 10-15 each side, or 12 with a 3 s hold each."""

    min: int = Field(ge=1, le=100)
    max: int = Field(ge=1, le=100)
    each_side: bool = False
    hold_seconds: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _check(self) -> Reps:
        if self.max < self.min:
            raise ValueError("max is below min")
        return self


class Exercise(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")]
    name: Text
    # Other names people use ("knee hug"); the question matcher and /why use them.
    aliases: list[Text] = Field(default_factory=list)
    steps: list[Text] = Field(min_length=1)
    cues: list[Text] = Field(default_factory=list)
    hold: Hold | None = None
    reps: Reps | None = None
    # The sentence shown on the action step ("Hold 20-30 s" / "Repeat 15-20 times").
    action: Text
    why: Why
    # A rough time for the whole exercise, used to say how long the routine takes.
    minutes: float = Field(gt=0, le=30)

    @model_validator(mode="after")
    def _check(self) -> Exercise:
        if (self.hold is None) == (self.reps is None):
            raise ValueError("give exactly one of [hold] or [reps]")
        return self

    @property
    def range_text(self) -> str:
        if self.hold is not None:
            low, high, unit = self.hold.min_seconds, self.hold.max_seconds, "s"
            return f"{low} s" if low == high else f"{low}–{high} {unit}"
        assert self.reps is not None
        low, high = self.reps.min, self.reps.max
        text = str(low) if low == high else f"{low}–{high}"
        return f"{text} each side" if self.reps.each_side else text


class RedFlags(_Strict):
    urgent: list[Text] = Field(min_length=1)
    see_doctor: list[Text] = Field(min_length=1)


class Safety(_Strict):
    source: Source
    greeting: Text
    disclaimer: Text
    screen_intro: Text
    red_flags: RedFlags
    urgent_advice: Text
    see_doctor_advice: Text
    cleared: Text
    hurt_advice: Text
    pain_rose_advice: Text
    pain_high_advice: Text
    rose_a_little_text: Text
    improved_text: Text
    eased_text: Text
    unchanged_text: Text
    caution_today: Text
    rest_today: Text
    reminder_yesterday: Text


class AnswerTopic(_Strict):
    """A question people ask, the ways they phrase it, and the answer."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    title: Text
    # Example phrasings; the matcher learns words and phrases from them.
    examples: list[Text] = Field(min_length=1)
    # Single words or phrases that point strongly at this topic.
    keywords: list[Text] = Field(default_factory=list)
    answer: Text
    source: Source
    # The exercise this topic is about, if any (links /why and the routine's Why button).
    exercise: str | None = None


class Content(_Strict):
    exercises: list[Exercise] = Field(min_length=1)
    safety: Safety
    answers: list[AnswerTopic] = Field(default_factory=list)

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)

    @property
    def routine_minutes(self) -> int:
        return max(1, round(sum(e.minutes for e in self.exercises)))


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML ({exc})") from None


def _describe(path: Path, data: dict[str, object], error: ValidationError, list_key: str) -> str:
    """Turn pydantic's first error into `file: exercise 'x': field 'a.b': message`."""
    first = error.errors()[0]
    loc = list(first["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
        items = data.get(list_key)
        item_id = None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            item_id = items[loc[1]].get("id")
        label = "exercise" if list_key == "exercise" else "topic"
        where = f"{label} {item_id!r}" if item_id else f"{label} #{loc[1] + 1}"
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or "(whole entry)"
    message = first["msg"].removeprefix("Value error, ")
    parts = [str(path)] + ([where] if where else []) + [f"field {field!r}: {message}"]
    return ": ".join(parts)


class _ExerciseFile(_Strict):
    exercise: list[Exercise] = Field(min_length=1)


class _AnswerFile(_Strict):
    topic: list[AnswerTopic] = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], path: Path, list_key: str) -> M:
    data = _read_toml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_describe(path, data, exc, list_key)) from None


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Read every content file; raise `ContentError` with one line on the first problem."""
    exercises = _parse(_ExerciseFile, directory / "exercises.toml", "exercise").exercise
    ids = [e.id for e in exercises]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ContentError(f"{directory / 'exercises.toml'}: exercise id {duplicates[0]!r} repeats")
    safety = _parse(Safety, directory / "safety.toml", "")
    answers_path = directory / "answers.toml"
    answers = _parse(_AnswerFile, answers_path, "topic").topic if answers_path.exists() else []
    for topic in answers:
        if topic.exercise is not None and topic.exercise not in ids:
            raise ContentError(
                f"{answers_path}: topic {topic.id!r}: field 'exercise': "
                f"unknown exercise {topic.exercise!r}"
            )
    return Content(exercises=exercises, safety=safety, answers=answers)
