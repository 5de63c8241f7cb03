"""`python -m bot` when the Bot API refuses it or cannot be reached: one line, exit
status 2, and the token nowhere in what it prints (PTB's own error message holds the
token in full, so it must never reach the screen)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from bot.__main__ import API_TRIES, TOKEN_REJECTED
from bot.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from tests.e2e.live import start_live_bot


async def run_bot(api_url: str, tmp_path: Path) -> tuple[int, str, str]:
    """Run `python -m bot` to its end (at DEBUG, the most it ever logs)."""
    process = await start_live_bot(api_url, tmp_path, log_level="DEBUG")
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.communicate()
        pytest.fail("python -m bot kept running although the Bot API is unusable")
    assert process.returncode is not None
    return process.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace")


def the_token_is_nowhere(*outputs: str) -> None:
    secret = TEST_TOKEN.split(":", 1)[1]
    for output in outputs:
        assert TEST_TOKEN not in output and secret not in output
        assert "Traceback" not in output


@pytest.mark.slow
@pytest.mark.parametrize(
    "answer",
    ["401 Unauthorized", "404 for the token", "404 for a wrong path"],
)
async def test_a_rejected_token_is_one_line_and_exit_2(
    emulator: BotApiEmulator, tmp_path: Path, answer: str
) -> None:
    url = emulator.url
    if answer == "401 Unauthorized":
        emulator.reject_token(401)
    elif answer == "404 for the token":
        emulator.reject_token(404)
    else:
        url = f"{emulator.url}/telegram"  # a TELEGRAM_API_URL with a path the server lacks
    code, stdout, stderr = await run_bot(url, tmp_path)

    assert code == 2, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == f"backcoach: {TOKEN_REJECTED}"
    assert [line for line in stderr.splitlines() if "rejected" in line] == [
        f"backcoach: {TOKEN_REJECTED}"
    ]
    the_token_is_nowhere(stdout, stderr)
    assert [m for m, _ in emulator.requests if m == "getUpdates"] == []  # never went online


@pytest.mark.slow
async def test_an_unreachable_api_is_retried_briefly_then_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code, stdout, stderr = await run_bot(url, tmp_path)

    assert code == 2, stderr[-2000:]
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"backcoach: cannot reach the Bot API at {url} (")
    assert last.endswith(f"after {API_TRIES} tries: check TELEGRAM_API_URL and the network")
    retries = [line for line in stderr.splitlines() if "trying again in" in line]
    assert len(retries) == API_TRIES - 1  # one clear line a retry
    the_token_is_nowhere(stdout, stderr)


@pytest.mark.slow
async def test_a_server_that_is_not_a_bot_api_is_named_in_one_line(tmp_path: Path) -> None:
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>It works!</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", page)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        code, stdout, stderr = await run_bot(f"http://127.0.0.1:{port}", tmp_path)
    finally:
        await runner.cleanup()

    assert code == 2, stderr[-2000:]
    assert "did not answer like a Bot API server" in stderr.strip().splitlines()[-1]
    the_token_is_nowhere(stdout, stderr)
