"""The paced reminder queue: what it retries (only what never left), what it drops, and
that a key is queued once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.runtime.sending import PacedSender, never_sent


def fast_sender() -> PacedSender:
    return PacedSender(rate=10_000, workers=2, base_backoff=0.001, max_backoff=0.01)


def failed(exc: NetworkError, cause: Exception) -> NetworkError:
    """A PTB error as HTTPXRequest raises it: the httpx error is its cause."""
    exc.__cause__ = cause
    return exc


def never_left() -> list[BaseException]:
    return [
        failed(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")),
        failed(TimedOut(), httpx.ConnectTimeout("connect")),
        failed(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")),
    ]


async def test_flood_and_sends_that_never_left_are_retried_until_sent() -> None:
    sender = fast_sender()
    outcomes: list[BaseException | None] = [RetryAfter(0), *never_left(), None]
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
    assert calls == 5
    assert (sender.stats.done, sender.stats.retry_after, sender.stats.network_errors) == (1, 1, 3)


async def test_a_send_that_may_have_reached_telegram_is_not_retried() -> None:
    """A slow answer, a connection dropped after the request, a 5xx: a retry could
    deliver the message twice, and Telegram has no idempotency key."""
    sender = fast_sender()
    calls: list[int] = []
    request = httpx.Request("POST", "http://127.0.0.1/botTOKEN/sendMessage")
    maybe_sent = [
        failed(TimedOut(), httpx.ReadTimeout("read", request=request)),
        failed(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")),
        NetworkError("Internal Server Error (500)"),
    ]

    def failing(key: int, error: BaseException) -> Callable[[], Awaitable[None]]:
        async def attempt() -> None:
            calls.append(key)
            raise error

        return attempt

    sender.start()
    for key, error in enumerate(maybe_sent):
        sender.submit(key, failing(key, error))
    await sender.join()
    await sender.stop()
    assert sorted(calls) == [0, 1, 2]
    assert sender.stats.maybe_sent == 3 and sender.stats.network_errors == 0


def test_only_errors_before_the_request_left_count_as_never_sent() -> None:
    assert all(never_sent(exc) for exc in never_left())
    assert not never_sent(TimedOut())  # no cause: nothing tells us it never left
    assert not never_sent(failed(TimedOut(), httpx.ReadTimeout("read")))
    assert not never_sent(failed(TimedOut(), httpx.WriteTimeout("write")))


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
