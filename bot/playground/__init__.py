"""The local playground: the real bot, unchanged, talking HTTP on 127.0.0.1 to the embedded
Bot API emulator, with a chat in the terminal. Nobody needs a Telegram bot to try BackCoach,
and whoever edits `content/` sees the result at once.

It never talks to Telegram: the API URL is always the emulator's, and a token in the
environment is ignored. It keeps its own database (`data/playground.sqlite3`) unless
`--database` says otherwise; DATABASE_PATH is the live bot's and is ignored here.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import PLAYGROUND_DATABASE_PATH, ConfigError, Settings, load_settings
from bot.content import Content, ContentError, load_content
from bot.logs import configure_logging
from db.connection import DatabaseError

if TYPE_CHECKING:
    from bot.media.figures import MediaLibrary

AUTO_START_LINE = (
    "Starting the local playground (no TELEGRAM_BOT_TOKEN set). "
    "To go live, put your token from @BotFather in .env"
)
DEFAULT_MEDIA_DIR = Path("data/playground-media")
# Settings that belong to the live bot and must not leak into the playground.
_LIVE_ONLY = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_PATH", "DATABASE_URL")
# The playground's one user: a fixed id, so the playground database remembers them.
PLAYGROUND_USER_ID = 1001

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlaygroundOptions:
    speed: float | None = None
    database: Path | None = None
    media_dir: Path | None = None
    name: str | None = None


def playground_settings(options: PlaygroundOptions, environ: Mapping[str, str | None]) -> Settings:
    """The live settings minus everything that points at Telegram or the live database,
    with --speed applied to holds and to the reminder sweep alike."""
    env = {key: value for key, value in environ.items() if key not in _LIVE_ONLY}
    settings = load_settings(
        env,
        require_token=False,
        default_database=options.database or PLAYGROUND_DATABASE_PATH,
    )
    speed = settings.speed if options.speed is None else options.speed
    if not 0 < speed <= 1000:
        raise ConfigError(f"--speed must be a number from 0.01 to 1000, got {speed:g}.")
    # The reminder service scales its own sweep interval by the speed.
    return settings.with_overrides(speed=speed)


def _default_name() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        return "Friend"
    name = name.replace(".", " ").replace("_", " ").strip().title()
    return name if name and name.isascii() and name.replace(" ", "").isalpha() else "Friend"


def _banner(settings: Settings, api_url: str, log_file: Path, media_dir: Path) -> list[str]:
    lines = [
        "BackCoach playground: the real bot, talking to a Bot API emulator at "
        f"{api_url} (nothing goes to Telegram).",
        f"Database {settings.database_path} · log {log_file} · pictures in {media_dir}/",
    ]
    if settings.speed != 1:
        lines.append(
            f"Speed ×{settings.speed:g}: holds, countdowns, snoozes and the reminder check run "
            f"{settings.speed:g} times faster."
        )
    lines += [
        "Type a message or a /command. A number presses a button of the latest message "
        "with buttons (5.2: button 2 of message #5; \\3 sends 3 as text).",
        "/location 52.52 13.40 shares a location. /quit or Ctrl-D leaves. Say /start to begin.",
    ]
    return lines


async def _serve(
    settings: Settings,
    content: Content,
    media: MediaLibrary,
    options: PlaygroundOptions,
    log_file: Path,
    *,
    stdin: TextIO,
    stdout: TextIO,
    environ: Mapping[str, str | None],
) -> None:
    from bot.app import build_application, start_application, stop_application
    from bot.emulator import BotApiEmulator, ChatUser
    from bot.playground.chat import TerminalChat
    from bot.playground.images import detect

    emulator = BotApiEmulator()
    await emulator.start()
    app = None
    try:
        settings = settings.with_overrides(api_url=emulator.url)
        app = build_application(settings, content=content, media=media)
        await start_application(app)
        media_dir = options.media_dir or DEFAULT_MEDIA_DIR
        is_tty = stdout.isatty()
        color = is_tty and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"
        user = ChatUser(
            emulator, user_id=PLAYGROUND_USER_ID, first_name=options.name or _default_name()
        )
        chat = TerminalChat(
            emulator,
            user,
            media_dir=media_dir,
            out=stdout,
            color=color,
            interactive=stdin.isatty(),
            cursor_controls=is_tty and environ.get("TERM") != "dumb",
            images=detect(environ, is_tty),
        )
        await chat.run(stdin, banner=_banner(settings, emulator.url, log_file, media_dir))
        chat.out.write(
            chat.style("2", f"Bye. The playground remembers you in {settings.database_path}.")
            + "\n"
        )
        chat.out.flush()
    finally:
        if app is not None:
            try:
                await stop_application(app)
            except Exception:  # a half-started app: log it, still stop the emulator
                log.exception("stopping the playground application failed")
        await emulator.stop()


def run_playground(
    options: PlaygroundOptions,
    *,
    environ: Mapping[str, str | None] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run until the person leaves. Returns the exit status; expected failures (bad
    settings, content or database) print one line and return 2, like the live bot."""
    from bot.config import load_environment

    env = load_environment() if environ is None else environ
    try:
        settings = playground_settings(options, env)
        content = load_content()
        from bot.media.figures import MediaLibrary

        media = MediaLibrary.load(settings.media_path, content)
    except (ConfigError, ContentError) as exc:
        print(f"backcoach: {exc}", file=sys.stderr)
        return 2
    log_file = settings.database_path.with_suffix(".log")
    try:
        configure_logging(settings.log_level, [], file=log_file)
    except OSError as exc:
        print(
            f"backcoach: cannot write the playground log {log_file}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(
            _serve(
                settings,
                content,
                media,
                options,
                log_file,
                stdin=stdin or sys.stdin,
                stdout=stdout or sys.stdout,
                environ=env,
            )
        )
    except DatabaseError as exc:
        # The playground's database is chosen with --database, not DATABASE_PATH.
        print(f"backcoach: {str(exc).replace('DATABASE_PATH', '--database')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while starting, before the chat took the signal
        with contextlib.suppress(OSError):
            print("\nBye.", file=sys.stderr)
    return 0


__all__ = ["AUTO_START_LINE", "PlaygroundOptions", "playground_settings", "run_playground"]
