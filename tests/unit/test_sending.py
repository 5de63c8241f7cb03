"""The paced reminder queue: what it retries, what it drops, and that a key is queued once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.runtime.sending import PacedSender


def fast_sender() -> PacedSender:
    return PacedSender(rate=10_000, workers=2, base_backoff=0.001, max_backoff=0.01)


async def test_flood_and_network_errors_are_retried_until_sent() -> None:
    sender = fast_sender()
    outcomes: list[BaseException | None] = [RetryAfter(0), NetworkError("reset"), TimedOut(), None]
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        outcome = outcomes[calls]
        calls += 1
        if outcome is not None:
            raise outcome

    sender.start()
    assert sender.submit(1, attempt)
    await sender.join()
    await sender.stop()
    assert calls == 4
    assert (sender.stats.done, sender.stats.retry_after, sender.stats.network_errors) == (1, 1, 2)


async def test_bad_requests_and_other_errors_are_dropped_not_retried() -> None:
    sender = fast_sender()
    calls: list[int] = []

    def failing(key: int, error: Exception) -> Callable[[], Awaitable[None]]:
        async def attempt() -> None:
            calls.append(key)
            raise error

        return attempt

    sender.start()
    sender.submit(1, failing(1, BadRequest("message is too long")))
    sender.submit(2, failing(2, Forbidden("blocked")))
    sender.submit(3, failing(3, ValueError("bug")))
    await sender.join()
    await sender.stop()
    assert sorted(calls) == [1, 2, 3]
    assert sender.stats.dropped == 3 and sender.backlog == 0


async def test_a_key_is_queued_once_and_not_after_stop() -> None:
    sender = fast_sender()
    sent: list[int] = []

    async def attempt() -> None:
        sent.append(7)

    assert sender.submit(7, attempt)
    assert not sender.submit(7, attempt)  # the sweep may see a queued reminder again
    assert 7 in sender and sender.backlog == 1
    sender.start()
    await sender.join()
    assert sent == [7] and 7 not in sender
    await sender.stop()
    assert not sender.submit(8, attempt)
