"""Running the application in webhook mode: one worker of possibly many behind a load
balancer (long polling, the default for one process, is PTB's `run_polling`).

Start-up order: initialize and `post_init` (database, Deps, the worker's duties), listen
(updates that arrive now wait in PTB's queue), start dispatching, then `setWebhook` with
the URL, the secret, `allowed_updates` and `max_connections`. Every worker sends the same
`setWebhook` (it is idempotent); none ever deletes the webhook on the way out, since the
others keep serving it.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import ALLOWED_UPDATES, stop_application
from bot.config import Webhook
from bot.runtime.deps import BotApp, deps_of
from bot.runtime.webhook import WebhookServer

log = logging.getLogger(__name__)


async def start_webhook_application(
    app: BotApp, webhook: Webhook, *, set_webhook: bool = True
) -> WebhookServer:
    """What `Application.run_webhook` does before it waits, for callers that own the
    event loop (the worker process, tests). Returns the listening server."""
    await app.initialize()
    server = WebhookServer(app, webhook)
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await server.start()
        await app.start()
        if set_webhook:
            await app.bot.set_webhook(
                url=webhook.url,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=webhook.max_connections,
                secret_token=webhook.secret,
            )
    except BaseException:
        await _abandon(app, server)
        raise
    log.info("webhook worker ready on port %s (path %s)", server.port, webhook.path)
    return server


async def stop_webhook_application(app: BotApp, server: WebhookServer) -> None:
    """Stop taking updates, let those queued be handled, then stop like polling does."""
    await server.stop()
    await stop_application(app)


async def _abandon(app: BotApp, server: WebhookServer) -> None:
    """Undo a start that failed part way (post_init may not have built Deps)."""
    await server.stop()
    if app.running:
        await app.stop()
    try:
        deps_of(app)
    except RuntimeError:  # post_init failed before building Deps: nothing to stop
        pass
    else:
        if app.post_stop is not None:
            await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


def run_webhook(app: BotApp, webhook: Webhook) -> None:
    """Serve until SIGINT or SIGTERM (a service manager's stop), then stop cleanly."""

    async def serve() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        server = await start_webhook_application(app, webhook)
        try:
            await stopping.wait()
        finally:
            log.info("stopping the webhook worker")
            await stop_webhook_application(app, server)

    asyncio.run(serve())
