"""The exercise pictures as a use case: which one to send, and remembering Telegram's ids.

`bot.media` draws the files; this service decides whether a user gets one (their "Text
only" choice, and whether the file is drawn yet) and keeps the `file_id` each upload
returned (`db.media`), so every later send reuses it. Sending is the handlers' job
(`bot.handlers.pictures`): nothing here speaks Telegram.

Drawing every picture takes seconds, so it runs once in a worker thread after start-up
(`start`); until a file is on disk the routine simply goes on in text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from bot.core.clock import ScaledClock
from bot.media.figures import MediaKey, MediaLibrary
from db import media
from db.connection import Database

log = logging.getLogger(__name__)


class MediaService:
    def __init__(self, db: Database, library: MediaLibrary, clock: ScaledClock) -> None:
        self.db = db
        self.library = library
        self.clock = clock
        # (bot id, key id) -> file_id: the table is the truth, this saves a read per send.
        self._file_ids: dict[tuple[int, str], str] = {}
        self._stopping = threading.Event()
        self._render: asyncio.Task[None] | None = None

    # -- drawing -------------------------------------------------------------------------

    def start(self) -> None:
        """Draw what is missing in a worker thread, without holding up start-up."""
        if self._render is None:
            self._render = asyncio.create_task(self._draw_missing(), name="draw-pictures")

    async def _draw_missing(self) -> None:
        try:
            await asyncio.to_thread(self.library.ensure, self._stopping.is_set)
        except Exception:  # a broken picture must not take the bot down: it stays text
            log.exception("drawing the exercise pictures failed; sending text only")

    async def stop(self) -> None:
        """Let a running render finish its current picture, then stop."""
        self._stopping.set()
        if self._render is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._render

    # -- what to send --------------------------------------------------------------------

    def figure_for(self, exercise_id: str, side: str | None = None) -> MediaKey | None:
        """The picture or loop for an exercise's first step, if it is drawn yet."""
        key = self.library.figure_for(exercise_id, side)
        return key if self.library.ready(key) else None

    def still_for(self, exercise_id: str) -> MediaKey | None:
        """A still of the exercise's main position (answers, the whole card), if drawn."""
        key = self.library.still_for(exercise_id)
        return key if self.library.ready(key) else None

    async def read(self, key: MediaKey) -> bytes:
        """The file's bytes, read off the event loop."""
        return await asyncio.to_thread(self.library.read, key)

    # -- the user's choice ---------------------------------------------------------------

    async def text_only(self, user_id: int) -> bool:
        return await media.text_only(self.db, user_id)

    async def set_text_only(self, user_id: int, on: bool) -> bool:
        """Save "Text only" (on) or pictures (off); False when the user is unknown."""
        return await media.set_text_only(self.db, user_id, on)

    # -- Telegram's ids for uploaded files -----------------------------------------------

    async def file_id(self, bot_id: int, key: MediaKey) -> str | None:
        cached = self._file_ids.get((bot_id, key.id))
        if cached is not None:
            return cached
        stored = await media.get(self.db, bot_id, key.id)
        if stored is None:
            return None
        self._file_ids[(bot_id, key.id)] = stored.file_id
        return stored.file_id

    async def remember(self, bot_id: int, key: MediaKey, file_id: str, unique_id: str) -> None:
        await media.put(self.db, bot_id, key.id, file_id, unique_id, self.clock.timestamp())
        self._file_ids[(bot_id, key.id)] = file_id

    async def forget(self, bot_id: int, key: MediaKey, file_id: str) -> None:
        """Telegram rejected `file_id`: drop it (only if it is still the one stored)."""
        if self._file_ids.get((bot_id, key.id)) == file_id:
            del self._file_ids[(bot_id, key.id)]
        await media.drop(self.db, bot_id, key.id, file_id)
