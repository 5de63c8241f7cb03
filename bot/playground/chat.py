"""The terminal side of the playground: print what the bot does, turn what the person
types into updates.

It reads the emulator's event log (the same log the end-to-end tests wait on) and drives a
`ChatUser`, so the bot cannot tell the playground from a test or from Telegram. Input is
read without blocking the event loop, so a "Release now" prints while the person is idle.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.emulator import BotApiEmulator, ChatUser, Event, StoredMessage
from bot.playground.images import Protocol, escape, picture_for
from bot.playground.render import (
    RESET,
    bubble,
    button_keys,
    html_to_terminal,
    keyboard_rows,
    render_buttons,
    sgr,
    wrap,
)

PROMPT = "you › "
QUIT_COMMANDS = ("/quit", "/exit")
_PRESS_RE = re.compile(r"^(?:(\d+)\.)?(\d+)$")
_LOCATION_RE = re.compile(r"^/location(?:@\w+)?(?:\s+(.*))?$")
# A burst (a greeting and the safety screen) arrives within a few milliseconds: print it
# as one block rather than one prompt per message.
_BATCH_SECONDS = 0.05
# Piped input: wait until the bot has been quiet this long before the next line.
_SETTLE_SECONDS = 0.6


def _media_suffix(data: bytes, kind: str) -> str:
    signatures = {
        b"\xff\xd8\xff": ".jpg",
        b"\x89PNG": ".png",
        b"GIF8": ".gif",
        b"RIFF": ".webp",
    }
    for magic, suffix in signatures.items():
        if data.startswith(magic):
            return suffix
    if data[4:8] == b"ftyp":
        return ".mp4"
    if kind == "document":
        return ".csv"  # the bot's one document: /export
    return ".gif" if kind == "animation" else ".jpg"


class TerminalChat:
    """One person, one chat, one terminal."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user: ChatUser,
        *,
        media_dir: Path,
        out: TextIO | None = None,
        color: bool = False,
        interactive: bool = True,
        cursor_controls: bool = False,
        images: Protocol | None = None,
    ) -> None:
        self.emulator = emulator
        self.user = user
        self.media_dir = media_dir
        self.out = out if out is not None else sys.stdout
        self.color = color
        # A person at a terminal (a prompt, lines as they come) or a script piping lines in.
        self.interactive = interactive
        # May it move the cursor (clear the prompt line before printing above it)?
        self.cursor_controls = cursor_controls
        # Show pictures inline with this terminal protocol (None: print their path only).
        self.images = images
        self.cursor = 0
        self.last_event_at = time.monotonic()
        # What the terminal last showed of each message: (text, keyboard), to print edits
        # as what changed.
        self.shown: dict[int, tuple[str, dict[str, Any] | None]] = {}
        self.saved: set[int] = set()
        self.stopping = asyncio.Event()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._prompt_shown = False

    # -- output ------------------------------------------------------------------------

    @property
    def width(self) -> int:
        return max(30, min(shutil.get_terminal_size((80, 24)).columns, 100))

    def style(self, codes: str, text: str) -> str:
        return sgr(codes) + text + RESET if self.color else text

    def write(self, lines: list[str]) -> None:
        """Print above the prompt: clear the prompt line, print, show the prompt again."""
        if self._prompt_shown and self.interactive:
            self.out.write("\r\033[K" if self.cursor_controls else "\n")
        self.out.write("\n".join(lines) + "\n")
        self._prompt_shown = False
        self.prompt()

    def prompt(self) -> None:
        if self.interactive and not self._prompt_shown and not self.stopping.is_set():
            self.out.write(self.style("1;34", PROMPT))
            self._prompt_shown = True
        self.out.flush()

    def note(self, text: str) -> None:
        """A line from the playground itself (not the bot): dim, indented."""
        self.write([self.style("2", f"  {text}")])

    # -- the bot's side ----------------------------------------------------------------

    async def watch(self) -> None:
        """Print every event of this chat, in order, as it happens."""
        chat_id = self.user.chat_id
        while True:
            try:
                await self.emulator.wait_for(
                    lambda e: e.chat_id == chat_id, after=self.cursor, timeout=3600
                )
            except TimeoutError:
                continue
            await asyncio.sleep(_BATCH_SECONDS)
            batch = [e for e in self.emulator.events if e.seq > self.cursor]
            if not batch:
                continue
            self.cursor = batch[-1].seq
            self.last_event_at = time.monotonic()
            lines: list[str] = []
            for index, event in enumerate(batch):
                if event.chat_id == chat_id:
                    lines += self.render_event(event, batch[index + 1 :])
            if lines:
                self.write(lines)

    def render_event(self, event: Event, later: list[Event]) -> list[str]:
        message = event.message
        if event.kind == "answer":
            return self._render_answer(event)
        if message is None or event.kind == "action":
            return []
        key = message.message_id
        if event.kind == "delete":
            self.shown.pop(key, None)
            return [self.style("2", f"  (BackCoach deleted message #{key})")]
        # Show a message as it is now; a later edit in the same burst is then already shown.
        current = (message.text, message.reply_markup)
        if event.kind == "send":
            if key in self.shown:
                return []
            self.shown[key] = current
            body = html_to_terminal(message.text, color=self.color, parse_mode=message.parse_mode)
            lines = bubble(
                f"BackCoach #{key}", body, message.reply_markup, color=self.color, width=self.width
            )
            # As in the chat app: the picture first, its caption and buttons under it.
            return ["", lines[0], *self._save_media(message), *lines[1:]]
        if self.shown.get(key) == current:
            return []
        if any(e.kind == "edit" and e.message is message for e in later):
            return []  # a newer edit of this message follows in this burst: show that one
        return self._render_edit(message)

    def _render_answer(self, event: Event) -> list[str]:
        if not event.text:
            return []
        query_id = event.callback_query_id or ""
        answers = self.emulator.callback_answers.get(query_id) or [{}]
        alert = str(answers[-1].get("show_alert", "")).lower() in ("true", "1")
        label = "(alert)" if alert else "(toast)"
        return [self.style("35", f"  {label} {event.text}")]

    def _render_edit(self, message: StoredMessage) -> list[str]:
        """An edit prints only what changed: a countdown edited every few seconds becomes one
        short line per tick, not a wall of repeated text."""
        key = message.message_id
        old_text, old_markup = self.shown.get(key, ("", None))
        self.shown[key] = (message.text, message.reply_markup)
        header = f"BackCoach #{key} ✎ edited"
        text = html_to_terminal(message.text, color=self.color, parse_mode=message.parse_mode)
        old = html_to_terminal(old_text, color=self.color, parse_mode=message.parse_mode)
        new_lines, old_lines = text.split("\n"), old.split("\n")
        buttons_changed = message.reply_markup != old_markup
        if text == old:
            if not buttons_changed:
                return []
            if not keyboard_rows(message.reply_markup):
                return [self.style("2", f"  ✎ #{key}: buttons removed")]
            notice = self.style("2", f"  ✎ #{key}: new buttons")
            return [
                notice,
                *render_buttons(message.reply_markup, color=self.color, width=self.width),
            ]
        changed = [
            i for i, line in enumerate(new_lines) if i >= len(old_lines) or old_lines[i] != line
        ]
        if len(new_lines) == len(old_lines) and len(new_lines) > 1 and len(changed) == 1:
            line = new_lines[changed[0]]
            lines = [
                self.style("32", f"  ✎ #{key}: ") + row
                for row in wrap(line, self.width - len(f"  ✎ #{key}: "))
            ]
            if buttons_changed:
                lines += render_buttons(message.reply_markup, color=self.color, width=self.width)
            return lines
        return ["", *bubble(header, text, message.reply_markup, color=self.color, width=self.width)]

    def _save_media(self, message: StoredMessage) -> list[str]:
        if message.kind == "text" or message.message_id in self.saved:
            return []
        self.saved.add(message.message_id)
        label = {"animation": "🎞 animation", "document": "📄 file"}.get(message.kind, "🖼 photo")
        if message.media is None:
            return [self.style("2", f"  {label} (sent by reference, nothing to save)")]
        suffix = _media_suffix(message.media, message.kind)
        path = self.media_dir / f"{message.message_id:04d}-{message.kind}{suffix}"
        try:
            self.media_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.media)
        except OSError as exc:
            return [self.style("2", f"  {label} could not be saved to {path}: {exc.strerror}")]
        lines = [self.style("2", f"  {label} saved to {path}")]
        if self.images is not None:
            picture = picture_for(path)
            if picture is not None:
                lines.append("  " + escape(self.images, picture, min(48, self.width - 4)))
        return lines

    # -- the person's side -------------------------------------------------------------

    def latest_with_buttons(self) -> StoredMessage | None:
        """The newest bot message in the chat that still has buttons."""
        candidates = [
            message
            for (chat_id, _), message in self.emulator.messages.items()
            if chat_id == self.user.chat_id and message.from_bot and message.buttons
        ]
        return max(candidates, key=lambda message: message.message_id, default=None)

    async def handle(self, line: str) -> None:
        """One line the person typed."""
        self._prompt_shown = False  # Enter moved the cursor past the prompt
        text = line.strip()
        if not text:
            self.prompt()
            return
        if not self.interactive:
            # Nobody sees the terminal echo a pipe: show what was "typed", as in a chat.
            self.write([self.style("1;34", PROMPT) + text])
        if text.lower() in QUIT_COMMANDS:
            self.stopping.set()
            return
        if text.startswith("\\"):
            await self.user.send(text[1:])  # \3 sends "3" as text, not a button press
            return
        location = _LOCATION_RE.match(text)
        if location:
            await self.share_location(location.group(1) or "")
            return
        press = _PRESS_RE.match(text)
        if press and (press.group(1) or self.latest_with_buttons() is not None):
            await self.press(int(press.group(1)) if press.group(1) else None, press.group(2))
            return
        await self.user.send(text)
        self.prompt()

    async def share_location(self, arguments: str) -> None:
        numbers = re.findall(r"-?\d+(?:\.\d+)?", arguments)
        if len(numbers) != 2:
            self.note("Usage: /location LATITUDE LONGITUDE, e.g. /location 52.52 13.40")
            return
        latitude, longitude = float(numbers[0]), float(numbers[1])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            self.note("Latitude goes from -90 to 90, longitude from -180 to 180.")
            return
        await self.user.share_location(latitude, longitude)
        self.note(f"📍 shared location {latitude}, {longitude}")

    async def press(self, message_id: int | None, key: str) -> None:
        if message_id is None:
            message = self.latest_with_buttons()
        else:
            message = self.emulator.messages.get((self.user.chat_id, message_id))
        if message is None or not message.from_bot or not message.buttons:
            where = f"message #{message_id}" if message_id else "the chat"
            self.note(f"No buttons on {where}. Type text or a /command to send it.")
            return
        keys = button_keys(message.button_labels)
        if key.lstrip("0") not in [k.lstrip("0") for k in keys]:
            self.note(
                f"No button [{key}] on message #{message.message_id}: choose {', '.join(keys)}."
            )
            return
        button = message.buttons[[k.lstrip("0") for k in keys].index(key.lstrip("0"))]
        label = str(button.get("text", ""))
        if "callback_data" in button:
            self.note(f"→ pressed “{label}”")
            await self.user.press_nowait(str(button["callback_data"]), message)
        elif "url" in button:
            self.note(f"“{label}” opens {button['url']}")
        else:
            self.note(f"“{label}” does nothing here.")

    # -- the loop ----------------------------------------------------------------------

    def _start_reading(self, stdin: TextIO) -> Callable[[], None]:
        """Feed typed lines into the queue without blocking the loop: a reader on the file
        descriptor where the platform allows it, else a daemon thread. Returns the undo."""
        loop = asyncio.get_running_loop()
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = [""]
        fd = stdin.fileno()

        def readable() -> None:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(fd)
                if pending[0].strip():
                    self._lines.put_nowait(pending[0])
                self._lines.put_nowait(None)
                return
            pending[0] += decoder.decode(data)
            *complete, pending[0] = pending[0].split("\n")
            for line in complete:
                self._lines.put_nowait(line)

        try:
            loop.add_reader(fd, readable)
        except (NotImplementedError, PermissionError, OSError):
            pass
        else:

            def stop() -> None:
                loop.remove_reader(fd)

            return stop

        def thread() -> None:
            for line in stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\n"))
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

        threading.Thread(target=thread, name="playground-input", daemon=True).start()
        return lambda: None

    async def _settle(self) -> None:
        """For piped input: let the bot answer before the next line, as a person would."""
        deadline = time.monotonic() + 10
        await asyncio.sleep(_SETTLE_SECONDS)
        while time.monotonic() < deadline:
            quiet = time.monotonic() - self.last_event_at
            if quiet >= _SETTLE_SECONDS:
                return
            await asyncio.sleep(_SETTLE_SECONDS - quiet)

    async def read_lines(self) -> None:
        while True:
            line = await self._lines.get()
            if line is None:
                self.stopping.set()
                return
            await self.handle(line)
            if self.stopping.is_set():
                return
            if not self.interactive:
                await self._settle()

    async def run(self, stdin: TextIO | None = None, banner: Sequence[str] = ()) -> None:
        """Until /quit, Ctrl-D (end of input), Ctrl-C or SIGTERM. The banner is printed once
        Ctrl-C is ours, so whoever reads it can already leave cleanly."""
        loop = asyncio.get_running_loop()
        stop_reading = self._start_reading(stdin if stdin is not None else sys.stdin)
        signals: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.stopping.set)
                signals.append(sig)
        if banner:
            self.write([self.style("2", row) for line in banner for row in wrap(line, self.width)])
        self.prompt()
        tasks = [asyncio.create_task(self.watch()), asyncio.create_task(self.read_lines())]
        try:
            await self.stopping.wait()
            if not self.interactive:
                await self._settle()  # piped input: show the last answers before leaving
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            stop_reading()
            for sig in signals:
                loop.remove_signal_handler(sig)
        if self._prompt_shown and self.interactive:
            self.out.write("\n")
        self._prompt_shown = False
        self.out.flush()
