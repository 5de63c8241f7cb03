"""`python -m bot`: run the bot live (long polling), or the local playground.

With no TELEGRAM_BOT_TOKEN on an interactive terminal, `python -m bot` opens the playground
instead of failing, so the README's first command works on a fresh clone. Anywhere else (a
service manager, a pipe) a missing token stays an error: a server must not quietly start a
chat nobody can see.

Every expected failure (a missing token, bad content, an unusable database) ends with one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, load_environment, load_settings
from bot.content import ContentError, load_content
from bot.logs import configure_logging
from db.connection import Database, DatabaseError


async def check_database(target: Path | str) -> None:
    """Open, check and migrate the database once before going online, so a corrupt file
    (or an unreachable PostgreSQL) is a one-line error at start-up rather than a failure
    inside the event loop."""
    database = await Database.open(target)
    await database.close()


def _fail(message: str) -> int:
    print(f"backcoach: {message}", file=sys.stderr)
    return 2


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_live() -> int:
    environ = load_environment()
    if not (environ.get("TELEGRAM_BOT_TOKEN") or "").strip() and _interactive():
        from bot.playground import AUTO_START_LINE, PlaygroundOptions, run_playground

        print(AUTO_START_LINE, flush=True)
        return run_playground(PlaygroundOptions(), environ=environ)
    try:
        settings = load_settings(environ)
        content = load_content()
        # The exercise pictures' poses are content too: a wrong angle stops start-up here.
        from bot.media.figures import MediaLibrary

        media = MediaLibrary.load(settings.media_path, content)
    except (ConfigError, ContentError) as exc:
        return _fail(str(exc))
    try:
        asyncio.run(check_database(settings.database))
    except DatabaseError as exc:
        return _fail(str(exc))
    configure_logging(settings.log_level, [settings.token])
    from bot.app import ALLOWED_UPDATES, build_application

    app = build_application(settings, content=content, media=media)
    try:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except DatabaseError as exc:
        return _fail(str(exc))
    return 0


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        speed = 0.0
    if not 0 < speed <= 1000:
        raise argparse.ArgumentTypeError(f"must be a number from 0.01 to 1000, got {value!r}")
    return speed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run BackCoach live, or try it in a local playground without Telegram.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{run,playground}")
    commands.add_parser(
        "run",
        help="run live with TELEGRAM_BOT_TOKEN (the default; "
        "without a token on a terminal it opens the playground)",
    )
    playground = commands.add_parser(
        "playground",
        help="chat with the real bot in this terminal, through a local Bot API emulator",
        description="Chat with the real bot in this terminal. It never talks to Telegram, "
        "even with TELEGRAM_BOT_TOKEN set, and keeps its own database.",
    )
    playground.add_argument(
        "--speed",
        type=_speed,
        metavar="N",
        help="run holds and reminders N times faster (default: BACKCOACH_SPEED or 1)",
    )
    playground.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="the playground's SQLite file (default: data/playground.sqlite3)",
    )
    playground.add_argument(
        "--media-dir",
        type=Path,
        metavar="DIR",
        help="where photos and animations the bot sends are saved (default: data/playground-media)",
    )
    playground.add_argument("--name", help="your first name in the chat (default: your login)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in (None, "run"):
        return run_live()
    from bot.playground import PlaygroundOptions, run_playground

    return run_playground(
        PlaygroundOptions(
            speed=args.speed, database=args.database, media_dir=args.media_dir, name=args.name
        )
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C while starting up: no traceback for that either
        sys.exit(130)
