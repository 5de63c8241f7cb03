"""Shared fixtures: a Bot API emulator on 127.0.0.1 and the real bot talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import places
from bot.app import build_application, start_application, stop_application
from bot.config import Settings
from bot.content import Content, load_content
from bot.core.answers import AnswerMatcher
from bot.core.clock import Clock
from bot.emulator import BotApiEmulator, ChatUser, StoredMessage
from bot.media.figures import MediaLibrary
from bot.runtime.deps import BotApp
from bot.views.answers import AnswerTexts

# Database engines: `database_url` is SQLite unless a test is marked `@both_engines`
# (tests/pg.py); then it also runs on a throwaway PostgreSQL started once per session.
pytest_plugins = ["tests.pg"]

TEST_TOKEN = "123456789:TEST-token-for-the-emulator-0000000"
DOCS_PICTURES = Path(__file__).resolve().parents[1] / "docs" / "pictures"


@pytest.fixture(scope="session", autouse=True)
def _warm_place_data() -> None:
    """Load the city list, the zone files and the map of zones once per session (about a
    second, more on a loaded machine), so no test pays it inside its reply timeouts."""
    places.warm()
    places.lookup("Berlin")
    places.lookup("UTC+2")
    places.zone_at(52.52, 13.40)


@pytest.fixture(scope="session")
def media_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One picture cache for every bot the tests start, filled from the reviewed
    docs/pictures: drawing them all takes 10-20 s, copying them milliseconds (a picture
    missing there is drawn when first sent; tests/unit/test_media.py draws them all)."""
    folder = tmp_path_factory.mktemp("media")
    MediaLibrary.load(folder).seed(DOCS_PICTURES)
    return folder


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator()
    await server.start()
    yield server
    await server.stop()
    # Every test, whatever it checks: no button press was ever answered twice.
    twice = {query: n for query, n in server.answer_attempts.items() if n > 1}
    assert not twice, f"callback queries answered more than once: {twice}"


@pytest.fixture
def settings(
    emulator: BotApiEmulator, tmp_path: Path, database_url: str, media_cache: Path
) -> Settings:
    # Speed 20: a 20 s hold lasts 1 s of real time (the documented BACKCOACH_SPEED setting).
    return Settings(
        token=TEST_TOKEN,
        api_url=emulator.url,
        database_path=tmp_path / "data" / "bot.sqlite3",
        database_url=database_url,
        speed=20.0,
        media_dir=media_cache,
    )


BotStarter = Callable[..., Awaitable[BotApp]]


@dataclass(frozen=True)
class BotParts:
    """What every bot of the run builds alike from the same content (none of it changes
    once built): loaded once per session instead of per bot, about 0.15 s of CPU each
    for some 250 bots."""

    content: Content
    media: MediaLibrary
    matcher: AnswerMatcher


@pytest.fixture(scope="session")
def bot_parts(media_cache: Path) -> BotParts:
    content = load_content()
    return BotParts(
        content,
        MediaLibrary.load(media_cache, content),
        AnswerMatcher(content, AnswerTexts(content)),
    )


@pytest.fixture
async def start_bot(settings: Settings, bot_parts: BotParts) -> AsyncIterator[BotStarter]:
    """Start the real application; call again after `stop_bot` to simulate a restart."""
    running: list[BotApp] = []

    async def _start(clock: Clock | None = None, **overrides: object) -> BotApp:
        chosen = settings.with_overrides(**overrides)
        app = build_application(
            chosen,
            clock=clock,
            content=bot_parts.content,
            media=bot_parts.media if chosen.media_path == bot_parts.media.cache_dir else None,
            matcher=bot_parts.matcher,
        )
        await start_application(app)
        running.append(app)
        return app

    yield _start
    for app in running:
        if app.running or (app.updater is not None and app.updater.running):
            await stop_application(app)


@pytest.fixture
async def bot(start_bot: BotStarter) -> BotApp:
    return await start_bot()


@pytest.fixture
def user(emulator: BotApiEmulator) -> ChatUser:
    return ChatUser(emulator, user_id=1001, first_name="Alex")


async def clear_safety(user: ChatUser) -> None:
    """The user says hello and answers the safety screen with "None of these apply"."""
    await user.send("/start")
    await user.expect_message("safety check")
    await user.press("None of these apply")
    await user.expect_edit("good to start")


async def begin_routine(user: ChatUser, pain: int = 5) -> None:
    """/routine and the opening pain score; returns when the first exercise shows."""
    await user.send("/routine")
    await user.expect_message("How is your pain right now")
    await user.press(str(pain), user.find_button_message("10"))
    await user.expect_message("Back flexion stretch")


async def cleared_routine(user: ChatUser, pain: int = 5) -> None:
    """A user who passed the safety screen starts a routine: at step 1 of the knee hug."""
    await clear_safety(user)
    await begin_routine(user, pain)


async def start_first_hold(user: ChatUser) -> StoredMessage:
    """On the back flexion stretch's card: show all its steps, then start its 20 s hold.
    Returns the countdown message."""
    await user.press("Show all steps")
    await user.expect_edit("20–30 seconds")
    await user.press("Start the 20 s hold")
    return await user.expect_message("Hold for 20 seconds")


async def next_step(user: ChatUser, number: int) -> StoredMessage:
    """Press Next and wait for the card to show step `number`."""
    await user.press("Next")
    return await user.expect_edit(f"Step {number} of")


async def skip_to(user: ChatUser, number: int) -> None:
    """Skip exercises until exercise `number` of 5 shows (6: the closing pain score)."""
    current = int(user.find_button_message("Skip exercise").plain.split("/", 1)[0])
    for upcoming in range(current + 1, number + 1):
        await user.press("Skip exercise")
        await user.expect_message(f"{upcoming}/5 ·" if upcoming <= 5 else "How is your pain now")
