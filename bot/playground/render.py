"""How a bot message looks in a terminal: Telegram HTML turned into ANSI styling (or plain
text when colour is off), wrapped to the terminal, with numbered buttons underneath.

Pure functions over strings, so the look can be tested without a terminal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any

RESET = "\033[0m"
_SGR_RE = re.compile(r"\033\[[0-9;]*m")

# Telegram HTML tag -> SGR code. `code`/`pre` in cyan so commands and numbers stand out.
_TAG_SGR = {
    "b": "1", "strong": "1",
    "i": "3", "em": "3",
    "u": "4", "ins": "4",
    "s": "9", "strike": "9", "del": "9",
    "code": "36", "pre": "36",
    "a": "4;34",
    "tg-spoiler": "2", "span": "2",
    "blockquote": "3",
}  # fmt: skip


def sgr(codes: str) -> str:
    return f"\033[{codes}m"


class _HtmlToAnsi(HTMLParser):
    """Every escape it emits is a complete state (it starts with 0), so a wrapped line can
    carry the style over by repeating the last escape it saw."""

    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.color = color
        self.out: list[str] = []
        self.stack: list[tuple[str, str | None, int]] = []  # (tag, href, start index in out)

    def _state(self) -> str:
        codes = [_TAG_SGR[tag] for tag, _, _ in self.stack if tag in _TAG_SGR]
        return sgr(";".join(["0", *codes])) if codes else RESET

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        self.stack.append((tag, href, len(self.out)))
        if self.color and tag in _TAG_SGR:
            self.out.append(self._state())

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _, _ in self.stack):
            return
        while self.stack:
            open_tag, href, start = self.stack.pop()
            if open_tag == tag:
                break
        if self.color and tag in _TAG_SGR:
            self.out.append(self._state())
        if href and not href.startswith("tg://"):
            label = _SGR_RE.sub("", "".join(self.out[start:]))
            if label.strip() != href:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def html_to_terminal(text: str, *, color: bool, parse_mode: str | None = "HTML") -> str:
    """The message as a person should see it: styled on a colour terminal, plain otherwise."""
    if not parse_mode or parse_mode.upper() != "HTML":
        return text
    parser = _HtmlToAnsi(color)
    parser.feed(text)
    parser.close()
    rendered = "".join(parser.out)
    return rendered + RESET if color and _SGR_RE.search(rendered) else rendered


def strip_ansi(text: str) -> str:
    return _SGR_RE.sub("", text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or char in "\u200d\ufe0e\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def visible_width(text: str) -> int:
    """Terminal columns `text` takes: escapes take none, emoji and CJK take two."""
    return sum(_char_width(char) for char in strip_ansi(text))


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap that keeps blank lines and carries ANSI styling across breaks."""
    width = max(width, 10)
    lines: list[str] = []
    state = ""  # the style still in force at the end of the previous line, if any
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        line, line_width = state, 0
        for word in words:
            word_width = visible_width(word)
            if line_width and line_width + 1 + word_width > width:
                lines.append(line)
                line, line_width = state, 0
            if line_width:
                line += " "
                line_width += 1
            line += word
            line_width += word_width
            state = _carry(line, state)
        lines.append(line)
    # End every line that is still styled, so the bar and buttons around it stay plain.
    return [line + RESET if _last_state(line) not in ("", RESET) else line for line in lines]


def _carry(line: str, state: str) -> str:
    last = _last_state(line)
    if not last:
        return state
    return "" if last == RESET else last


def _last_state(text: str) -> str:
    found = _SGR_RE.findall(text)
    return found[-1] if found else ""


def button_keys(labels: Sequence[str]) -> list[str]:
    """What to type for each button: 1, 2, 3 … But on a keyboard with a number scale
    (0–10 pain, perhaps with a "Not now"), typing 3 must answer 3: buttons labelled with
    distinct whole numbers keep their numbers, the others count on after the largest."""
    stripped = [label.strip() for label in labels]
    numbers = [int(label) for label in stripped if label.isdigit()]
    if len(numbers) < 2 or len(set(numbers)) != len(numbers):
        return [str(index) for index in range(1, len(labels) + 1)]
    following = iter(range(max(numbers) + 1, max(numbers) + 1 + len(labels)))
    return [str(int(label)) if label.isdigit() else str(next(following)) for label in stripped]


def keyboard_rows(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [list(row) for row in rows if row]


def render_buttons(
    markup: dict[str, Any] | None, *, color: bool, width: int, prefix: str = "  "
) -> list[str]:
    """One line per keyboard row, `[1] Done  [2] Skip`, wrapped if a row is too wide."""
    rows = keyboard_rows(markup)
    labels = [str(button.get("text", "")) for row in rows for button in row]
    keys = iter(button_keys(labels))
    lines: list[str] = []
    for row in rows:
        cells = []
        for button in row:
            key = next(keys)
            label = str(button.get("text", ""))
            # A number button whose key is its label: "[3]", not "[3] 3".
            label = "" if label.strip() == key else label
            key = f"[{key}]"
            if color:
                key = sgr("1;33") + key + RESET
            if "url" in button:
                label += f" ↗ {button['url']}"
            cells.append(f"{key} {label}".rstrip())
        line, line_width = prefix, visible_width(prefix)
        for cell in cells:
            cell_width = visible_width(cell)
            if line_width > len(prefix) and line_width + 2 + cell_width > width:
                lines.append(line)
                line, line_width = prefix, visible_width(prefix)
            if line_width > len(prefix):
                line += "  "
                line_width += 2
            line += cell
            line_width += cell_width
        lines.append(line)
    return lines


def bubble(
    header: str,
    body: str,
    markup: dict[str, Any] | None,
    *,
    color: bool,
    width: int,
) -> list[str]:
    """A chat bubble: a header line, the text behind a bar, then the buttons."""
    bar = (sgr("2") + "│" + RESET + " ") if color else "│ "
    lines = [sgr("1;32") + header + RESET if color else header]
    lines += [(bar + line).rstrip(" ") for line in wrap(body, width - 2)]
    lines += render_buttons(markup, color=color, width=width)
    return lines
