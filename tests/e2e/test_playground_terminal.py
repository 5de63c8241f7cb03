"""The local playground, used as a person would: a real process on a pseudo-terminal, typing
lines and reading the screen. Nothing here imports the playground; only what the terminal
shows counts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.slow

EXPECT_TIMEOUT = 15
# Wide enough that the sentences we look for are not wrapped.
DIMENSIONS = (60, 200)
# A well-formed token and an unreachable API: the playground must ignore both.
FAKE_TOKEN = "123456789:TEST-token-for-the-emulator-0000000"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # COLUMNS/LINES (pytest-xdist's workers set 80×24) would override the pty's size.
        if key
        not in (
            "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_API_URL",
            "DATABASE_PATH",
            "BACKCOACH_SPEED",
            "COLUMNS",
            "LINES",
        )
    }
    env.update(NO_COLOR="1", TERM="xterm", HOME=str(tmp_path), **extra)
    return env


def _spawn(tmp_path: Path, args: list[str], **env: str) -> pexpect.spawn[str]:
    # cwd is a temporary folder: no developer .env is read, data/ lands there.
    return pexpect.spawn(
        sys.executable,
        ["-m", "bot", *args],
        cwd=str(tmp_path),
        env=_env(tmp_path, **env),
        encoding="utf-8",
        timeout=EXPECT_TIMEOUT,
        dimensions=DIMENSIONS,
    )


@pytest.fixture
def playground(tmp_path: Path, media_cache: Path) -> Iterator[pexpect.spawn[str]]:
    child = _spawn(
        tmp_path,
        [
            "playground",
            "--speed",
            "20",
            "--database",
            str(tmp_path / "pg.sqlite3"),
            "--media-dir",
            str(tmp_path / "media"),
            "--name",
            "Alex",
        ],
        TELEGRAM_BOT_TOKEN=FAKE_TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",
        # The tests' drawn pictures: no playground spends seconds drawing them again.
        MEDIA_DIR=str(media_cache),
    )
    try:
        child.expect_exact("Speed ×20")
        child.expect_exact("Say /start to begin.")
        yield child
    finally:
        child.close(force=True)


def _group(child: pexpect.spawn[str]) -> str:
    """The first group of the last `expect` match (pexpect types it loosely)."""
    match = child.match
    assert isinstance(match, re.Match)
    return str(match.group(1))


def _key(child: pexpect.spawn[str], label: str) -> str:
    """Read the number printed in front of a button, as a person would."""
    child.expect(r"\[(\d+)\] " + re.escape(label))
    return str(_group(child))


def _pass_safety_screen(child: pexpect.spawn[str]) -> None:
    child.sendline("/start")
    child.expect_exact("Hi, Alex!")
    child.expect_exact("safety check")
    child.sendline(_key(child, "✅ None of these apply"))
    child.expect_exact("(toast) Thanks!")
    child.expect_exact("Send /routine when you're ready.")


def _quit(child: pexpect.spawn[str]) -> None:
    child.sendline("/quit")
    child.expect_exact("Bye.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")


def test_playground_start_safety_screen_and_quit(
    playground: pexpect.spawn[str], tmp_path: Path
) -> None:
    child = playground
    _pass_safety_screen(child)
    # A number with no buttons left to press, and a command the bot answers.
    child.sendline("/help")
    child.expect_exact("What I can do")
    child.sendline("/location 52.52 13.40")
    child.expect_exact("shared location 52.52, 13.4")
    _quit(child)
    assert (tmp_path / "pg.sqlite3").is_file()


def _routine_through_the_first_hold(child: pexpect.spawn[str]) -> None:
    child.sendline("/routine")
    child.expect_exact("How is your pain right now, from 0")
    child.expect_exact("[9]  [10]")  # a 0–10 scale keeps its numbers: typing 3 answers 3
    child.sendline("3")
    child.expect_exact("pressed “3”")
    child.expect_exact("Back flexion stretch")

    # Step through with "Next ▶" until the last step offers the hold.
    next_key = ""
    for _ in range(8):
        found = child.expect(
            [r"\[(\d+)\][^\[\n]*Start the 20 s hold", r"\[(\d+)\][^\[\n]*Next ▶", r"✎ #\d+: "]
        )
        if found == 0:
            child.sendline(_group(child))
            break
        if found == 1:
            next_key = _group(child)
        assert next_key, "no Next ▶ button seen"
        child.sendline(next_key)
    else:
        pytest.fail("the hold never started")

    child.expect_exact("Hold for 20 seconds")
    # At speed 20 the hold takes one second and ends with a new message.
    child.expect(r"BackCoach #\d+\r?\n[^\n]*Release now")


def test_playground_routine_through_a_timed_hold(playground: pexpect.spawn[str]) -> None:
    child = playground
    _pass_safety_screen(child)
    _routine_through_the_first_hold(child)
    child.expect(r"\[(\d+)\][^\[\n]*Next exercise ▶")
    child.sendline(_group(child))
    child.expect_exact("2/5 · Cat/cow stretch")
    _quit(child)


def test_playground_session_from_start_to_a_question(playground: pexpect.spawn[str]) -> None:
    """The whole of issue 5's session: safety screen, a timed hold, a question, /quit."""
    child = playground
    _pass_safety_screen(child)
    _routine_through_the_first_hold(child)
    child.sendline("why glute bridge?")
    child.expect(r"(?i)glute")
    child.expect(r"(?i)pelvis")
    child.expect(r"(?i)sacrum")
    _quit(child)


def test_ctrl_c_ends_the_playground_cleanly(playground: pexpect.spawn[str]) -> None:
    child = playground
    child.sendintr()
    child.expect_exact("Bye.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")


def test_no_token_on_a_terminal_opens_the_playground(tmp_path: Path, media_cache: Path) -> None:
    live_db = tmp_path / "live.sqlite3"
    child = _spawn(tmp_path, [], DATABASE_PATH=str(live_db), MEDIA_DIR=str(media_cache))
    try:
        child.expect_exact(
            "Starting the local playground (no TELEGRAM_BOT_TOKEN set). "
            "To go live, put your token from @BotFather in .env"
        )
        child.expect_exact("Database data/playground.sqlite3")
        child.expect_exact("Say /start to begin.")
        child.sendeof()  # Ctrl-D
        child.expect_exact("Bye.")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    finally:
        child.close(force=True)
    # Its own database, never the live one.
    assert (tmp_path / "data" / "playground.sqlite3").is_file()
    assert not live_db.exists()


def test_no_token_and_no_terminal_fails_with_the_token_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=30,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr
    assert "playground" not in result.stdout
