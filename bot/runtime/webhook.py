"""Webhook mode's HTTP server: Telegram (or a load balancer in front of several workers)
POSTs each update here, and `/healthz` tells the load balancer whether this worker can
serve.

Why our own small aiohttp server and not PTB's `Updater.start_webhook` (tornado): PTB's
server has no way to add a route, so `/healthz` would need a second port; it needs the
`tornado` extra; and it compares the secret with `!=`. PTB documents this pattern ("custom
webhook server": put `Update.de_json(...)` on `application.update_queue`), and the
application processes those updates exactly as it does polled ones. aiohttp is already a
dependency (the emulator).

- `POST <path of WEBHOOK_URL>`: the `X-Telegram-Bot-Api-Secret-Token` header must equal
  WEBHOOK_SECRET (compared in constant time), else 403 and the body is not even read.
  A body that is not an update is a 400. Otherwise 200 once the update is queued: Telegram
  retries an update until it gets a 2xx, so it must not wait for the handlers.
- `GET /healthz`: 200 `{"ok": true, ...}` when the database answers and its schema is the
  one this code expects, else 503 with the reason; also 503 while starting or stopping.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import Update

from bot.config import Webhook
from bot.runtime.deps import BotApp, deps_of
from db.connection import migrations

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
# A health check must answer quickly even when the database hangs.
HEALTH_TIMEOUT = 2.0
# Telegram's updates are small; anything much larger is not one.
MAX_BODY = 1024 * 1024


@dataclass
class WebhookStats:
    """Counters for logs and tests."""

    accepted: int = 0
    forbidden: int = 0
    malformed: int = 0


class WebhookServer:
    """`await server.start()` listens on `webhook.listen:webhook.port`; `stop()` closes."""

    def __init__(
        self, app: BotApp, webhook: Webhook, *, ready: Callable[[], bool] | None = None
    ) -> None:
        self.app = app
        self.webhook = webhook
        self.stats = WebhookStats()
        self._secret = webhook.secret.encode()
        self._ready = ready or (lambda: app.running)
        self._runner: web.AppRunner | None = None
        self.port = webhook.port

    @property
    def url(self) -> str:
        """Where this worker listens (for the local cluster and tests), with the path."""
        host = self.webhook.listen
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return f"http://{host}:{self.port}{self.webhook.path}"

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(self.webhook.path, self._update)
        server.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.webhook.listen, self.webhook.port)
        await site.start()
        if self.port == 0:  # tests: a free port
            sockets = getattr(site._server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]
        log.info("webhook server listening on %s:%s", self.webhook.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorized(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self._secret)

    async def _update(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            self.stats.forbidden += 1
            log.warning("webhook request without the right secret header from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data: Any = json.loads(await request.read())
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.app.bot)
        except (ValueError, TypeError, KeyError) as exc:
            self.stats.malformed += 1
            log.warning("webhook body is not an update (%s)", exc)
            return web.Response(status=400, text="not an update")
        await self.app.update_queue.put(update)
        self.stats.accepted += 1
        return web.Response(text="ok")

    async def _health(self, request: web.Request) -> web.Response:
        ok, body = await health(self.app, ready=self._ready())
        return web.json_response(body, status=200 if ok else 503)


async def health(app: BotApp, *, ready: bool = True) -> tuple[bool, dict[str, Any]]:
    """(healthy?, what to say): the database answers a query within HEALTH_TIMEOUT and
    its schema version is the newest this code knows."""
    if not ready:
        return False, {"ok": False, "reason": "not serving (starting or stopping)"}
    try:
        db = deps_of(app).db
    except RuntimeError:
        return False, {"ok": False, "reason": "not initialized"}
    expected = len(migrations())
    try:
        version = await asyncio.wait_for(db.schema_version(), HEALTH_TIMEOUT)
    except TimeoutError:
        return False, {"ok": False, "reason": "database did not answer in time"}
    except Exception as exc:  # any driver error: unreachable, restarted, ...
        log.warning("health check: database unusable: %s", exc)
        return False, {"ok": False, "reason": f"database unusable: {type(exc).__name__}"}
    if version != expected:
        return False, {
            "ok": False,
            "reason": f"schema version {version}, this code expects {expected}",
        }
    return True, {"ok": True, "database": db.engine, "schema": version}
