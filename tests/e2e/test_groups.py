"""The coach is a private conversation: in a group the bot points to a private chat and
keeps nothing, a user's chat never moves to a group, and nobody presses another's buttons.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.emulator import BotApiEmulator, ChatUser, StoredMessage
from bot.emulator.server import BOT_USER
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import BotStarter, clear_safety
from tests.e2e.reminder_steps import MONDAY_0800_BERLIN, set_time

GROUP = -1001234567890
LINK = f"t.me/{BOT_USER['username']}?start="
NOT_YOURS = "This button isn't yours"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_0800_BERLIN)


@pytest.fixture
async def app(start_bot: BotStarter, clock: FakeClock) -> BotApp:
    return await start_bot(clock=clock, reminder_sweep_seconds=3600, speed=1.0)


@pytest.fixture
def alice(emulator: BotApiEmulator) -> ChatUser:
    return ChatUser(emulator, user_id=1001, first_name="Alice")


@pytest.fixture
def bob(emulator: BotApiEmulator) -> ChatUser:
    return ChatUser(emulator, user_id=2002, first_name="Bob")


async def stored_chat(app: BotApp, user_id: int) -> int | None:
    row = await deps_of(app).db.fetchone("SELECT chat_id FROM users WHERE user_id = ?", (user_id,))
    return None if row is None else int(row[0])


async def rows_naming(app: BotApp, chat_id: int) -> int:
    """Rows anywhere that point at `chat_id`."""
    db = deps_of(app).db
    total = 0
    for sql in (
        "SELECT count(*) FROM users WHERE chat_id = ? OR user_id = ?",
        "SELECT count(*) FROM routine_runs WHERE chat_id = ? OR user_id = ?",
    ):
        row = await db.fetchone(sql, (chat_id, chat_id))
        assert row is not None
        total += int(row[0])
    return total


def group_sends(emulator: BotApiEmulator) -> list[StoredMessage]:
    return [e.message for e in emulator.chat_events(GROUP, "send") if e.message is not None]


async def test_a_command_in_a_group_gets_a_private_link_and_never_moves_the_reminder(
    app: BotApp, alice: ChatUser, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    await alice.send("/timezone Berlin")
    await alice.expect_message("Europe/Berlin")
    await set_time(alice, "7:30", "Next: tomorrow 07:30")

    in_group = alice.in_group(GROUP)
    await in_group.send("/why@backcoach_test_bot")
    answer = await in_group.expect_message(LINK)
    assert answer.buttons == [] and "\n" not in answer.plain.strip()
    assert await stored_chat(app, alice.user_id) == alice.chat_id
    assert await rows_naming(app, GROUP) == 0

    # Tuesday 07:30 in Berlin: the reminder comes to Alice, in private; never the group.
    clock.set(datetime(2024, 6, 4, 5, 30, tzinfo=UTC))
    await deps_of(app).reminders.sweep()
    await deps_of(app).reminders.sender.join()
    reminder = await alice.expect_message("time for your back routine")
    assert reminder.chat_id == alice.user_id
    assert [m.plain for m in group_sends(emulator)] == [answer.plain]


async def test_a_group_gets_one_line_for_what_is_addressed_to_the_bot_and_nothing_is_stored(
    app: BotApp, bob: ChatUser, emulator: BotApiEmulator
) -> None:
    in_group = bob.in_group(GROUP)
    await in_group.add_bot()
    await in_group.send("anyone else sore today?")  # not for the bot: no answer
    await in_group.send("/help@some_other_bot")  # another bot's command
    await in_group.mention("@backcoach_test_bot how long is the knee hug?")
    await in_group.expect_message(LINK)
    await in_group.send("/start")
    await in_group.expect_message(LINK)
    await in_group.send("/routine@BackCoach_Test_Bot")
    await in_group.expect_message(LINK)
    # Updates are handled in order: the ones before the last answer were all handled.
    assert len(group_sends(emulator)) == 3
    row = await deps_of(app).db.fetchone("SELECT count(*) FROM users")
    assert row is not None and row[0] == 0
    assert await rows_naming(app, GROUP) == 0
    # The link works: /start with its payload, in private, is the usual greeting.
    link = group_sends(emulator)[0].plain
    payload = link.split(LINK, 1)[1].split()[0].rstrip(".")
    await bob.send(f"/start {payload}")
    await bob.expect_message("safety check")
    assert await stored_chat(app, bob.user_id) == bob.chat_id


async def test_a_stranger_pressing_someone_elses_buttons_changes_nothing(
    app: BotApp, alice: ChatUser, bob: ChatUser, emulator: BotApiEmulator
) -> None:
    await clear_safety(bob)
    await alice.send("/start")
    safety_screen = await alice.expect_message("safety check")
    await alice.send("/timezone Berlin")
    await alice.expect_message("Europe/Berlin")
    await set_time(alice, "7:30", "Next: tomorrow 07:30")
    await alice.send("/reminder")
    status = await alice.expect_message("Your reminder")
    await alice.send("/forget")
    question = await alice.expect_message("can't be undone")
    edits_before = len(emulator.chat_events(alice.chat_id, "edit"))

    # Bob presses buttons on messages in Alice's chat (a forged or relayed press).
    for label, message in (
        ("Delete everything", question),
        ("None of these apply", safety_screen),
        ("Turn off", status),
    ):
        answer = await bob.press(label, message)
        assert answer.text == NOT_YOURS

    assert len(emulator.chat_events(alice.chat_id, "edit")) == edits_before
    profile = await deps_of(app).users.get(alice.user_id)
    assert profile is not None and profile.safety is None  # Bob did not answer for her
    _, reminder = await deps_of(app).reminders.get(alice.user_id)
    assert reminder is not None and reminder.enabled
    assert await deps_of(app).users.get(bob.user_id) is not None  # nor deleted his own data
    # Alice's own press still works.
    await alice.press("Turn off", status)
    await alice.expect_edit("off")


async def test_a_button_on_a_group_message_is_nobodys(
    app: BotApp, bob: ChatUser, emulator: BotApiEmulator
) -> None:
    await clear_safety(bob)
    # A /forget question posted in the group before the coach became private-only.
    button = {"text": "🗑 Delete everything", "callback_data": "f:yes"}
    old = StoredMessage(
        chat_id=GROUP,
        message_id=1,
        date=int(time.time() - timedelta(days=1).total_seconds()),
        from_bot=True,
        text="This deletes everything I store about you.",
        reply_markup={"inline_keyboard": [[button]]},
    )
    emulator.messages[(GROUP, 1)] = old
    answer = await bob.in_group(GROUP).press("Delete everything", old)
    assert answer.text == NOT_YOURS
    assert await deps_of(app).users.get(bob.user_id) is not None
    assert group_sends(emulator) == [] and emulator.chat_events(GROUP, "edit") == []
