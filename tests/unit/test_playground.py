"""The playground's pure parts: how messages look, how edits collapse, which settings win."""

from __future__ import annotations

import asyncio
import base64
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest
from PIL import Image, ImageChops, ImageStat

from bot.config import ConfigError
from bot.core.clock import ScaledClock
from bot.emulator import BotApiEmulator, ChatUser, Event, StoredMessage
from bot.playground import PlaygroundOptions, images, playground_settings
from bot.playground.chat import TerminalChat
from bot.playground.render import (
    RESET,
    button_keys,
    html_to_terminal,
    render_buttons,
    strip_ansi,
    visible_width,
    wrap,
)

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Done", "callback_data": "d"}, {"text": "Skip", "callback_data": "s"}],
        [{"text": "Why?", "callback_data": "w"}],
    ]
}


def test_html_becomes_ansi_on_a_colour_terminal_and_plain_text_elsewhere() -> None:
    text = "<b>Hold</b> for <i>20</i> s &amp; breathe: <code>/routine</code>"
    assert html_to_terminal(text, color=False) == "Hold for 20 s & breathe: /routine"
    styled = html_to_terminal(text, color=True)
    assert "\033[0;1mHold" + RESET in styled
    assert "\033[0;3m20" in styled
    assert strip_ansi(styled) == "Hold for 20 s & breathe: /routine"


def test_nested_tags_restore_the_outer_style_and_links_show_their_address() -> None:
    styled = html_to_terminal("<b>bold <i>both</i> bold</b>", color=True)
    assert "\033[0;1;3mboth\033[0;1m bold" in styled
    link = html_to_terminal('see <a href="https://nhs.uk">the NHS</a>', color=False)
    assert link == "see the NHS (https://nhs.uk)"


def test_wrap_carries_a_style_across_lines_and_resets_at_each_end() -> None:
    styled = html_to_terminal("<b>" + "word " * 10 + "</b>end", color=True)
    lines = wrap(styled, 20)
    assert len(lines) > 2
    assert all(visible_width(line) <= 20 for line in lines)
    assert lines[1].startswith("\033[0;1m") and lines[0].endswith(RESET)
    assert strip_ansi(" ".join(lines)).split() == ["word"] * 10 + ["end"]


def test_buttons_are_numbered_and_a_number_scale_keeps_its_own_numbers() -> None:
    lines = render_buttons(KEYBOARD, color=False, width=80)
    assert lines == ["  [1] Done  [2] Skip", "  [3] Why?"]
    assert button_keys([str(n) for n in range(11)]) == [str(n) for n in range(11)]
    assert button_keys(["0", "1", "2", "🛑 Not now"]) == ["0", "1", "2", "3"]
    assert button_keys(["1 – mild", "2 – bad"]) == ["1", "2"]
    assert button_keys(["1", "1", "Back"]) == ["1", "2", "3"]
    scale = {"inline_keyboard": [[{"text": "0"}, {"text": "1"}], [{"text": "Not now"}]]}
    assert render_buttons(scale, color=False, width=80) == ["  [0]  [1]", "  [2] Not now"]


def _chat(emulator: BotApiEmulator, tmp_path: Path) -> TerminalChat:
    return TerminalChat(
        emulator, ChatUser(emulator), media_dir=tmp_path, out=io.StringIO(), color=False
    )


def test_a_countdown_prints_one_short_line_per_tick(tmp_path: Path) -> None:
    emulator = BotApiEmulator()
    chat = _chat(emulator, tmp_path)
    message = StoredMessage(
        chat_id=1001,
        message_id=7,
        date=0,
        from_bot=True,
        text="<b>Hold for 20 seconds</b>\n⏱ 20 s left",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    first = chat.render_event(Event(1, "send", 1001, message, message.plain), [])
    assert "Hold for 20 seconds" in "\n".join(first)
    assert "  [1] Done  [2] Skip" in first

    message.text = "<b>Hold for 20 seconds</b>\n⏱ 10 s left"
    tick = chat.render_event(Event(2, "edit", 1001, message, message.plain), [])
    assert tick == ["  ✎ #7: ⏱ 10 s left"]

    # Two edits in one burst: only the newest is printed.
    message.text = "<b>Hold for 20 seconds</b>\n⏱ 5 s left"
    older = Event(3, "edit", 1001, message, message.plain)
    newer = Event(4, "edit", 1001, message, message.plain)
    assert chat.render_event(older, [newer]) == []
    assert chat.render_event(newer, []) == ["  ✎ #7: ⏱ 5 s left"]
    assert chat.render_event(newer, []) == []


def test_photos_are_saved_and_their_path_printed(tmp_path: Path) -> None:
    emulator = BotApiEmulator()
    chat = _chat(emulator, tmp_path)
    photo = StoredMessage(
        chat_id=1001,
        message_id=3,
        date=0,
        from_bot=True,
        text="Knee hug",
        kind="photo",
        media=b"\x89PNG\r\n fake",
    )
    lines = chat.render_event(Event(1, "send", 1001, photo, "Knee hug"), [])
    saved = tmp_path / "0003-photo.png"
    assert saved.read_bytes() == b"\x89PNG\r\n fake"
    assert f"  🖼 photo saved to {saved}" in lines


def test_callback_answers_print_as_toasts(tmp_path: Path) -> None:
    chat = _chat(BotApiEmulator(), tmp_path)
    event = Event(1, "answer", 1001, text="Thanks!", callback_query_id="1")
    assert chat.render_event(event, []) == ["  (toast) Thanks!"]


@pytest.fixture
def keyboard() -> Iterator[TextIO]:
    """A stdin nobody types into (the read end of a pipe kept open)."""
    read_end, write_end = os.pipe()
    with open(read_end) as stdin, open(write_end, "w"):
        yield stdin


async def test_quit_typed_just_as_the_bot_answers_still_ends_the_chat(
    tmp_path: Path, keyboard: TextIO
) -> None:
    """The person types /quit in the same instant a reply arrives (the e2e test's
    /location then /quit on a busy machine): the chat must still end, not keep watching."""
    emulator = BotApiEmulator()
    user = ChatUser(emulator)
    chat = TerminalChat(emulator, user, media_dir=tmp_path, out=io.StringIO(), color=False)
    running = asyncio.create_task(chat.run(keyboard))
    await asyncio.sleep(0.1)  # the chat is idle, watching for the bot
    # Anything new in the emulator wakes the watcher; /quit lands before it has run again.
    await user.send("hello")
    await chat.handle("/quit")
    done, _ = await asyncio.wait({running}, timeout=5)
    assert done, "the chat kept watching after /quit"
    assert running.exception() is None


def test_the_playground_ignores_the_live_token_api_and_database() -> None:
    environ = {
        "TELEGRAM_BOT_TOKEN": "not even well-formed",
        "TELEGRAM_API_URL": "https://api.telegram.org",
        "DATABASE_PATH": "data/backcoach.sqlite3",
        "DATABASE_URL": "postgresql://bot:pw@db.internal/backcoach",
        "REMINDER_SWEEP_SECONDS": "60",
    }
    settings = playground_settings(PlaygroundOptions(speed=10), environ)
    assert settings.database == Path("data/playground.sqlite3")
    assert settings.token != environ["TELEGRAM_BOT_TOKEN"]
    assert settings.speed == 10
    # The sweep interval is scaled once, by the one ScaledClock: 60 s / 10 = 6 s.
    clock = ScaledClock(settings.speed)
    assert clock.real_seconds(settings.reminder_sweep_seconds) == pytest.approx(6)

    chosen = playground_settings(PlaygroundOptions(database=Path("/tmp/x.sqlite3")), environ)
    assert chosen.database_path == Path("/tmp/x.sqlite3")
    assert chosen.speed == 1


def test_speed_comes_from_the_environment_unless_given() -> None:
    assert playground_settings(PlaygroundOptions(), {"BACKCOACH_SPEED": "5"}).speed == 5
    assert playground_settings(PlaygroundOptions(speed=2), {"BACKCOACH_SPEED": "5"}).speed == 2
    with pytest.raises(ConfigError):
        playground_settings(PlaygroundOptions(speed=0), {})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM_PROGRAM": "iTerm.app", "TERM": "xterm-256color"}, "iterm"),
        ({"TERM_PROGRAM": "WezTerm"}, "iterm"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "xterm-sixel"}, "sixel"),
        ({"TERM": "xterm-256color"}, None),  # no way to tell: the path only
        ({"TERM": "xterm-kitty", "BACKCOACH_IMAGES": "off"}, None),
        ({"TERM": "xterm", "BACKCOACH_IMAGES": "sixel"}, "sixel"),
    ],
)
def test_the_terminal_picks_how_pictures_show(
    environ: dict[str, str | None], expected: str | None
) -> None:
    assert images.detect(environ, is_tty=True) == expected


def test_no_inline_pictures_into_a_pipe() -> None:
    assert images.detect({"TERM": "xterm-kitty"}, is_tty=False) is None


def _png_of(escape_text: str, start: str, end: str) -> bytes:
    payload = "".join(
        part.split(";", 1)[1] for part in escape_text.split(end) if part.startswith(start)
    )
    return base64.b64decode(payload)


def test_kitty_and_iterm_get_the_picture_as_png_and_sixel_as_sixels() -> None:
    picture = Image.new("RGB", (640, 480), (246, 242, 234))
    picture.paste((226, 118, 52), (100, 100, 300, 300))
    kitty = images.escape("kitty", picture, 40)
    assert kitty.startswith("\033_Ga=T,f=100,c=40,")
    with Image.open(io.BytesIO(_png_of(kitty, "\033_G", "\033\\"))) as shown:
        assert shown.size == (640, 480)
    iterm = images.escape("iterm", picture, 40)
    assert iterm.startswith("\033]1337;File=inline=1;") and ";width=40;" in iterm
    data = base64.b64decode(iterm.split(":", 1)[1].rstrip("\a"))
    assert data.startswith(b"\x89PNG")
    sixels = images.escape("sixel", picture, 40)
    assert sixels.startswith('\033Pq"1;1;320;240') and sixels.endswith("\033\\")
    assert "#" in sixels and "-" in sixels


def test_a_loop_shows_as_where_it_starts_and_where_it_goes(tmp_path: Path) -> None:
    loop = Path(__file__).resolve().parents[2] / "docs" / "pictures" / "knee_rocks-loop.mp4"
    strip = images.picture_for(loop)
    assert strip is not None and strip.size == (1280, 480)
    left, right = strip.crop((0, 0, 640, 480)), strip.crop((640, 0, 1280, 480))
    assert ImageStat.Stat(ImageChops.difference(left, right)).mean[0] > 1.0


def test_a_picture_is_shown_inline_after_its_path(tmp_path: Path) -> None:
    emulator = BotApiEmulator()
    chat = TerminalChat(
        emulator, ChatUser(emulator), media_dir=tmp_path, out=io.StringIO(), images="iterm"
    )
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (62, 92, 122)).save(buffer, format="PNG")
    photo = StoredMessage(
        chat_id=1001, message_id=4, date=0, from_bot=True, text="Knee hug", kind="photo",
        media=buffer.getvalue(),
    )  # fmt: skip
    lines = chat.render_event(Event(1, "send", 1001, photo, "Knee hug"), [])
    saved = lines.index(f"  🖼 photo saved to {tmp_path / '0004-photo.png'}")
    assert lines[saved + 1].startswith("  \033]1337;File=inline=1;")
