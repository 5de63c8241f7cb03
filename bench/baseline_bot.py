"""The baseline: a bare python-telegram-bot bot doing the same sends as BackCoach, with
none of its work (no database, no state, no matching). Benchmarks run it as its own
process against its own emulator, in the same run, and report BackCoach's figure beside it.

    python -m bench.baseline_bot echo          text → the same text back; a button press →
                                               answer it and edit its message (2 calls)
    python -m bench.baseline_bot holds FILE    FILE is JSON [[chat_id, unix_end], …]: one
                                               JobQueue job per hold sends "Release now"
                                               at its end (the minimum a hold costs)
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

Context = CallbackContext[Any, Any, Any, Any]


async def echo(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


async def press(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None:
        await context.bot.edit_message_text(
            f"pressed {query.data}",
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
        )


async def release(context: Context) -> None:
    assert context.job is not None
    await context.bot.send_message(context.job.chat_id, "🔔 Release now. Gently let go.")


def build(mode: str, schedule: Path | None) -> Application[Any, Any, Any, Any, Any, Any]:
    url = os.environ["TELEGRAM_API_URL"].rstrip("/")

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if schedule is None:
            return
        assert app.job_queue is not None
        now = time.time()
        for chat_id, end in json.loads(schedule.read_text()):
            app.job_queue.run_once(
                release,
                when=timedelta(seconds=max(0.0, end - now)),
                chat_id=chat_id,
                job_kwargs={"misfire_grace_time": 30},
            )

    app = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{url}/bot")
        .request(HTTPXRequest(connection_pool_size=256))
        .post_init(post_init)
        .build()
    )
    if mode == "echo":
        app.add_handler(MessageHandler(filters.TEXT, echo))
        app.add_handler(CallbackQueryHandler(press))
    return app


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "echo"
    schedule = Path(argv[1]) if mode == "holds" and len(argv) > 1 else None
    build(mode, schedule).run_polling(allowed_updates=["message", "callback_query"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
