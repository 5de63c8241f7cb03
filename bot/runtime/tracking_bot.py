"""The bot object PTB uses, plus one memory: which button presses it already answered.

Telegram wants every button press answered exactly once. Handlers answer as they go; the
error handler must answer only those a failing handler had not answered yet, and nothing
else can tell it which ones those are.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from telegram.ext import ExtBot

# Presses are answered within seconds; a few thousand recent ids is plenty.
_REMEMBERED = 4096


class AnswerTrackingBot(ExtBot[None]):
    __slots__ = ("_answered",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: OrderedDict[str, None] = OrderedDict()

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
