"""The token never reaches the screen: not in a log line, not in a traceback Python
prints itself, not even its secret half alone."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

from bot.logs import RedactFilter, redact_tracebacks

TOKEN = "123456789:AAH-secret-part-of-the-token-000000"
SECRET_HALF = TOKEN.split(":", 1)[1]


def test_a_log_line_and_its_traceback_show_neither_the_token_nor_its_secret_half() -> None:
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected; half: {SECRET_HALF}")
    except RuntimeError:
        record = logging.LogRecord(
            "telegram", logging.ERROR, __file__, 1, "url /bot%s/getMe", (TOKEN,), sys.exc_info()
        )
    assert RedactFilter([TOKEN]).filter(record)
    text = record.getMessage() + (record.exc_text or "")
    assert "<token>" in text and TOKEN not in text and SECRET_HALF not in text


def test_debug_lines_name_the_bot_api_call_but_not_what_the_user_wrote() -> None:
    record = logging.LogRecord(
        "telegram.Bot",
        logging.DEBUG,
        __file__,
        1,
        "Call to Bot API endpoint `%s` finished with return value `%s`",
        ("getUpdates", [{"message": {"text": "my back hurts since the fall"}}]),
        None,
    )
    assert RedactFilter([TOKEN]).filter(record)
    assert record.getMessage() == "Call to Bot API endpoint `getUpdates` finished"


def test_an_uncaught_exception_prints_its_traceback_with_the_token_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    redact_tracebacks([TOKEN])
    try:
        raise ValueError(f"InvalidToken: The token `{TOKEN}` was rejected by the server.")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def crash() -> None:
        raise ValueError(f"in a thread: {SECRET_HALF}")

    worker = threading.Thread(target=crash)
    worker.start()
    worker.join()
    err = capsys.readouterr().err
    assert "Traceback" in err and "was rejected" in err and "in a thread" in err
    assert TOKEN not in err and SECRET_HALF not in err
