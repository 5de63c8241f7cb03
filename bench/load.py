"""Closed-loop users for the throughput benchmarks: each sends one update, waits until the
bot has answered it, then sends the next. Shared by `bench.throughput` and
`bench.profile_button`."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bench.harness import Emulator
from bot.emulator import ChatUser, StoredMessage
from bot.emulator.server import Event

# The buttons a user presses to walk through a routine, in order of preference.
WALK = ("Start the", "Next ▶", "Next exercise", "Done", "Finish")
PAIN_PROMPT = "How is your pain"
TIMEOUT = 120.0


@dataclass
class Tally:
    """Updates the users sent (each answered) and how long each took, wall clock."""

    updates: int = 0
    latencies: list[float] = field(default_factory=list)
    counting: bool = False
    pause: float = 0.0  # seconds a user waits between updates (0: closed loop)

    def record(self, started: float, *, timed: bool = True) -> None:
        if self.counting:
            self.updates += 1
            if timed:
                self.latencies.append(time.perf_counter() - started)

    async def rest(self) -> None:
        if self.pause:
            await asyncio.sleep(self.pause)


async def _next_event(user: ChatUser, predicate: Callable[[Event], bool]) -> Event:
    return await user.expect(predicate, timeout=TIMEOUT)


async def set_up(user: ChatUser) -> None:
    """/start and the safety screen, so that the user may exercise."""
    await user.send("/start")
    await user.expect_message("safety check", timeout=TIMEOUT)
    await user.press("None of these apply", timeout=TIMEOUT)


def _choose(message: StoredMessage) -> dict[str, Any] | None:
    buttons = message.buttons
    if PAIN_PROMPT.lower() in message.plain.lower():
        score = "2" if "now" in message.plain.split(",")[0] else "4"
        return next((b for b in buttons if b.get("text") == score), None)
    for wanted in WALK:
        for button in buttons:
            if wanted in str(button.get("text", "")):
                return button
    return None


async def walk(user: ChatUser, tally: Tally, running: Callable[[], bool]) -> None:
    """Routines, one after another: /routine, a pain score, every step's main button
    (holds included: their countdown and "Release now" are part of the load), the pain
    score after, the summary. Each command and press counts as one update."""
    while running():
        started = time.perf_counter()
        await user.send("/routine")
        event = await _next_event(
            user, lambda e: e.kind == "send" and PAIN_PROMPT.lower() in e.text.lower()
        )
        tally.record(started)
        await tally.rest()
        assert event.message is not None
        message: StoredMessage = event.message
        pressed: set[str] = set()
        while True:
            button = _choose(message)
            if button is None:
                raise AssertionError(f"nothing to press on: {message.plain!r}")
            data = str(button["callback_data"])
            pressed.add(data)
            holding = "Start the" in str(button.get("text"))
            started = time.perf_counter()
            user.cursor = len(user.emulator.events)
            await user.press_nowait(data, message)

            def settled(e: Event, pressed: set[str] = pressed) -> bool:
                if e.kind == "send" and "Routine complete" in e.text:
                    return True
                if e.kind not in ("send", "edit") or e.message is None:
                    return False
                chosen = _choose(e.message)
                return chosen is not None and str(chosen["callback_data"]) not in pressed

            event = await _next_event(user, settled)
            # A hold's press is answered at once; what comes next waits for the timer.
            tally.record(started, timed=not holding)
            await tally.rest()
            if "Routine complete" in event.text:
                break
            assert event.message is not None
            message = event.message


async def ask(user: ChatUser, tally: Tally, running: Callable[[], bool]) -> None:
    """Questions in the user's own words, one after another."""
    questions = itertools.cycle(
        ["why glute bridge?", "how long should I hold the knee hug?", "is cat cow safe?"]
    )
    while running():
        started = time.perf_counter()
        user.cursor = len(user.emulator.events)
        await user.send(next(questions))
        await _next_event(user, lambda e: e.kind == "send")
        tally.record(started)
        await tally.rest()


async def help_command(user: ChatUser, tally: Tally, running: Callable[[], bool]) -> None:
    """/help, one after another."""
    while running():
        started = time.perf_counter()
        user.cursor = len(user.emulator.events)
        await user.send("/help")
        await _next_event(user, lambda e: e.kind == "send" and "What I can do" in e.text)
        tally.record(started)
        await tally.rest()


async def echo(user: ChatUser, tally: Tally, running: Callable[[], bool]) -> None:
    """Text to the baseline echo bot."""
    n = 0
    while running():
        n += 1
        started = time.perf_counter()
        user.cursor = len(user.emulator.events)
        await user.send(f"hello {n}")
        await _next_event(user, lambda e: e.kind == "send")
        tally.record(started)


async def press_plain(user: ChatUser, tally: Tally, running: Callable[[], bool]) -> None:
    """Button presses to the baseline bot: it answers and edits the message."""
    emulator = user.emulator
    message = StoredMessage(
        chat_id=user.chat_id,
        message_id=10**6,
        date=int(time.time()),
        from_bot=True,
        text="press me",
        reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "b"}]]},
    )
    emulator.messages[(user.chat_id, message.message_id)] = message
    n = 0
    while running():
        n += 1
        started = time.perf_counter()
        user.cursor = len(emulator.events)
        await user.press_nowait(f"b{n}", message)
        await _next_event(user, lambda e: e.kind == "edit")
        tally.record(started)


Scenario = Callable[[ChatUser, Tally, Callable[[], bool]], Coroutine[Any, Any, None]]


async def run_load(
    emulator: Emulator,
    users: list[ChatUser],
    scenario: Scenario,
    *,
    warm_up: float,
    seconds: float,
    on_start: Callable[[], Coroutine[Any, Any, None]] | None = None,
    on_end: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> tuple[Tally, float]:
    """Run `scenario` for every user: `warm_up` seconds uncounted, then `seconds` counted
    (between `on_start` and `on_end`, where the caller reads its counters). Returns the
    tally and the counted seconds."""
    tally = Tally()
    stop = False
    tasks = [asyncio.create_task(scenario(user, tally, lambda: not stop)) for user in users]
    await asyncio.sleep(warm_up)
    if on_start is not None:
        await on_start()
    tally.counting = True
    began = time.perf_counter()
    await asyncio.sleep(seconds)
    tally.counting = False
    counted = time.perf_counter() - began
    if on_end is not None:
        await on_end()
    stop = True
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException) and not _cancelled(r)]
    if failures:
        raise failures[0]
    return tally, counted


def _cancelled(exc: BaseException) -> bool:
    return isinstance(exc, asyncio.CancelledError)
