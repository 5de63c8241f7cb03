"""The emulator's webhook mode behaves like Telegram's: setWebhook's rules, no getUpdates
while a webhook is set, only the allowed update types, the secret header on each POST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.emulator import BotApiEmulator, ChatUser
from bot.emulator.webhook import SECRET_HEADER

TOKEN = "123456789:TEST-token-for-the-emulator-0000000"


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[str | None, dict[str, Any]]]]]:
    """A stand-in worker that records what it is sent."""
    got: list[tuple[str | None, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hook", got
    await runner.cleanup()


async def call(emulator: BotApiEmulator, method: str, **params: Any) -> dict[str, Any]:
    url = f"{emulator.url}/bot{TOKEN}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, json=params) as answer:
        body: dict[str, Any] = await answer.json()
        return body


async def test_updates_are_posted_with_the_secret_and_filtered_by_type(
    receiver: tuple[str, list[tuple[str | None, dict[str, Any]]]],
) -> None:
    url, got = receiver
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        user = ChatUser(emulator, user_id=5)
        await user.send("/start")  # waits for the webhook, as Telegram keeps it
        answer = await call(
            emulator, "setWebhook", url=url, secret_token="abc", allowed_updates=["message"]
        )
        assert answer["ok"] is True
        await user.send_update(update_key="edited_message", text="edited")  # not allowed
        await user.send("/help")
        assert emulator.webhook is not None
        await emulator.webhook.join()
        assert [(secret, update["message"]["text"]) for secret, update in got] == [
            ("abc", "/start"), ("abc", "/help"),
        ]  # fmt: skip
        assert emulator.webhook.stats.filtered == 1
        conflict = await call(emulator, "getUpdates")
        assert conflict["error_code"] == 409
        info = await call(emulator, "getWebhookInfo")
        assert info["result"]["url"] == url and info["result"]["allowed_updates"] == ["message"]
        assert (await call(emulator, "deleteWebhook"))["ok"]
        assert (await call(emulator, "getUpdates"))["ok"]
    finally:
        await emulator.stop()


@pytest.mark.parametrize(
    "params",
    [
        {"url": "http://example.com/hook"},
        {"url": "https://example.com/hook", "secret_token": "no spaces"},
        {"url": "https://example.com/hook", "max_connections": 101},
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(params: dict[str, Any]) -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        answer = await call(emulator, "setWebhook", **params)
        assert answer["ok"] is False and answer["error_code"] == 400
        assert emulator.webhook is None
    finally:
        await emulator.stop()
