"""Recognise a short message that is just a routine command: "next", "pause please", "stop it".

Public API::

    command_word(text) -> "pause" | "stop" | "skip" | "next" | "resume" | None
    is_control_message(text) -> bool   # a command, or a bare "start"/"menu"/"help"/"back"

Only a message that is nothing but the command (plus a few polite or pointing words such as
"please", "ok", "it", "this one") counts: "can I pause in the middle?" is a question, not a
command. Anything ambiguous ("I'm done", "done for today", "stop pause") is None: the caller
then treats the text as a question. A typo is forgiven only in words of 5+ letters
("pasue", "contniue"), never by turning a real word into a command ("cause", "cancer"), and a
message with a red flag is never a command.

Pure Python, no Telegram.
"""

from __future__ import annotations

from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.redflags import detect_red_flag
from bot.core.text import normalise

Command = Literal["pause", "stop", "skip", "next", "resume"]

# A command message has at most this many words (fillers included) and characters.
MAX_WORDS = 5
MAX_CHARS = 60

# Each phrase (its words, after the fillers are dropped) and the command it means.
_PHRASES: dict[tuple[str, ...], Command] = {
    ("next",): "next",
    ("done",): "next",
    ("pause",): "pause",
    ("wait",): "pause",
    ("hold", "on"): "pause",
    ("hang", "on"): "pause",
    ("stop",): "stop",
    ("quit",): "stop",
    ("end",): "stop",
    ("cancel",): "stop",
    ("exit",): "stop",
    ("skip",): "skip",
    ("resume",): "resume",
    ("continue",): "resume",
    ("unpause",): "resume",
    ("go", "on"): "resume",
    ("carry", "on"): "resume",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that may surround a command without changing it: "ok next", "skip this one please".
_FILLERS = _words(
    """please pls plz ok okay now then it this that one the a exercise step routine lets
    just thanks thank you sec second moment minute bit"""
)
# Bare words that steer the bot rather than ask anything; not a routine command by themselves.
_CONTROL_WORDS = _words("start restart begin again go back menu help home")

# Typo targets: the command words of 5+ letters. Real words one edit away stay themselves.
_TYPO_TARGETS = tuple(sorted({w for phrase in _PHRASES for w in phrase if len(w) >= 5}))
_NOT_TYPOS = _words("cause causes caused cancer canter cancels")
_KNOWN = frozenset(w for phrase in _PHRASES for w in phrase) | _FILLERS | _CONTROL_WORDS

#: Every word a command or control message can be made of (for the matcher's vocabulary).
COMMAND_WORDS = frozenset(w for phrase in _PHRASES for w in phrase) | _CONTROL_WORDS


def _fix_typo(word: str) -> str:
    if word in _KNOWN or word in _NOT_TYPOS or len(word) < 5 or not word.isascii():
        return word
    max_edits = 1 if len(word) < 8 else 2
    found = process.extractOne(word, _TYPO_TARGETS, scorer=OSA.distance, score_cutoff=max_edits)
    if found is None or found[0][0] != word[0]:
        return word
    return found[0]


def _core_words(text: str) -> list[str] | None:
    """The message's words without fillers, typos fixed; None if it is too long to be one."""
    if len(text) > MAX_CHARS:
        return None
    words = normalise(text).split()
    if not words or len(words) > MAX_WORDS:
        return None
    return [fixed for fixed in map(_fix_typo, words) if fixed not in _FILLERS]


def _parse(core: list[str]) -> Command | None:
    """The one command the words spell ("go on", "next"), or None if they spell anything else."""
    found: set[Command] = set()
    index = 0
    while index < len(core):
        for length in (2, 1):
            command = _PHRASES.get(tuple(core[index : index + length]))
            if command is not None:
                found.add(command)
                index += length
                break
        else:
            return None
    return found.pop() if len(found) == 1 else None


def command_word(text: str) -> Command | None:
    """The routine command a short message is, or None.

    "next", "next one", "done", "ok next" -> "next"; "pause", "pause please", "wait" ->
    "pause"; "stop", "stop it", "quit", "end", "cancel" -> "stop"; "skip", "skip this" ->
    "skip"; "resume", "continue", "go on", "carry on" -> "resume".
    """
    core = _core_words(text)
    if not core:
        return None
    command = _parse(core)
    if command is None or detect_red_flag(text) is not None:
        return None
    return command


def is_control_message(text: str) -> bool:
    """True for a command (see `command_word`) or a bare "start", "menu", "help", "go back"."""
    if command_word(text) is not None:
        return True
    core = _core_words(text)
    return core is not None and bool(core) and set(core) <= _CONTROL_WORDS
