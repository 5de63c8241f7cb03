"""The emulator takes pictures the way the Bot API does, so the bot's real upload path
(a real PTB `Bot`, multipart over HTTP) is what the tests exercise."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from telegram import Bot, InputMediaAnimation, Message
from telegram.error import BadRequest, TelegramError

from bot.emulator import BotApiEmulator
from bot.emulator.server import MAX_PHOTO_BYTES

TOKEN = "123456789:TEST-token-for-the-emulator-0000000"
CHAT = 1001
PICTURES = Path(__file__).resolve().parents[2] / "docs" / "pictures"


def png(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (246, 242, 234)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    client = Bot(
        TOKEN,
        base_url=f"{emulator.url}/bot",
        base_file_url=f"{emulator.url}/file/bot",
    )
    async with client:
        yield client


async def test_an_uploaded_photo_comes_back_in_sizes_with_ids(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    message = await bot.send_photo(CHAT, photo=png(), caption="Lie flat on your back.")
    assert message.caption == "Lie flat on your back."
    largest = message.photo[-1]
    assert (largest.width, largest.height) == (640, 480)
    assert [p.width for p in message.photo] == [90, 320, 640]
    assert largest.file_id and largest.file_unique_id
    assert len({p.file_id for p in message.photo}) == len(message.photo)
    sent = emulator.media_sends[-1]
    assert (sent.method, sent.uploaded, sent.file_id) == ("sendPhoto", True, largest.file_id)


async def test_a_photo_sent_again_by_file_id_is_not_uploaded_again(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    first = await bot.send_photo(CHAT, photo=png())
    again = await bot.send_photo(CHAT, photo=first.photo[-1].file_id, caption="Again")
    assert again.photo[-1].file_unique_id == first.photo[-1].file_unique_id
    assert [m.uploaded for m in emulator.media_sends] == [True, False]
    assert len(emulator.uploaded(CHAT)) == 1 and len(emulator.sent_by_file_id(CHAT)) == 1
    stored = emulator.messages[(CHAT, again.message_id)]
    assert stored.media == emulator.messages[(CHAT, first.message_id)].media


async def test_an_unknown_or_rejected_file_id_is_a_bad_request(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/http url specified"):
        await bot.send_photo(CHAT, photo="AgACnot-a-real-id")
    first = await bot.send_photo(CHAT, photo=png())
    file_id = first.photo[-1].file_id
    emulator.reject_file_id(file_id)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CHAT, photo=file_id)
    # The bot's way out: upload the file again, which gives a new, working file_id.
    fresh = await bot.send_photo(CHAT, photo=png())
    assert fresh.photo[-1].file_id != file_id
    await bot.send_photo(CHAT, photo=fresh.photo[-1].file_id)
    assert [m.uploaded for m in emulator.media_sends] == [True, True, False]


async def test_the_exercise_loop_goes_up_as_an_animation(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    data = (PICTURES / "cat_cow-loop.mp4").read_bytes()
    message = await bot.send_animation(
        CHAT, animation=data, filename="cat_cow.mp4", caption="Get on your hands and knees."
    )
    assert message.animation is not None
    assert (message.animation.width, message.animation.height) == (640, 480)
    assert message.animation.to_dict()["duration"] >= 5
    assert message.animation.file_name == "cat_cow.mp4"
    again = await bot.send_animation(CHAT, animation=message.animation.file_id)
    assert again.animation is not None
    assert again.animation.file_unique_id == message.animation.file_unique_id
    assert [(m.kind, m.uploaded) for m in emulator.media_sends] == [
        ("animation", True),
        ("animation", False),
    ]


async def test_a_document_upload_keeps_its_name(bot: Bot, emulator: BotApiEmulator) -> None:
    message = await bot.send_document(CHAT, document=b"plan", filename="plan.txt")
    assert message.document is not None and message.document.file_name == "plan.txt"
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"plan")


async def test_size_limits_follow_the_bot_api(bot: Bot, emulator: BotApiEmulator) -> None:
    too_big = png() + b"\0" * (MAX_PHOTO_BYTES + 1)
    with pytest.raises(BadRequest, match=r"(?i)too big"):
        await bot.send_photo(CHAT, photo=too_big)
    # A 10 MB+ file is fine as a document (the limit there is 50 MB).
    message = await bot.send_document(CHAT, document=too_big, filename="big.png")
    assert message.document is not None
    assert emulator.media_sends[-1].size == len(too_big)


async def test_a_caption_over_1024_characters_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_photo(CHAT, photo=png(), caption="x" * 1025)


async def test_a_picture_message_is_edited_by_caption_not_text(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    message = await bot.send_photo(CHAT, photo=png(), caption="Step 1")
    with pytest.raises(TelegramError, match=r"(?i)no text in the message"):
        await bot.edit_message_text("Step 2", chat_id=CHAT, message_id=message.message_id)
    await bot.edit_message_caption(chat_id=CHAT, message_id=message.message_id, caption="Step 2")
    assert emulator.messages[(CHAT, message.message_id)].plain == "Step 2"


async def test_something_that_is_not_an_image_is_refused_as_a_photo(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(CHAT, photo=b"definitely not a picture")


async def test_a_picture_is_swapped_in_place_for_the_other_side(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    right = (PICTURES / "trunk_twist-right-loop.mp4").read_bytes()
    left = (PICTURES / "trunk_twist-left-loop.mp4").read_bytes()
    message = await bot.send_animation(CHAT, animation=right, caption="Right side")
    edited = await bot.edit_message_media(
        InputMediaAnimation(left, caption="Left side", filename="left.mp4"),
        chat_id=CHAT,
        message_id=message.message_id,
    )
    assert isinstance(edited, Message) and edited.animation is not None
    assert edited.caption == "Left side"
    stored = emulator.messages[(CHAT, message.message_id)]
    assert stored.media == left and stored.edits == 1
    assert [(m.method, m.uploaded) for m in emulator.media_sends] == [
        ("sendAnimation", True),
        ("editMessageMedia", True),
    ]
    # And back again by file_id, as a second routine would.
    await bot.edit_message_media(
        InputMediaAnimation(message.animation.file_id if message.animation else ""),
        chat_id=CHAT,
        message_id=message.message_id,
    )
    assert emulator.media_sends[-1].uploaded is False
    assert emulator.messages[(CHAT, message.message_id)].media == right
