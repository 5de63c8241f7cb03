"""The emulator's webhook delivery: what Telegram does once `setWebhook` was called, and
what a load balancer in front of several workers does with it.

Each update is POSTed as JSON with the `X-Telegram-Bot-Api-Secret-Token` header that
`setWebhook` named, to the webhook's URL, or, when the emulator was given `targets` (the
local cluster: the workers' own URLs, standing in for a load balancer's upstreams),
round-robin to those. Like Telegram, a non-2xx answer or a refused connection is retried
(the next attempt goes to the next target, as nginx's `proxy_next_upstream` would), updates
of one chat go out one after another (the next once the previous was acknowledged), and at
most `max_connections` requests are open at once. Updates of a type not in
`allowed_updates` are not sent at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Attempts per update before giving up (Telegram gives up "after a reasonable amount").
ATTEMPTS = 20
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class WebhookRejected(ValueError):
    """setWebhook's parameters are not acceptable; the message is Telegram's 400 text."""


@dataclass(frozen=True)
class WebhookSetting:
    """What `setWebhook` stored (and `getWebhookInfo` reports)."""

    url: str
    secret_token: str | None = None
    allowed_updates: tuple[str, ...] | None = None
    max_connections: int = 40

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> WebhookSetting:
        url = str(params.get("url") or "")
        parts = urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in _LOOPBACK
        ):
            # Telegram accepts only https; the emulator also takes http on loopback.
            raise WebhookRejected("Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise WebhookRejected("Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise WebhookRejected("Bad Request: can't parse allowed_updates JSON array")
        try:
            most = int(params.get("max_connections") or 40)
        except (TypeError, ValueError):
            most = 0
        if not 1 <= most <= 100:
            raise WebhookRejected("Bad Request: bad webhook: max_connections must be 1-100")
        return cls(
            url=url,
            secret_token=str(secret) if secret is not None else None,
            allowed_updates=tuple(str(a) for a in allowed) if allowed else None,
            max_connections=most,
        )

    def info(self, pending: int) -> dict[str, Any]:
        result: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
            "max_connections": self.max_connections,
        }
        if self.allowed_updates is not None:
            result["allowed_updates"] = list(self.allowed_updates)
        return result


@dataclass
class DeliveryStats:
    # update_id -> the target that acknowledged it
    delivered: dict[int, str] = field(default_factory=dict)
    # (update_id, target, HTTP status or 0 for a refused connection) of failed attempts
    failures: list[tuple[int, str, int]] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    filtered: int = 0


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def chat_of(update: dict[str, Any]) -> int:
    """The chat an update belongs to (0 when it has none)."""
    body = update.get(update_type(update))
    if not isinstance(body, dict):
        return 0
    message = body.get("message") if "message" in body else body
    chat = (message or {}).get("chat") or {}
    sender = body.get("from") or {}
    return int(chat.get("id") or sender.get("id") or 0)


class WebhookDelivery:
    """POSTs updates as Telegram does; `targets` (optional) replace the URL's host, in
    turn. `await close()` stops deliveries in flight."""

    def __init__(
        self,
        setting: WebhookSetting,
        targets: list[str] | None = None,
        *,
        retry_delay: float = 0.05,
    ) -> None:
        self.setting = setting
        self.targets = list(targets) if targets else [setting.url]
        self.retry_delay = retry_delay
        self.stats = DeliveryStats()
        self._turn = itertools.count()
        self._chats: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._slots = asyncio.Semaphore(setting.max_connections)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, update: dict[str, Any]) -> None:
        allowed = self.setting.allowed_updates
        if allowed is not None and update_type(update) not in allowed:
            self.stats.filtered += 1
            return
        self._pending += 1
        self._idle.clear()
        task = asyncio.create_task(self._deliver(update), name=f"webhook-{update['update_id']}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def join(self) -> None:
        """Wait until every submitted update was acknowledged or given up."""
        await self._idle.wait()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def _deliver(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        headers = {"Content-Type": "application/json"}
        if self.setting.secret_token is not None:
            headers[SECRET_HEADER] = self.setting.secret_token
        try:
            async with self._chats[chat_of(update)]:
                for attempt in range(ATTEMPTS):
                    target = self.targets[next(self._turn) % len(self.targets)]
                    status = await self._post(target, update, headers)
                    if 200 <= status < 300:
                        self.stats.delivered[update_id] = target
                        return
                    self.stats.failures.append((update_id, target, status))
                    # A refused connection: try the next target at once; else back off.
                    if status != 0 or attempt >= len(self.targets):
                        await asyncio.sleep(min(1.0, self.retry_delay * 2 ** min(attempt, 5)))
                self.stats.given_up.append(update_id)
                log.warning("webhook: gave up on update %s", update_id)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    async def _post(self, target: str, update: dict[str, Any], headers: dict[str, str]) -> int:
        async with self._slots:
            try:
                async with self._client().post(target, json=update, headers=headers) as answer:
                    await answer.read()
                    return answer.status
            except (aiohttp.ClientError, TimeoutError, OSError):
                return 0
