"""`python -m bot`: run the bot live (long polling), or the local playground.

Every expected failure (a missing token, bad content, an unusable database) ends with one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.content import ContentError, load_content
from bot.logs import configure_logging
from db.connection import Database, DatabaseError


async def check_database(path: Path) -> None:
    """Open, check and migrate the database once before going online, so a corrupt file
    is a one-line error at start-up rather than a failure inside the event loop."""
    database = await Database.open(path)
    await database.close()


def _fail(message: str) -> int:
    print(f"backcoach: {message}", file=sys.stderr)
    return 2


def run_live() -> int:
    try:
        settings = load_settings()
        content = load_content()
    except (ConfigError, ContentError) as exc:
        return _fail(str(exc))
    try:
        asyncio.run(check_database(settings.database_path))
    except DatabaseError as exc:
        return _fail(str(exc))
    configure_logging(settings.log_level, [settings.token])
    from bot.app import build_application

    app = build_application(settings, content=content)
    try:
        app.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
    except DatabaseError as exc:
        return _fail(str(exc))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("command", nargs="?", default="run", choices=["run", "playground"])
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_live()
    return _fail("the playground is not built yet")


if __name__ == "__main__":
    sys.exit(main())
