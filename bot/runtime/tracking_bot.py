"""The bot object PTB uses, with two changes to how it talks to the Bot API.

1. Which button presses it already answered. Telegram wants every button press answered
   exactly once. Handlers answer as they go; the error handler must answer only those a
   failing handler had not answered yet, and nothing else can tell it which ones those are.

2. How it polls (`get_updates`). PTB parses a whole `getUpdates` batch at once, so one
   update it cannot build (a poll from an older self-hosted Bot API server, say) fails
   every call, forever, for every user, and logs the user's text each time. Here each
   update is parsed on its own: a bad one is logged once (its id, never its content) and
   skipped, and the server is told to drop it. A failing long poll (network down, a 5xx,
   flood control) backs off here, inside the poll, where stopping the bot cancels the wait;
   PTB's own back-off sleeps where a stop cannot interrupt it, up to 30 s.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.request import BaseRequest

from bot.runtime.sending import retry_seconds

log = logging.getLogger(__name__)

# Presses are answered within seconds; a few thousand recent ids is plenty.
_REMEMBERED = 4096
# Back-off of a failing long poll: 1 s, 2 s, 4 s … up to this.
_MAX_POLL_BACKOFF = 30.0


class AnswerTrackingBot(ExtBot[None]):
    __slots__ = ("_answered", "_poll_failures", "_skipped")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._skipped: OrderedDict[int, None] = OrderedDict()
        self._poll_failures = 0

    async def answer_callback_query(
        self, callback_query_id: str, *args: Any, **kwargs: Any
    ) -> bool:
        # Remembered before the call: a failed answer must not be retried either.
        self._answered[callback_query_id] = None
        while len(self._answered) > _REMEMBERED:
            self._answered.popitem(last=False)
        return await super().answer_callback_query(callback_query_id, *args, **kwargs)

    def answered(self, callback_query_id: str) -> bool:
        return callback_query_id in self._answered

    # -- polling ------------------------------------------------------------------------------

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | float | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        # PTB's ODVInput[float]: a number, None, or its DEFAULT_NONE marker.
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        """`Bot.get_updates`, parsing each update on its own (see the module docstring).
        A failing long poll returns no updates after an interruptible back-off; a short
        poll (PTB's last call at shut-down) raises as usual."""
        poll_seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else timeout
        poll_seconds = float(poll_seconds or 0)
        # As Bot.get_updates does: the read timeout covers the long poll on top.
        base_read = (
            self._request[0].read_timeout
            if read_timeout is BaseRequest.DEFAULT_NONE
            else read_timeout
        )
        data: dict[str, Any] = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        try:
            raw = await self._post(
                "getUpdates",
                data,
                read_timeout=(base_read or 0) + poll_seconds,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
                api_kwargs=api_kwargs,
            )
            if not isinstance(raw, list):
                raise TelegramError(f"getUpdates answered a {type(raw).__name__}, not a list")
        except TelegramError as exc:
            if poll_seconds <= 0:
                raise
            await self._back_off(exc)
            return ()
        if self._poll_failures:
            log.info("getUpdates works again after %d failed calls", self._poll_failures)
            self._poll_failures = 0
        return await self._parse_each(raw)

    async def _back_off(self, exc: TelegramError) -> None:
        self._poll_failures += 1
        delay = min(_MAX_POLL_BACKOFF, 2.0 ** (self._poll_failures - 1))
        if isinstance(exc, RetryAfter):
            delay = max(delay, retry_seconds(exc))
        log.warning(
            "getUpdates failed (%s: %s); polling again in %.0f s",
            type(exc).__name__,
            exc,
            delay,
        )
        await asyncio.sleep(delay)  # cancelled at once when the bot stops

    async def _parse_each(self, raw: list[Any]) -> tuple[Update, ...]:
        updates: list[Update] = []
        skipped: list[int] = []
        for item in raw:
            try:
                update = Update.de_json(item, self)
            except Exception as exc:
                update_id = _update_id(item)
                if update_id is not None:
                    skipped.append(update_id)
                if update_id is None or update_id not in self._skipped:
                    _log_unparseable(item, update_id, exc)
                continue
            self.insert_callback_data(update)
            updates.append(update)
        for update_id in skipped:
            self._skipped[update_id] = None
        while len(self._skipped) > _REMEMBERED:
            self._skipped.popitem(last=False)
        last_good = updates[-1].update_id if updates else None
        if skipped and (last_good is None or max(skipped) > last_good):
            # PTB confirms up to the last update it is handed; bad ones after that would
            # come back on every poll. Confirm them now (any update this short call
            # returns stays unconfirmed: the next poll fetches it again).
            try:
                await self._post(
                    "getUpdates", {"offset": max(skipped) + 1, "limit": 1, "timeout": 0}
                )
            except TelegramError as exc:
                log.warning("could not confirm skipped updates (%s); they may come again", exc)
        return tuple(updates)


def _update_id(item: object) -> int | None:
    if isinstance(item, dict):
        value = item.get("update_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _log_unparseable(item: object, update_id: int | None, exc: Exception) -> None:
    """One line an operator can act on, and nothing a user wrote: the update's kind (a
    Bot API field name) and, for PTB's "required argument" checks, the field it missed."""
    kinds = (
        ", ".join(str(key)[:32] for key in list(item)[:3] if key != "update_id")
        if isinstance(item, dict)
        else type(item).__name__
    )
    reason = (
        f"{type(exc).__name__}: {str(exc)[:200]}"
        if isinstance(exc, TypeError)
        else (type(exc).__name__)
    )
    log.warning(
        "update %s (%s) could not be parsed and was skipped: %s",
        update_id if update_id is not None else "without an id",
        kinds or "empty",
        reason,
    )
