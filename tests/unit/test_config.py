"""Settings: clear one-line errors, and the token never reaches a log line."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.logs import RedactFilter

TOKEN = "123456789:AAH-realistic-looking-token_abcdefgh"


def test_defaults_point_at_telegram_and_the_data_folder() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.api_url == "https://api.telegram.org"
    assert settings.bot_url == "https://api.telegram.org/bot"
    assert settings.file_url == "https://api.telegram.org/file/bot"
    assert str(settings.database_path) == "data/backcoach.sqlite3"
    # The exercise pictures are drawn into a folder next to the database.
    assert str(settings.media_path) == "data/media"


def test_the_picture_cache_follows_the_database_or_media_dir() -> None:
    moved = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_PATH": "/srv/bc/bot.db"})
    assert str(moved.media_path) == "/srv/bc/media"
    chosen = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "MEDIA_DIR": "/var/cache/bc"})
    assert str(chosen.media_path) == "/var/cache/bc"


def test_api_url_is_the_server_root_without_a_trailing_slash() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "http://127.0.0.1:8081/"}
    )
    assert settings.bot_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(("value", "problem"), [(None, "not set"), ("abc", "malformed")])
def test_a_missing_or_malformed_token_names_the_variable_and_botfather(
    value: str | None, problem: str
) -> None:
    env = {} if value is None else {"TELEGRAM_BOT_TOKEN": value}
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert "TELEGRAM_BOT_TOKEN" in str(error.value) and "@BotFather" in str(error.value)
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("LOG_LEVEL", "LOUD"), ("BACKCOACH_SPEED", "fast")],
)
def test_other_bad_settings_name_themselves(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})


def test_the_bot_exits_2_with_one_line_and_no_traceback_without_a_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,  # no .env there
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_token_is_masked_in_log_lines_and_tracebacks() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{TOKEN}/getMe",), None
    )
    try:
        raise RuntimeError(f"failed https://x/bot{TOKEN}/sendMessage")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    RedactFilter([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "<token>" in record.getMessage()
    assert record.exc_text is not None and TOKEN not in record.exc_text


def test_a_corrupt_database_stops_start_up_with_one_line_and_is_kept(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    database.write_bytes(b"not sqlite at all" * 64)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[2]),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": "http://127.0.0.1:9",  # never reached
            "DATABASE_PATH": str(database),
        },
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not a usable SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == b"not sqlite at all" * 64


@pytest.mark.parametrize(
    ("env", "path", "url"),
    [
        ({}, Path("data/backcoach.sqlite3"), None),
        ({"DATABASE_PATH": "/srv/bot.sqlite3"}, Path("/srv/bot.sqlite3"), None),
        ({"DATABASE_URL": "sqlite:///data/bot.sqlite3"}, Path("data/bot.sqlite3"), None),
        ({"DATABASE_URL": "sqlite:////srv/bot.sqlite3"}, Path("/srv/bot.sqlite3"), None),
        (
            {"DATABASE_URL": "postgresql://bot:pw@db.internal:5432/backcoach"},
            Path("data/backcoach.sqlite3"),
            "postgresql://bot:pw@db.internal:5432/backcoach",
        ),
        (
            {"DATABASE_URL": "postgres://bot@10.0.0.5/backcoach?sslmode=require"},
            Path("data/backcoach.sqlite3"),
            "postgres://bot@10.0.0.5/backcoach?sslmode=require",
        ),
    ],
)
def test_the_database_is_a_sqlite_file_unless_database_url_names_postgresql(
    env: dict[str, str], path: Path, url: str | None
) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert (settings.database_path, settings.database_url) == (path, url)
    assert settings.database == (url or path)  # what Database.open is given


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://bot:hunter2@db/backcoach"}, "DATABASE_URL must be"),
        ({"DATABASE_URL": "bot:hunter2@db/backcoach"}, "DATABASE_URL must be"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL must name a file"),
        ({"DATABASE_URL": "sqlite:///"}, "DATABASE_URL must name a file"),
        ({"DATABASE_URL": "postgresql://bot:hunter2@db:port/x"}, "DATABASE_URL is not a valid"),
        ({"DATABASE_URL": "postgresql://bot:hunter2@db"}, "DATABASE_URL must name a host and"),
        ({"DATABASE_URL": "postgresql:///backcoach"}, "DATABASE_URL must name a host and"),
        (
            {"DATABASE_URL": "sqlite:///a.sqlite3", "DATABASE_PATH": "b.sqlite3"},
            "Set DATABASE_URL or DATABASE_PATH, not both",
        ),
    ],
)
def test_a_bad_database_url_is_one_line_that_never_shows_the_password(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert "hunter2" not in str(error.value)
    assert "\n" not in str(error.value)


def test_an_unreachable_postgresql_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parents[2]),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": "http://127.0.0.1:9",  # never reached
            "DATABASE_URL": f"postgresql://bot:hunter2@127.0.0.1:{port}/backcoach",
        },
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Cannot reach PostgreSQL at postgresql://bot:***@127.0.0.1" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- webhook mode --------------------------------------------------------------------------

HOOK = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.com/telegram"}


def test_without_webhook_url_the_bot_polls() -> None:
    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}).webhook is None


def test_a_webhook_has_a_secret_a_port_and_listens_on_the_urls_path() -> None:
    settings = load_settings({**HOOK, "WEBHOOK_SECRET": "abc_DEF-123", "WEBHOOK_PORT": "9000"})
    hook = settings.webhook
    assert hook is not None
    assert (hook.url, hook.secret, hook.port, hook.path) == (
        "https://bot.example.com/telegram", "abc_DEF-123", 9000, "/telegram",
    )  # fmt: skip
    assert (hook.listen, hook.max_connections) == ("127.0.0.1", 40)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WEBHOOK_URL": "https://bot.example.com/telegram"}, "WEBHOOK_SECRET"),
        ({**HOOK, "WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET"),
        ({**HOOK, "WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "http://bot.example.com/t", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "bot.example.com", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
        ({**HOOK, "WEBHOOK_SECRET": "s", "WEBHOOK_PORT": "http"}, "WEBHOOK_PORT"),
        ({**HOOK, "WEBHOOK_SECRET": "s", "WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({**HOOK, "WEBHOOK_SECRET": "s", "WEBHOOK_MAX_CONNECTIONS": "0"}, "MAX_CONNECTIONS"),
        ({**HOOK, "WEBHOOK_SECRET": "s", "WEBHOOK_LISTEN": "a b"}, "WEBHOOK_LISTEN"),
        ({"WEBHOOK_SECRET": "s"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_PORT": "8080"}, "WEBHOOK_PORT"),
    ],
)
def test_a_bad_webhook_setting_names_its_variable_in_one_line(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named) as error:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert "\n" not in str(error.value)
    assert "has spaces" not in str(error.value)  # a secret is never echoed


def test_plain_http_is_only_for_a_webhook_on_this_machine() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "http://127.0.0.1:8080/t",
           "WEBHOOK_SECRET": "s"}  # fmt: skip
    hook = load_settings(env).webhook
    assert hook is not None and hook.path == "/t"


def test_only_postgresql_is_a_database_workers_share() -> None:
    assert not load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}).shares_database
    shared = {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql://u:p@db/backcoach"}
    assert load_settings(shared).shares_database
