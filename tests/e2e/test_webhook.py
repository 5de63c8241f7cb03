"""Webhook mode: updates POSTed by Telegram (here the emulator) with the secret header
are handled like polled ones; anything without the right secret is refused unread;
`/healthz` tells a load balancer whether the worker can serve."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Settings, Webhook
from bot.emulator import BotApiEmulator, ChatUser
from bot.runtime.deps import BotApp, deps_of
from bot.runtime.webhook import SECRET_HEADER, WebhookServer
from bot.serve import start_webhook_application, stop_webhook_application
from db.connection import migrations

SECRET = "s3cret-for-the-test_0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def worker(
    emulator: BotApiEmulator, settings: Settings
) -> AsyncIterator[tuple[BotApp, WebhookServer]]:
    port = free_port()
    hook = Webhook(
        url=f"http://127.0.0.1:{port}/telegram", secret=SECRET, port=port, max_connections=7
    )
    app = build_application(settings.with_overrides(webhook=hook))
    server = await start_webhook_application(app, hook)
    yield app, server
    await stop_webhook_application(app, server)


def an_update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    person = {"id": user_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_the_worker_sets_its_webhook_and_answers_what_telegram_posts(
    emulator: BotApiEmulator, worker: tuple[BotApp, WebhookServer], user: ChatUser
) -> None:
    _, server = worker
    calls = [params for method, params in emulator.requests if method == "setWebhook"]
    assert len(calls) == 1
    assert calls[0]["url"] == server.url
    assert calls[0]["secret_token"] == SECRET
    assert list(calls[0]["allowed_updates"]) == ALLOWED_UPDATES
    assert int(calls[0]["max_connections"]) == 7

    await user.send("/start")
    await user.expect_message("BackCoach")
    await user.press("None of these apply", await user.expect_message("safety check"))
    await user.expect_edit("good to start")
    assert server.stats.accepted == 2 and server.stats.forbidden == 0
    assert emulator.webhook is not None and len(emulator.webhook.stats.delivered) == 2


async def test_a_request_without_the_right_secret_is_refused_and_never_handled(
    emulator: BotApiEmulator, worker: tuple[BotApp, WebhookServer]
) -> None:
    _, server = worker
    mallory = ChatUser(emulator, user_id=666, first_name="Mallory")
    forged = json.dumps(an_update(9001, 666, "/start"))
    wrong = [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}, {SECRET_HEADER: ""}]
    async with aiohttp.ClientSession() as http:
        for headers in wrong:
            headers = {"Content-Type": "application/json", **headers}
            async with http.post(server.url, data=forged, headers=headers) as answer:
                assert answer.status == 403
    # The same chat then really writes: updates are handled in order, so had a forged
    # /start been handled, its greeting would come before this answer.
    await mallory.send("/help")
    reply = await mallory.expect_message()
    assert "/routine" in reply.plain
    assert len(emulator.chat_events(666, "send")) == 1
    assert server.stats.forbidden == len(wrong) and server.stats.accepted == 1


async def test_a_body_that_is_not_an_update_is_a_400(
    worker: tuple[BotApp, WebhookServer],
) -> None:
    _, server = worker
    async with aiohttp.ClientSession() as http:
        for body in (b"not json", b"[1, 2]", b'{"message": {}}'):
            async with http.post(
                server.url, data=body,
                headers={"Content-Type": "application/json", SECRET_HEADER: SECRET},
            ) as answer:  # fmt: skip
                assert answer.status == 400
    assert server.stats.malformed == 3 and server.stats.accepted == 0


async def test_healthz_says_ok_while_the_schema_is_current_and_503_when_it_is_not(
    worker: tuple[BotApp, WebhookServer],
) -> None:
    app, server = worker
    db = deps_of(app).db
    health = server.url.rsplit("/", 1)[0] + "/healthz"
    async with aiohttp.ClientSession() as http:
        async with http.get(health) as answer:
            assert answer.status == 200
            body = await answer.json()
        assert body == {"ok": True, "database": db.engine, "schema": len(migrations())}

        # A newer worker migrated the database (a rolling upgrade): this one must leave
        # the balancer's pool.
        if db.engine == "sqlite":
            await db.execute(f"PRAGMA user_version = {len(migrations()) + 1}")
        else:
            await db.execute("UPDATE schema_version SET version = version + 1")
        async with http.get(health) as answer:
            assert answer.status == 503
            assert "expects" in (await answer.json())["reason"]
