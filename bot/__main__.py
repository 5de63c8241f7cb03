"""`python -m bot`: run the bot live (long polling, or webhook mode when WEBHOOK_URL is
set), the local playground, or a local cluster (`python -m bot cluster`).

With no TELEGRAM_BOT_TOKEN on an interactive terminal, `python -m bot` opens the playground
instead of failing, so the README's first command works on a fresh clone. Anywhere else (a
service manager, a pipe) a missing token stays an error: a server must not quietly start a
chat nobody can see.

Every expected failure (a missing token, bad content, an unusable database, a token the
Bot API rejects, a Bot API that cannot be reached) ends with one line on stderr and exit
status 2, never a traceback and never the token (the README lists them all).

SIGINT or SIGTERM stops the bot within 5 s in every state: shut-down is graceful when it
can be, and cut short after `STOP_DEADLINE` when something in flight (a send waiting for
Telegram's answer) would hold it longer. Cutting it is safe: everything that matters is
in SQLite, and a restart handles an interrupted send or hold as after a crash.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.config import ConfigError, Settings, load_environment, load_settings
from bot.content import ContentError, load_content
from bot.logs import configure_logging, expand_secrets, mask, redact_tracebacks
from db.connection import Database, DatabaseError

if TYPE_CHECKING:
    from bot.runtime.deps import BotApp

log = logging.getLogger("bot")

TOKEN_REJECTED = "the Bot API rejected the token: check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL"
# Start-up tries to reach the Bot API this many times, waiting 1 s, 2 s, 4 s between
# tries (about 7 s, plus up to 5 s connect timeout a try): enough to ride out a network
# that comes up a moment after the bot, short enough that a wrong URL fails fast.
API_TRIES = 4
# From the stop signal to the process being gone, at most this (plus a moment to exit).
STOP_DEADLINE = 3.5


class StartupError(Exception):
    """The Bot API is not usable; the message is the one line to show."""


async def check_database(target: Path | str) -> None:
    """Open, check and migrate the database once before going online, so a corrupt file
    (or an unreachable PostgreSQL) is a one-line error at start-up rather than a failure
    inside the event loop."""
    database = await Database.open(target)
    await database.close()


async def check_bot_api(settings: Settings) -> None:
    """Ask the Bot API who we are before going online, so a rejected token or an
    unreachable server is one line at start-up, not PTB's traceback (whose `InvalidToken`
    message holds the token in full). PTB's own logs of the same failures (a traceback for
    a page that is not JSON) are held back meanwhile: the line we print says it all."""
    library = logging.getLogger("telegram")
    level = library.level
    library.setLevel(logging.CRITICAL)
    try:
        await _ask_who_we_are(settings)
    finally:
        library.setLevel(level)


async def _ask_who_we_are(settings: Settings) -> None:
    for attempt in range(1, API_TRIES + 1):
        bot = Bot(
            settings.token,
            base_url=settings.bot_url,
            base_file_url=settings.file_url,
            request=HTTPXRequest(connection_pool_size=1),
        )
        try:
            async with bot:  # initialize() calls getMe
                return
        except InvalidToken:
            raise StartupError(TOKEN_REJECTED) from None
        except (RetryAfter, NetworkError) as exc:
            if isinstance(exc, BadRequest):  # PTB files a 400 under NetworkError
                raise StartupError(_not_a_bot_api(settings, exc)) from None
            reason = _reason(exc)
            if attempt == API_TRIES:
                raise StartupError(
                    f"cannot reach the Bot API at {settings.api_url} ({reason}) after "
                    f"{API_TRIES} tries: check TELEGRAM_API_URL and the network"
                ) from None
            delay = 2 ** (attempt - 1)
            log.warning(
                "cannot reach the Bot API at %s (%s); trying again in %d s (try %d of %d)",
                settings.api_url,
                reason,
                delay,
                attempt,
                API_TRIES,
            )
            await asyncio.sleep(delay)
        except TelegramError as exc:
            raise StartupError(_not_a_bot_api(settings, exc)) from None


def _not_a_bot_api(settings: Settings, exc: TelegramError) -> str:
    return (
        f"the server at {settings.api_url} did not answer like a Bot API server "
        f"({_reason(exc)}): check TELEGRAM_API_URL"
    )


def _reason(exc: TelegramError) -> str:
    text = str(exc).removeprefix("httpx.")
    return text[:160] if text else type(exc).__name__


def _fail(message: str, secret: str | None = None) -> int:
    if secret:
        message = mask(message, expand_secrets([secret]))
    print(f"backcoach: {message}", file=sys.stderr)
    return 2


def _poll_until_stopped(app: BotApp) -> None:
    """`app.run_polling()`, with our own stop signals: the first SIGINT/SIGTERM starts
    PTB's graceful shut-down and a deadline; a second one, or the deadline, ends the
    process at once."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stopping, finished = threading.Event(), threading.Event()

    def deadline() -> None:
        stopping.wait()
        if not finished.wait(STOP_DEADLINE):
            _cut_short(f"shut-down took longer than {STOP_DEADLINE:g} s")

    watchdog = threading.Thread(target=deadline, name="stop-deadline", daemon=True)
    watchdog.start()

    def on_signal(signum: int) -> None:
        if stopping.is_set():
            _cut_short(f"{signal.Signals(signum).name} again")
        log.info("%s received: stopping", signal.Signals(signum).name)
        stopping.set()
        raise SystemExit  # as PTB's own handler: interrupts whatever the loop runs

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    from bot.app import ALLOWED_UPDATES

    try:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None, close_loop=True)
    finally:
        finished.set()
        stopping.set()  # release the watchdog thread


def _cut_short(why: str) -> None:
    """End the process now. Safe: SQLite holds the truth, and a restart treats a send or
    hold that was in flight as after a crash (no duplicate, no lost hold)."""
    print(f"backcoach: {why}; stopped without waiting for work in flight", file=sys.stderr)
    sys.stderr.flush()
    os._exit(1)


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
    redact_tracebacks([settings.token])
    try:
        asyncio.run(check_bot_api(settings))
    except StartupError as exc:
        return _fail(str(exc), settings.token)
    from bot.app import build_application

    app = build_application(settings, content=content, media=media, freeze_gc=True)
    try:
        if settings.webhook is not None:
            from bot.serve import run_webhook

            run_webhook(app, settings.webhook)
        else:
            _poll_until_stopped(app)
    except DatabaseError as exc:
        return _fail(str(exc), settings.token)
    except InvalidToken:  # the check above passed, then the token was refused
        return _fail(TOKEN_REJECTED)
    except TelegramError as exc:  # the Bot API went away between the check and start-up
        return _fail(f"the Bot API failed while starting ({_reason(exc)})", settings.token)
    except OSError as exc:  # webhook mode: the port is taken, or the address is not ours
        hook = settings.webhook
        if hook is None:
            raise
        return _fail(
            f"cannot listen on WEBHOOK_LISTEN={hook.listen} WEBHOOK_PORT={hook.port}: "
            f"{exc.strerror or exc}"
        )
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
    commands = parser.add_subparsers(dest="command", metavar="{run,playground,cluster}")
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
    from bot.cluster import cluster_parser

    cluster_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in (None, "run"):
        return run_live()
    if args.command == "cluster":
        from bot.cluster import run_cluster

        return run_cluster(args)
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
