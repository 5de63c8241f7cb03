"""A debug counter of SQL statements, for the benchmarks (off unless asked for).

With `BACKCOACH_SQL_COUNT=<file>` in the environment, the SQLite connection counts the
statements it runs (aiosqlite's `set_trace_callback`); on SIGUSR1 the process writes the
totals to `<file>` as JSON. The benchmarks read it before and after a load: SQL
statements (and BEGIN/COMMIT pairs) per update, measured in the bot's own process as
deployed. Without the variable nothing is installed and nothing costs.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections import Counter
from pathlib import Path

import aiosqlite

ENV = "BACKCOACH_SQL_COUNT"
_counts: Counter[str] = Counter()


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def _kind(statement: str) -> str:
    word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    if word in ("BEGIN", "COMMIT", "ROLLBACK", "END"):
        return "transaction"
    if word == "PRAGMA":
        return "pragma"
    return "statement"


def counts() -> dict[str, int]:
    """The totals so far in this process (what SIGUSR1 writes): for a test that counts
    an update's statements in the bot it runs in-process."""
    return dict(_counts)


def _on_statement(statement: str) -> None:
    _counts[_kind(statement)] += 1


async def install(conn: aiosqlite.Connection) -> None:
    """Count this connection's statements, if the environment asks for it."""
    if not enabled():
        return
    await conn.set_trace_callback(_on_statement)
    if threading.current_thread() is threading.main_thread():
        target = Path(os.environ[ENV])
        signal.signal(signal.SIGUSR1, lambda *_: target.write_text(json.dumps(_counts)))
