"""The exercise pictures in the chat, over the real Bot API (the emulator): one picture or
loop per exercise (the twist one per side), uploaded once and then sent by `file_id`, a
rejected `file_id` uploaded again, and "Text only" for slow connections."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot.app import build_application, start_application, stop_application
from bot.config import Settings
from bot.emulator import BotApiEmulator, ChatUser, StoredMessage
from bot.emulator.server import MediaSend
from bot.media.figures import MediaLibrary, RenderReport
from bot.runtime.deps import BotApp, deps_of
from tests.conftest import (
    DOCS_PICTURES,
    BotStarter,
    begin_routine,
    clear_safety,
    cleared_routine,
    skip_to,
)

# What the first step of each exercise comes with (key names; the files carry a hash too).
SENT_WITH = [
    ("1/5 · Back flexion stretch", "photo", "flexion-hug"),
    ("2/5 · Cat/cow stretch", "animation", "cat_cow-loop"),
    ("3/5 · Trunk twist", "animation", "trunk_twist-right-loop"),
    ("Switch sides", "animation", "trunk_twist-left-loop"),
    ("4/5 · Knee rocks", "animation", "knee_rocks-loop"),
    ("5/5 · Glute bridge", "animation", "glute_bridge-loop"),
]


def pictures(emulator: BotApiEmulator, user: ChatUser) -> list[StoredMessage]:
    """The chat's picture messages, oldest first."""
    return [
        message
        for (chat_id, _), message in sorted(emulator.messages.items())
        if chat_id == user.chat_id and message.kind != "text"
    ]


def file_name(emulator: BotApiEmulator, send: MediaSend) -> str:
    return emulator.uploads[send.file_id].filename or ""


async def pain_after(user: ChatUser, pain: int = 3) -> None:
    await user.press(str(pain), user.find_button_message("10"))
    await user.expect_message("Pain: 5 → 3")  # the summary


async def skip_through(user: ChatUser) -> None:
    """From the first exercise, skip every exercise and give the closing pain score."""
    await skip_to(user, 6)
    await pain_after(user)


async def test_a_whole_routine_brings_a_picture_per_exercise_and_the_twist_one_per_side(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await cleared_routine(user)
    # 1. The knee hug: a still of the position, with the first step as its caption and the
    # step's buttons under it; every later step edits that caption.
    card = user.find_button_message("Next")
    assert card.kind == "photo" and "Step 1 of 4" in card.plain
    assert "📝 Text only" in card.button_labels
    await user.press("Show all steps")
    whole = await user.expect_edit("20–30 seconds")
    assert whole is card and whole.kind == "photo" and "📝 Text only" not in whole.button_labels
    await user.press("Start the 20 s hold")
    await user.expect_message("Release now", timeout=3)
    await user.press("Next exercise")
    # 2. Cat/cow: its loop.
    await user.expect_message("2/5 · Cat/cow stretch")
    await user.press("Show all steps")
    await user.expect_edit("15–20 times")
    await user.press("Done")
    # 3. The twist: the right side's loop, then at "switch sides" the mirror loop.
    await user.expect_message("3/5 · Trunk twist")
    await user.press("Show all steps")
    await user.expect_edit("shoulder blades")
    await user.press("Start the 15 s hold (right side)")
    switch = await user.expect_message("Switch sides", timeout=3)
    assert switch.kind == "animation"
    await user.press("Start the 15 s hold (left side)", switch)
    await user.expect_message("Release now", timeout=3)
    await user.press("Next exercise")
    # 4. Knee rocks, 5. the glute bridge.
    for number in (4, 5):
        await user.expect_message(f"{number}/5 ·")
        await user.press("Show all steps")
        await user.expect_edit("Now:")
        await user.press("Done")
    await user.expect_message("How is your pain now")
    await pain_after(user)

    shown = pictures(emulator, user)
    assert [m.kind for m in shown] == [kind for _, kind, _ in SENT_WITH]
    for message, (caption, _, _) in zip(shown, SENT_WITH, strict=True):
        assert caption in message.plain
    sends = emulator.media_sends
    assert [file_name(emulator, s).rsplit("-", 1)[0] for s in sends] == [n for *_, n in SENT_WITH]
    assert all(send.uploaded for send in sends)  # the first time: each file is uploaded
    assert all(send.size <= 300 * 1024 for send in sends)


async def test_the_second_routine_sends_every_picture_by_file_id_even_after_a_restart(
    start_bot: BotStarter, user: ChatUser, emulator: BotApiEmulator
) -> None:
    app = await start_bot()
    await cleared_routine(user)
    await skip_through(user)
    first = list(emulator.media_sends)
    assert len(first) == 5 and all(send.uploaded for send in first)

    # The file_ids are in the database: a restarted bot reuses them too.
    await stop_application(app)
    app = await start_bot()
    await begin_routine(user)
    await skip_through(user)
    second = emulator.media_sends[len(first) :]
    assert len(second) == 5
    assert not any(send.uploaded for send in second)
    assert [s.file_id for s in second] == [s.file_id for s in first]
    stored = await deps_of(app).db.fetchone("SELECT COUNT(*) AS n FROM media_files")
    assert stored is not None and stored["n"] == 5


async def test_a_rejected_file_id_is_dropped_and_the_file_uploaded_once_more(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await cleared_routine(user)
    hug = emulator.media_sends[0]
    await skip_through(user)
    # Telegram no longer knows the knee hug's file_id (it does happen).
    emulator.reject_file_id(hug.file_id)

    await begin_routine(user)
    card = user.find_button_message("Next")
    assert card.kind == "photo" and "Back flexion stretch" in card.plain
    tried = [p for m, p in emulator.requests if m == "sendPhoto" and p.get("photo") == hug.file_id]
    assert len(tried) == 1  # the old id was tried once, then the file went up again
    again = emulator.media_sends[-1]
    assert again.uploaded and again.file_id != hug.file_id
    await skip_through(user)
    # The new file_id is stored: the next routine sends it without an upload.
    await begin_routine(user)
    await skip_through(user)
    uploads = [s for s in emulator.media_sends if s.uploaded and s.kind == "photo"]
    assert len(uploads) == 2
    assert emulator.media_sends[-5].file_id == again.file_id


async def test_text_only_on_the_first_picture_turns_the_pictures_off_and_is_saved(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await cleared_routine(user)
    card = user.find_button_message("Text only")
    answer = await user.press("Text only")
    assert "/pictures on" in answer.text
    # The picture stays; only its "Text only" button goes.
    assert await user.expect_edit() is card
    assert card.kind == "photo" and "📝 Text only" not in card.button_labels
    assert "Next ▶" in card.button_labels
    await skip_through(user)
    assert len(emulator.media_sends) == 1  # only the picture before the choice
    row = await deps_of(bot).db.fetchone("SELECT text_only FROM users")
    assert row is not None and row["text_only"] == 1

    # The next routine is text only from its first step.
    await begin_routine(user)
    assert user.find_button_message("Next").kind == "text"
    await skip_through(user)
    assert len(emulator.media_sends) == 1

    # /pictures shows the choice and turns the pictures back on.
    await user.send("/pictures")
    setting = await user.expect_message("Text only")
    await user.press("Pictures on", setting)
    await begin_routine(user)
    assert user.find_button_message("Next").kind == "photo"


async def test_pictures_switched_mid_routine_change_the_very_next_card(
    start_bot: BotStarter, user: ChatUser, emulator: BotApiEmulator
) -> None:
    """The choice is read with the routine by each press and by the hold's timer (no
    read of its own any more), so /pictures mid-routine changes the next card, whether a
    press or the end of a hold sends it."""
    await start_bot(speed=5.0)  # a 15 s hold lasts 3 s: time to switch during it
    await cleared_routine(user)
    assert user.find_button_message("Next").kind == "photo"
    await user.send("/pictures off")
    await user.expect_message("Text only from now on")
    await user.press("Skip exercise")
    assert (await user.expect_message("2/5 · Cat/cow stretch")).kind == "text"
    await user.send("/pictures on")
    await user.expect_message("Pictures are on again")
    await user.press("Skip exercise")
    assert (await user.expect_message("3/5 · Trunk twist")).kind == "animation"
    await user.press("Show all steps")
    await user.expect_edit("shoulder blades")
    await user.press("Start the 15 s hold (right side)")
    await user.expect_message("Hold for")
    await user.send("/pictures off")  # during the hold: its timer sends the next card
    await user.expect_message("Text only from now on")
    assert (await user.expect_message("Switch sides", timeout=10)).kind == "text"
    assert len(emulator.media_sends) == 2  # the knee hug and the twist's right side


async def test_a_user_who_chose_text_only_gets_no_picture_at_all(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await clear_safety(user)
    await user.send("/pictures off")
    await user.expect_message("Text only from now on")
    await begin_routine(user)
    await skip_through(user)
    await user.send("how do I do the cat cow?")
    assert "hands and knees" in (await user.expect_message()).plain.lower()
    assert emulator.media_sends == []
    await user.send("/pictures on")
    await user.expect_message("Pictures are on again")


async def test_how_do_i_do_an_exercise_comes_with_its_picture(
    bot: BotApp, user: ChatUser, emulator: BotApiEmulator
) -> None:
    await user.send("how do I do the cat/cow?")
    answer = await user.expect_message()
    assert answer.kind == "photo"
    assert "hands and knees" in answer.plain.lower()
    assert file_name(emulator, emulator.media_sends[0]).startswith("cat_cow-cow-")
    # A why-question is only text.
    await user.send("why glute bridge?")
    assert (await user.expect_message()).kind == "text"


async def test_until_the_pictures_are_drawn_the_routine_goes_on_in_text(
    settings: Settings, user: ChatUser, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Drawing runs in a worker thread after start-up: the bot answers at once, steps go
    out as text meanwhile, and the pictures come as soon as they are drawn."""
    library = MediaLibrary.load(tmp_path / "empty-cache")
    may_finish = threading.Event()

    def slow_drawing(should_stop: object = None) -> RenderReport:
        may_finish.wait(10)
        return RenderReport(library.seed(DOCS_PICTURES), 0, 0, 0.0)

    library.ensure = slow_drawing  # type: ignore[method-assign]
    app = build_application(settings, media=library)
    await start_application(app)
    try:
        await cleared_routine(user)
        assert user.find_button_message("Next").kind == "text"
        may_finish.set()
        key = library.figure_for("cat_cow")
        for _ in range(100):
            if library.ready(key):
                break
            await asyncio.sleep(0.05)
        await user.press("Skip exercise")
        loop = await user.expect_message("2/5 · Cat/cow stretch")
        assert loop.kind == "animation"
    finally:
        await stop_application(app)
