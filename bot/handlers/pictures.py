"""The exercise pictures in the chat: sent with a routine step or an answer, reused by
`file_id`, and the "Text only" choice (its button and /pictures).

A picture goes with a **new** message that shows an exercise at its first step, or the
trunk twist at its second side (the mirror picture); every later step edits that message's
caption, as text messages are edited today (`bot.handlers.messages.edit`). A file is
uploaded once per bot: Telegram's `file_id` for it is kept (`MediaService`) and reused; a
`file_id` Telegram no longer accepts is dropped and the file uploaded once more. A picture
that is not drawn yet, a user with Text only on, or a picture Telegram refuses: the step
goes out as text, never not at all.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Literal

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest

from bot.core.answers import Reply
from bot.core.buttons import PicturesButton
from bot.core.routine import Phase, Plan, RoutineState, Status
from bot.core.text import split_for_telegram, utf16_len
from bot.handlers.callbacks import decode, markup
from bot.handlers.common import query_message, remember_user
from bot.media.figures import MediaKey
from bot.runtime.deps import BotContext
from bot.views import pictures as view
from bot.views.screen import Rows, Screen

log = logging.getLogger(__name__)

# Telegram's limit for a caption (visible characters, after the HTML is read).
MAX_CAPTION = 1024
_TAG = re.compile(r"<[^>]+>")
# What Telegram says about a file_id it does not know (expired, another bot's, mangled).
_BAD_FILE_ID = re.compile(r"wrong (remote )?file identifier|file_id|wrong type of the web page")


def fits_caption(text: str) -> bool:
    return utf16_len(html.unescape(_TAG.sub("", text))) <= MAX_CAPTION


def carries_media(message: Message) -> bool:
    """A photo, loop or document: its text is a caption, edited with editMessageCaption."""
    return bool(message.photo or message.animation or message.document or message.video)


def routine_picture(state: RoutineState, plan: Plan) -> tuple[str, str | None] | None:
    """(exercise, side) when a new message showing `state` should carry a picture: the
    first step of an exercise, or the start of its second side. Never during a hold."""
    if state.phase is not Phase.EXERCISE or state.status is not Status.ACTIVE:
        return None
    if state.holding or state.held:
        return None
    exercise = state.exercise(plan)
    step = state.step(plan)
    if state.step_index == 0:
        return exercise.id, step.side
    sides = exercise.hold.sides if exercise.hold is not None else []
    if step.kind == "hold" and step.side is not None and sides and step.side != sides[0]:
        return exercise.id, step.side
    return None


async def _wanted(
    context: BotContext, user_id: int, key: MediaKey | None, text_only: bool | None
) -> MediaKey | None:
    """`key`, unless the user chose Text only. `text_only` is the choice as this update
    already read it (with the routine or the user); None: read it now."""
    if key is None:
        return None
    if text_only is None:
        text_only = await context.deps.media.text_only(user_id)
    return None if text_only else key


async def send_routine_screen(
    context: BotContext, state: RoutineState, screen: Screen
) -> Message | None:
    """Send `screen` as a picture's caption if this step has a picture for this user;
    None when it goes as plain text instead (the caller sends it)."""
    where = routine_picture(state, context.deps.plan)
    if where is None:
        return None
    key = await _wanted(
        context, state.user_id, context.deps.media.figure_for(*where), state.text_only
    )
    if key is None:
        return None
    return await send_picture(
        context, state.chat_id, key, screen.text, view.with_text_only(screen.rows)
    )


async def send_answer(
    context: BotContext,
    chat_id: int,
    user_id: int,
    reply: Reply,
    text: str,
    rows: Rows,
    *,
    text_only: bool | None = None,
) -> bool:
    """"How do I do the cat/cow?": the answer with a still of the position. False when
    there is no picture for it (the caller sends the text). `text_only`: the user's
    choice if the caller has read it already."""
    topic = reply.topic
    if reply.kind != "answer" or topic is None or not topic.id.startswith("how_"):
        return False
    exercise_id = topic.id.removeprefix("how_")
    if exercise_id not in {e.id for e in context.deps.content.exercises}:
        return False
    key = await _wanted(context, user_id, context.deps.media.still_for(exercise_id), text_only)
    if key is None:
        return False
    return await send_picture(context, chat_id, key, text, rows) is not None


async def send_picture(
    context: BotContext, chat_id: int, key: MediaKey, text: str, rows: Rows
) -> Message | None:
    """The picture with `text` as its caption and `rows` as its buttons; a text too long
    for a caption follows the picture as its own message (which then has the buttons).
    Returns the message with the text, or None if Telegram refused the picture."""
    fits = fits_caption(text)
    keyboard = markup(rows) if fits else None
    sent = await _send_file(context, chat_id, key, text if fits else None, keyboard)
    if sent is None or fits:
        return sent
    chunks = split_for_telegram(text)
    message = sent
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        message = await context.bot.send_message(
            chat_id, chunk, reply_markup=markup(rows) if last else None
        )
    return message


async def _send_file(
    context: BotContext,
    chat_id: int,
    key: MediaKey,
    caption: str | None,
    keyboard: InlineKeyboardMarkup | None,
) -> Message | None:
    media = context.deps.media
    bot_id = context.bot.id
    known = await media.file_id(bot_id, key)
    if known is not None:
        try:
            return await _deliver(context, chat_id, key.kind, known, caption, keyboard)
        except BadRequest as exc:
            if not _BAD_FILE_ID.search(str(exc).lower()):
                log.warning("picture %s not sent (%s); sending text", key.id, exc)
                return None
            log.info("picture %s: file_id rejected (%s); uploading again", key.id, exc)
            await media.forget(bot_id, key, known)
    upload = InputFile(await media.read(key), filename=key.filename)
    try:
        message = await _deliver(context, chat_id, key.kind, upload, caption, keyboard)
    except BadRequest as exc:
        log.warning("picture %s could not be uploaded (%s); sending text", key.id, exc)
        return None
    ids = _file_ids(message, key.kind)
    if ids is not None:
        await media.remember(bot_id, key, *ids)
    return message


async def _deliver(
    context: BotContext,
    chat_id: int,
    kind: Literal["photo", "animation"],
    file: str | InputFile,
    caption: str | None,
    keyboard: InlineKeyboardMarkup | None,
) -> Message:
    if kind == "photo":
        return await context.bot.send_photo(chat_id, file, caption=caption, reply_markup=keyboard)
    return await context.bot.send_animation(
        chat_id, file, caption=caption, reply_markup=keyboard
    )


def _file_ids(message: Message, kind: str) -> tuple[str, str] | None:
    """The ids Telegram gave the upload: the largest photo size, or the animation."""
    if kind == "photo" and message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_unique_id
    found = message.animation or message.document or message.video
    return (found.file_id, found.file_unique_id) if found is not None else None


# -- the setting ---------------------------------------------------------------------------


async def pictures_command(update: Update, context: BotContext) -> None:
    """/pictures [on|off]: show or change the choice (saved with the user)."""
    user = await remember_user(update, context)
    if user is None:
        return
    media = context.deps.media
    word = " ".join(context.args or []).strip().lower()
    if word in ("on", "off"):
        text_only = word == "off"
        await media.set_text_only(user.user_id, text_only)
        await context.bot.send_message(user.chat_id, view.changed(text_only))
        return
    if word:
        await context.bot.send_message(user.chat_id, view.USAGE)
        return
    screen = view.setting(user.text_only)  # read with the user just now
    await context.bot.send_message(user.chat_id, screen.text, reply_markup=markup(screen.rows))


async def on_button(update: Update, context: BotContext) -> None:
    """"Text only" under a picture, or "Pictures on" after /pictures: save it, and take
    the button off the message it was on (the picture itself stays)."""
    query = update.callback_query
    if query is None:
        return
    payload = decode(query.data)
    user = await remember_user(update, context)
    if user is None or not isinstance(payload, PicturesButton):
        await query.answer()
        return
    text_only = not payload.show
    await context.deps.media.set_text_only(user.user_id, text_only)
    await query.answer(view.changed(text_only))
    message = query_message(update)
    if message is None or message.reply_markup is None:
        return
    rows = [
        [b for b in row if not isinstance(decode(b.callback_data), PicturesButton)]
        for row in message.reply_markup.inline_keyboard
    ]
    kept = [row for row in rows if row]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(kept) if kept else None)
    except BadRequest as exc:
        log.debug("could not take the picture button off message %s: %s", message.id, exc)
