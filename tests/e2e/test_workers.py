"""Several webhook workers on one PostgreSQL, as real processes (`bot/cluster.py`): the
emulator delivers updates to them in turn, as Telegram behind a load balancer would, and
a worker is killed with SIGKILL, as when its machine dies.

Holds run at BACKCOACH_SPEED=20 (a 20 s hold lasts 1 s); the reminder sender sweeps
every second.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cluster import LocalCluster, seed_due_reminders
from bot.emulator import ChatUser
from bot.emulator.server import BotApiEmulator, Event
from db.connection import Database
from tests.conftest import cleared_routine

# Processes: about 20 s in all (each test starts two workers, ~2 s).
pytestmark = [
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
    pytest.mark.slow,
]

REMINDER_TEXT = "time for your back routine"
SENDER = "now sends the reminders"


@pytest.fixture
async def cluster(
    database_url: str, tmp_path: Path, media_cache: Path
) -> AsyncIterator[LocalCluster]:
    running = LocalCluster(
        workers=2,
        folder=tmp_path / "cluster",
        database_url=database_url,
        speed=20.0,
        sweep_seconds=20.0,  # 1 s of real time at speed 20
        flood_limit=30.0,
        # The tests' drawn pictures: no worker spends its CPU drawing them all again
        # while the test runs, nor waits for the current drawing when it is stopped.
        extra_env={"MEDIA_DIR": str(media_cache)},
    )
    await running.start()
    yield running
    await running.stop()
    twice = {q: n for q, n in running.emulator.answer_attempts.items() if n > 1}
    assert not twice, f"callback queries answered more than once: {twice}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    yield database
    await database.close()


def answers(query_id: str, event: Event) -> bool:
    return event.kind == "answer" and event.callback_query_id == query_id


def delivered_to(emulator: BotApiEmulator) -> dict[int, str]:
    """update_id -> the worker URL that took it."""
    assert emulator.webhook is not None, "no worker called setWebhook"
    return emulator.webhook.stats.delivered


async def test_a_routine_whose_updates_alternate_between_two_workers(
    cluster: LocalCluster, db: Database
) -> None:
    emulator = cluster.emulator
    user = ChatUser(emulator, user_id=2001)
    await cleared_routine(user)
    await user.press("Next")
    await user.expect_edit("Step 2 of 4")
    await user.press("Show all steps")
    await user.expect_edit()
    await user.press("Start the 20 s hold")
    await user.expect_message("Hold for 20 seconds")
    await user.expect_message("Release now", timeout=5)
    await user.press("Next exercise")
    await user.expect_message("2/5 · Cat/cow")

    targets = list(delivered_to(emulator).values())
    # Round-robin, one update at a time: every update went to the other worker.
    assert all(a != b for a, b in itertools.pairwise(targets))
    assert set(targets) == {worker.url for worker in cluster.running}
    assert sum("Release now" in text for text in user.sent_texts()) == 1
    row = await db.fetchone("SELECT exercise_index, status FROM routine_runs")
    assert row is not None and (row["exercise_index"], row["status"]) == (1, "active")


async def test_one_press_delivered_to_both_workers_at_once_applies_once(
    cluster: LocalCluster, db: Database
) -> None:
    emulator = cluster.emulator
    user = ChatUser(emulator, user_id=2002)
    await cleared_routine(user)
    before = await db.fetchone("SELECT step_index, version FROM routine_runs")
    assert before is not None
    card = user.find_button_message("Next")
    data = next(str(b["callback_data"]) for b in card.buttons if "Next" in str(b["text"]))
    # The same button twice at once (a double tap, or Telegram redelivering): the
    # emulator hands one to each worker, which handle them side by side.
    first = await user.press_nowait(data, card)
    second = await user.press_nowait(data, card)
    for query in (first, second):
        await emulator.wait_for(functools.partial(answers, query))
    after = await db.fetchone("SELECT step_index, version FROM routine_runs")
    assert after is not None
    assert (after["step_index"], after["version"]) == (
        before["step_index"] + 1,
        before["version"] + 1,
    )
    presses = sorted(delivered_to(emulator).items())[-2:]
    assert presses[0][1] != presses[1][1]  # one press on each worker


async def test_kill_9_the_worker_that_started_a_hold_the_other_says_release_now_once(
    cluster: LocalCluster, db: Database
) -> None:
    emulator = cluster.emulator
    user = ChatUser(emulator, user_id=2003)
    await cleared_routine(user)
    await user.press("Show all steps")
    await user.expect_edit()
    await user.press("Start the 20 s hold")
    await user.expect_message("Hold for 20 seconds")
    started_by = delivered_to(emulator)[max(delivered_to(emulator))]
    owner = next(w for w in cluster.running if w.url == started_by)
    owner.kill()  # before its 1 s timer fires
    row = await db.fetchone("SELECT hold_ends_at FROM routine_runs")
    assert row is not None and row["hold_ends_at"] is not None
    ends_at = float(row["hold_ends_at"])

    release = await user.expect(lambda e: e.kind == "send" and "Release now" in e.text, timeout=8)
    # The survivor's hold sweep: within 2 s of the hold's end (the bound).
    assert 0 <= release.wall - ends_at < 2.0
    await owner.process.wait()
    await user.press("Next exercise")  # handled by the survivor: the dead one is skipped
    await user.expect_message("2/5 · Cat/cow")
    assert sum("Release now" in text for text in user.sent_texts()) == 1
    survivor = next(w for w in cluster.running if w is not owner)
    assert survivor.logged("taking over a hold its worker did not release")

    # The killed worker comes back and is handed updates again (the emulator, like a
    # load balancer, skipped it while it was down).
    again = await cluster.restart(cluster.running.index(owner))
    for _ in range(2):
        await user.send("/help")
        await user.expect_message("/routine")
    recent = sorted(delivered_to(emulator).items())[-2:]
    assert {url for _, url in recent} == {again.url, survivor.url}


async def test_a_reminder_burst_survives_killing_the_sender_exactly_once_and_under_the_limit(
    cluster: LocalCluster, db: Database, database_url: str
) -> None:
    """120 reminders due at once (bench-cluster does 2,000): the sender is killed a
    quarter of the way through; the other worker takes over."""
    emulator = cluster.emulator
    count = 120
    ids = await seed_due_reminders(database_url, count, due_at=time.time())
    chats = set(ids)

    def reminders_sent() -> Counter[int]:
        return Counter(
            e.chat_id
            for e in emulator.events
            if e.kind == "send" and e.chat_id in chats and REMINDER_TEXT in e.text.lower()
        )

    deadline = time.monotonic() + 30
    while sum(reminders_sent().values()) < count // 4:
        assert time.monotonic() < deadline, "the reminders did not start"
        await asyncio.sleep(0.05)
    senders = [w for w in cluster.running if w.logged(SENDER)]
    assert len(senders) == 1
    sender = senders[0]
    sender.kill()
    await sender.process.wait()

    # Until every reminder was handled: sent, or counted as sent after the kill.
    deadline = time.monotonic() + 60
    while True:
        row = await db.fetchone(
            "SELECT count(*) AS n FROM reminders WHERE last_date IS NULL OR sending_at IS NOT NULL"
        )
        assert row is not None
        if row["n"] == 0:
            break
        assert time.monotonic() < deadline, f"{row['n']} reminders never handled"
        await asyncio.sleep(0.2)

    sent = reminders_sent()
    assert max(sent.values()) == 1, "a reminder came twice"
    # The only loss the single-process design allows: a send the killed worker had
    # claimed but maybe not made (one HTTP call each, at most its 8 send workers).
    # Counted as sent by the successor, never repeated.
    assert len(sent) >= count - 8
    assert emulator.throttled == 0  # never above the emulator's 30 messages/s
    survivor = next(w for w in cluster.running if w is not sender)
    assert survivor.logged(SENDER)
    late = await db.fetchone(
        "SELECT count(*) AS n FROM reminders WHERE next_due <= ?", (time.time(),)
    )
    assert late is not None and late["n"] == 0  # every one moved on to tomorrow
