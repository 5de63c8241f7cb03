"""Loads `content/` into typed, validated objects, once, at start-up.

The files are written by people (a physiotherapist, a clinician), so every error names
the file, the item and the field, in one line: `ContentError` carries that line.
"""

from __future__ import annotations

import itertools
import re
import string
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)


def _content_dir() -> Path:
    """Where the content files are: `bot/_content/` inside an installed wheel (the build
    ships the repository's `content/` there, see setup.py), else `content/` at the top
    of the checkout, where people edit it."""
    packaged = resources.files("bot") / "_content"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "content"


CONTENT_DIR = _content_dir()

Text = Annotated[str, Field(min_length=1)]
# Where a sentence's facts come from: the seed article, or general, conservative advice we added.
Source = Literal["seed", "general"]
# An answer can also be about BackCoach itself (privacy, the routine's length): neither.
TopicSource = Literal["seed", "general", "bot"]


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
    source: TopicSource
    # The exercise this topic is about, if any (links /why and the routine's Why button).
    exercise: str | None = None
    # For people who should ask a clinician before exercising (pregnancy, an operation):
    # when the topic matches a message at all, it wins over every other topic, so
    # "I'm pregnant, how many bridges?" gets "check first", not "12".
    check_first: bool = False


class ExerciseDose(_Strict):
    """One exercise's dose notches (content/dose.toml): seconds of the hold, or repetitions."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")]
    notches: list[Annotated[int, Field(ge=1, le=300)]] = Field(min_length=1)

    @field_validator("notches")
    @classmethod
    def _rising(cls, notches: list[int]) -> list[int]:
        if any(b <= a for a, b in itertools.pairwise(notches)):
            raise ValueError("notches must go up, lowest first, no repeats")
        return notches


def _only_dose_placeholder(text: str) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    if fields - {"dose"}:
        raise ValueError(f"only {{dose}} may be filled in, not {sorted(fields - {'dose'})}")
    return text


DoseLine = Annotated[Text, AfterValidator(_only_dose_placeholder)]


class DoseLines(_Strict):
    """The card's one line saying today's dose and why; `{dose}` is "25 s", "18 times"…"""

    source: Source
    up: DoseLine
    top: DoseLine
    same: DoseLine
    hard: DoseLine
    hurt: DoseLine
    pain_rose: DoseLine
    gentle: DoseLine


class DoseRules(_Strict):
    """content/dose.toml: per-exercise notches, each checked against the article's range."""

    exercise: list[ExerciseDose] = Field(min_length=1)
    lines: DoseLines

    def notches(self, exercise_id: str) -> tuple[int, ...]:
        for entry in self.exercise:
            if entry.id == exercise_id:
                return tuple(entry.notches)
        raise KeyError(exercise_id)


class Content(_Strict):
    exercises: list[Exercise] = Field(min_length=1)
    safety: Safety
    answers: list[AnswerTopic] = Field(default_factory=list)
    # How each exercise's dose adapts (content/dose.toml); see bot/core/dose.py.
    dose: DoseRules

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


def _article_range(exercise: Exercise) -> tuple[int, int, str]:
    """The seed's range for an exercise's dose: (low, high, unit) of its hold or reps."""
    if exercise.hold is not None:
        return exercise.hold.min_seconds, exercise.hold.max_seconds, "s"
    assert exercise.reps is not None
    return exercise.reps.min, exercise.reps.max, "reps"


def _load_dose(path: Path, exercises: list[Exercise]) -> DoseRules:
    """Parse dose.toml and check it against exercises.toml: one entry per exercise, the
    first notch at the article's low end, no notch above its high end."""
    rules = _parse(DoseRules, path, "exercise")
    by_id = {e.id: e for e in exercises}
    seen: set[str] = set()
    for entry in rules.exercise:
        where = f"{path}: exercise {entry.id!r}"
        if entry.id not in by_id:
            raise ContentError(f"{where}: field 'id': no such exercise in exercises.toml")
        if entry.id in seen:
            raise ContentError(f"{where}: field 'id': the exercise appears twice")
        seen.add(entry.id)
        low, high, unit = _article_range(by_id[entry.id])
        for notch in entry.notches:
            if not low <= notch <= high:
                raise ContentError(
                    f"{where}: field 'notches': {notch} is outside the article's range "
                    f"{low}–{high} {unit} (exercises.toml)"
                )
        if entry.notches[0] != low:
            raise ContentError(
                f"{where}: field 'notches': the first notch must be the article's low end, "
                f"{low} {unit} (exercises.toml)"
            )
    missing = [e.id for e in exercises if e.id not in seen]
    if missing:
        raise ContentError(f"{path}: exercise {missing[0]!r} has no notches")
    return rules


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
    _check_answers(answers_path, exercises, answers)
    dose = _load_dose(directory / "dose.toml", exercises)
    return Content(exercises=exercises, safety=safety, answers=answers, dose=dose)


# Filled in by the answer view (bot/views/answers.py) from the other content files.
ANSWER_PLACEHOLDERS = frozenset(
    {"{why}", "{minutes}", "{exercises}", "{urgent_flags}", "{see_doctor_flags}"}
)
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")


def _check_answers(path: Path, exercises: list[Exercise], answers: list[AnswerTopic]) -> None:
    """What the question answerer relies on, checked once at load, each error in one line:
    known exercises, unique ids, known placeholders, a why_ and how_ topic per exercise,
    and a why_ topic's source agreeing with the why text it shows."""
    by_id = {exercise.id: exercise for exercise in exercises}
    seen: set[str] = set()
    for topic in answers:
        where = f"{path}: topic {topic.id!r}"
        if topic.id in seen:
            raise ContentError(f"{where}: field 'id': repeats")
        seen.add(topic.id)
        if topic.exercise is not None and topic.exercise not in by_id:
            raise ContentError(f"{where}: field 'exercise': unknown exercise {topic.exercise!r}")
        for placeholder in _PLACEHOLDER.findall(topic.answer):
            if placeholder not in ANSWER_PLACEHOLDERS:
                raise ContentError(f"{where}: field 'answer': unknown placeholder {placeholder}")
        if "{why}" in topic.answer and topic.exercise is None:
            raise ContentError(f"{where}: field 'answer': {{why}} needs an 'exercise'")
    topics = {topic.id: topic for topic in answers}
    for exercise_id, exercise in by_id.items():
        for kind in ("why", "how"):
            linked = topics.get(f"{kind}_{exercise_id}")
            if linked is None or linked.exercise != exercise_id:
                raise ContentError(
                    f"{path}: topic '{kind}_{exercise_id}' is missing or not "
                    f"linked to exercise {exercise_id!r}"
                )
            why = exercise.why
            if kind == "why" and "{why}" in linked.answer and linked.source != why.source:
                raise ContentError(
                    f"{path}: topic 'why_{exercise_id}': field 'source': says "
                    f"{linked.source!r} but exercises.toml's why says {why.source!r}"
                )
