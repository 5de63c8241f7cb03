"""Logging set-up. The bot token never reaches a log line: a filter masks it everywhere,
including in URLs that httpx or PTB might log at DEBUG (where it also drops the request
and answer bodies PTB logs, which hold what users wrote); and `redact_tracebacks` masks it
in the tracebacks Python prints itself for an uncaught exception, outside logging (PTB's
`InvalidToken` message holds the token in full)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType


def expand_secrets(secrets: list[str]) -> list[str]:
    """Each secret, and a token's secret half on its own (`123:ABC` → also `ABC`),
    longest first so the whole token is masked as one."""
    found = {s for s in secrets if s}
    found |= {s.split(":", 1)[1] for s in found if ":" in s and len(s.split(":", 1)[1]) >= 16}
    return sorted(found, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<token>")
    return text


# PTB's DEBUG lines that carry whole request and answer bodies: what users typed, their
# names and pain scores. At DEBUG we keep which endpoint was called and drop the body.
_BODY_LINES = {
    "Calling Bot API endpoint `%s` with parameters `%s`": "Calling Bot API endpoint `%s`",
    "Call to Bot API endpoint `%s` finished with return value `%s`": (
        "Call to Bot API endpoint `%s` finished"
    ),
    "Webhook received data: %s": "Webhook received data",
    "Processing update %s": "Processing an update",
}


def _drop_body(record: logging.LogRecord) -> None:
    short = _BODY_LINES.get(record.msg) if isinstance(record.msg, str) else None
    if short is None:
        return
    args = record.args if isinstance(record.args, tuple) else ()
    record.msg, record.args = short, args[: short.count("%s")]


class RedactFilter(logging.Filter):
    """Masks the token everywhere and keeps users' words out of DEBUG logs."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = expand_secrets(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        _drop_body(record)
        message = record.getMessage()
        masked = mask(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts (e.g. httpx errors) can contain the request URL.
            text = mask(logging.Formatter().formatException(record.exc_info), self.secrets)
            record.exc_text, record.exc_info = text, None
        return True


def configure_logging(level: str, secrets: list[str], *, file: Path | None = None) -> None:
    """Log to stderr, or to `file` (the playground: log lines would garble its chat)."""
    handler: logging.Handler
    if file is None:
        handler = logging.StreamHandler()
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (which holds the token) at INFO: keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters (names, scores) at DEBUG.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))


def redact_tracebacks(secrets: list[str]) -> None:
    """Mask `secrets` in the tracebacks Python prints for an uncaught exception, in the
    main thread or any other. Every expected failure is one line already; this is for the
    unexpected ones."""
    hidden = expand_secrets(secrets)

    def show(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(mask("".join(traceback.format_exception(kind, exc, tb)), hidden))

    def show_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        show(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = show
    threading.excepthook = show_thread
