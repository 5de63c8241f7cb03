"""Settings from the environment and an optional `.env`, validated once at start-up.

Every problem becomes a `ConfigError` whose message is one line a person can act on;
`bot.__main__` prints it and exits with status 2, never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_PATH = Path("data/backcoach.sqlite3")
PLAYGROUND_DATABASE_PATH = Path("data/playground.sqlite3")

# The shape @BotFather hands out: a numeric bot id, a colon, then a 35-character secret.
# We accept a slightly wider secret so that a future format change does not lock people out.
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

TOKEN_HELP = (
    "TELEGRAM_BOT_TOKEN is {problem}. Get a token from @BotFather in Telegram "
    "(send /newbot), then put TELEGRAM_BOT_TOKEN=<token> in .env or the environment."
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message is the one line to show."""


# Telegram's rules for setWebhook's `secret_token`: 1-256 characters of A-Z, a-z, 0-9, _ -.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8080
# Telegram's own default for setWebhook's max_connections (1-100 allowed).
DEFAULT_WEBHOOK_MAX_CONNECTIONS = 40


@dataclass(frozen=True, slots=True)
class Webhook:
    """Webhook mode (WEBHOOK_URL set): Telegram POSTs updates to `url`; the bot listens
    on `listen:port` at the URL's path, behind a TLS-terminating proxy or load balancer."""

    url: str
    secret: str
    listen: str = DEFAULT_WEBHOOK_LISTEN
    port: int = DEFAULT_WEBHOOK_PORT
    max_connections: int = DEFAULT_WEBHOOK_MAX_CONNECTIONS

    @property
    def path(self) -> str:
        """Where updates arrive on this worker: the public URL's path (`/` if none)."""
        return urlsplit(self.url).path or "/"


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    api_url: str = DEFAULT_API_URL
    # The SQLite file (DATABASE_PATH, or DATABASE_URL=sqlite:///…).
    database_path: Path = DEFAULT_DATABASE_PATH
    # DATABASE_URL=postgresql://… (tests may give a sqlite:/// URL here too); None: the
    # SQLite file at database_path. `Database.open(settings.database)` opens either.
    database_url: str | None = None
    log_level: str = "INFO"
    # Holds, countdowns and reminders run this many times faster (demos, tests).
    speed: float = 1.0
    # How often the reminder sweep wakes, in (unscaled) seconds.
    reminder_sweep_seconds: float = 60.0
    # WEBHOOK_URL and friends; None: long polling (the default for one process).
    webhook: Webhook | None = None

    @property
    def shares_database(self) -> bool:
        """True on PostgreSQL: several workers may share the database, so nothing that
        matters may wait in one process's memory (hold sweep, one reminder sender)."""
        return self.database_url is not None and self.database_url.lower().startswith(
            ("postgresql://", "postgres://")
        )
    # Where the exercise pictures are drawn and kept; None: `media` next to the database.
    media_dir: Path | None = None

    @property
    def database(self) -> str | Path:
        """What `Database.open` takes: the PostgreSQL URL, or the SQLite file."""
        return self.database_url or self.database_path

    @property
    def bot_url(self) -> str:
        """Root of the method calls: `{api}/bot<token>/<method>`."""
        return f"{self.api_url}/bot"

    @property
    def file_url(self) -> str:
        """Root of file downloads: `{api}/file/bot<token>/<path>`."""
        return f"{self.api_url}/file/bot"

    @property
    def media_path(self) -> Path:
        return self.media_dir or self.database_path.parent / "media"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def validate_token(token: str | None) -> str:
    if token is None or not token.strip():
        raise ConfigError(TOKEN_HELP.format(problem="not set"))
    token = token.strip()
    if not _TOKEN_RE.fullmatch(token):
        # Never echo the value: a malformed token is often a real one with a typo.
        raise ConfigError(TOKEN_HELP.format(problem="malformed (expected digits:secret)"))
    return token


def _env(environ: Mapping[str, str | None], name: str) -> str | None:
    value = environ.get(name)
    return value.strip() if value is not None and value.strip() else None


def _number(env: Mapping[str, str | None], name: str, *, default: float, high: float) -> float:
    """A positive number up to `high`, or a ConfigError naming the variable."""
    raw = _env(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= high:
        raise ConfigError(f"{name} must be a number from 0.01 to {high:g}, got {raw!r}.")
    return value


def _scheme(scheme: str) -> str:
    """A URL scheme safe to echo (never a fragment of a password)."""
    return f"{scheme}:" if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme) else "no scheme"


def _database(env: Mapping[str, str | None], default: Path) -> tuple[Path, str | None]:
    """(SQLite file, PostgreSQL URL or None) from DATABASE_URL or DATABASE_PATH."""
    url = _env(env, "DATABASE_URL")
    path = _env(env, "DATABASE_PATH")
    if url is None:
        return Path(path or default), None
    if path is not None:
        raise ConfigError(
            "Set DATABASE_URL or DATABASE_PATH, not both (DATABASE_URL=sqlite:///<path> "
            "says the same as DATABASE_PATH=<path>)."
        )
    scheme, _, rest = url.partition("://") if "://" in url else ("", "", url)
    if scheme.lower() == "sqlite":
        # sqlite:///relative/file or sqlite:////absolute/file (SQLAlchemy's spelling).
        if not rest.startswith("/") or len(rest) == 1:
            raise ConfigError(
                "DATABASE_URL must name a file: sqlite:///data/backcoach.sqlite3 (relative) "
                f"or sqlite:////srv/backcoach.sqlite3 (absolute), got {url!r}."
            )
        return Path(unquote(rest[1:])), None
    if scheme.lower() in ("postgresql", "postgres"):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError as exc:
            raise ConfigError(f"DATABASE_URL is not a valid PostgreSQL URL: {exc}.") from None
        if not (parts.hostname or "host=" in parts.query) or not parts.path.strip("/"):
            raise ConfigError(
                "DATABASE_URL must name a host and a database: "
                "postgresql://user:password@host:5432/backcoach."
            )
        return default, url
    raise ConfigError(
        "DATABASE_URL must be sqlite:///path/to/file.sqlite3 or "
        f"postgresql://user:password@host/db, got {_scheme(scheme)}."
    )


def _webhook(env: Mapping[str, str | None]) -> Webhook | None:
    """WEBHOOK_URL and the settings that only mean something with it, checked."""
    url = _env(env, "WEBHOOK_URL")
    others = ("WEBHOOK_SECRET", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "WEBHOOK_MAX_CONNECTIONS")
    if url is None:
        for name in others:
            if _env(env, name) is not None:
                raise ConfigError(
                    f"{name} is set but WEBHOOK_URL is not (long polling needs neither)."
                )
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = urlsplit("")
    local = parts.hostname in _LOOPBACK
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ConfigError(
            "WEBHOOK_URL must be the public HTTPS address Telegram posts to, such as "
            "https://bot.example.com/telegram (plain http only on 127.0.0.1, for tests)."
        )
    secret = _env(env, "WEBHOOK_SECRET")
    if secret is None:
        raise ConfigError(
            "WEBHOOK_SECRET is not set: webhook mode needs one (1-256 characters of "
            "A-Z, a-z, 0-9, _ and -), e.g. from: python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'."
        )
    if not _SECRET_RE.fullmatch(secret):
        # Never echo it: it is a password.
        raise ConfigError(
            "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)."
        )
    port_raw = _env(env, "WEBHOOK_PORT")
    port = DEFAULT_WEBHOOK_PORT
    if port_raw is not None:
        port = int(port_raw) if port_raw.isdigit() else -1
        if not 1 <= port <= 65535:
            raise ConfigError(
                f"WEBHOOK_PORT must be a port number from 1 to 65535, got {port_raw!r}."
            )
    most_raw = _env(env, "WEBHOOK_MAX_CONNECTIONS")
    most = DEFAULT_WEBHOOK_MAX_CONNECTIONS
    if most_raw is not None:
        most = int(most_raw) if most_raw.isdigit() else -1
        if not 1 <= most <= 100:
            raise ConfigError(
                f"WEBHOOK_MAX_CONNECTIONS must be a whole number from 1 to 100, got {most_raw!r}."
            )
    listen = _env(env, "WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", listen):
        raise ConfigError(
            "WEBHOOK_LISTEN must be an address to listen on (127.0.0.1, 0.0.0.0, ::), "
            f"got {listen!r}."
        )
    return Webhook(url=url, secret=secret, listen=listen, port=port, max_connections=most)


def load_environment(env_file: Path | None = Path(".env")) -> dict[str, str | None]:
    """The process environment over the optional `.env` file (the environment wins)."""
    merged: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        merged.update(dotenv_values(env_file))
    merged.update(os.environ)
    return merged


def load_settings(
    environ: Mapping[str, str | None] | None = None,
    *,
    require_token: bool = True,
    default_database: Path = DEFAULT_DATABASE_PATH,
) -> Settings:
    """Read and check every setting. `require_token=False` serves the playground."""
    env = load_environment() if environ is None else environ
    raw_token = _env(env, "TELEGRAM_BOT_TOKEN")
    if require_token or raw_token is not None:
        token = validate_token(raw_token)
    else:
        token = "0000000:playground-playground-playground-00"

    api_url = (_env(env, "TELEGRAM_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not re.match(r"^https?://[^\s/]+", api_url):
        raise ConfigError(
            f"TELEGRAM_API_URL must be an http(s) URL such as {DEFAULT_API_URL}, got {api_url!r}."
        )

    log_level = (_env(env, "LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {log_level!r}.")

    speed = _number(env, "BACKCOACH_SPEED", default=1.0, high=1000.0)

    sweep = _number(env, "REMINDER_SWEEP_SECONDS", default=60.0, high=3600.0)

    database_path, database_url = _database(env, default_database)
    webhook = _webhook(env)
    media_dir = _env(env, "MEDIA_DIR")
    return Settings(
        token=token,
        api_url=api_url,
        database_path=database_path,
        database_url=database_url,
        log_level=log_level,
        speed=speed,
        reminder_sweep_seconds=sweep,
        webhook=webhook,
        media_dir=Path(media_dir) if media_dir is not None else None,
    )
