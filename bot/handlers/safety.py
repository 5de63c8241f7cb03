"""The safety screen (/safety, and before the first routine): red flags come before any
exercise. An answer that a warning sign applies is stored at once and stops any routine."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.content import Content
from bot.context import BotApp, BotContext
from bot.core.text import esc
from bot.handlers.common import edit_or_send, keyboard, query_message, remember_user
from bot.routine_store import stop_open
from db import users

PATTERN = r"^s:"
SCREEN_KEYBOARD = [[("✅ None of these apply", "s:none")], [("⚠️ One of these applies", "s:some")]]
WHICH_LIST_KEYBOARD = [
    [("🚨 The emergency list", "s:urgent")],
    [("🩺 The see-a-doctor list", "s:doctor")],
]


def screen_text(content: Content) -> str:
    safety = content.safety
    urgent = "\n".join(f"• {esc(item)}" for item in safety.red_flags.urgent)
    doctor = "\n".join(f"• {esc(item)}" for item in safety.red_flags.see_doctor)
    return (
        f"{esc(safety.screen_intro)}\n\n"
        f"<b>Needs emergency care today:</b>\n{urgent}\n\n"
        f"<b>Needs a doctor first:</b>\n{doctor}"
    )


async def send_screen(context: BotContext, chat_id: int) -> None:
    await context.bot.send_message(
        chat_id, screen_text(context.deps.content), reply_markup=keyboard(SCREEN_KEYBOARD)
    )


async def safety(update: Update, context: BotContext) -> None:
    """/safety: take the screen again (things change)."""
    user = await remember_user(update, context)
    if user is not None:
        await send_screen(context, user.chat_id)


async def answer_screen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return
    deps = context.deps
    texts = deps.content.safety
    choice = (query.data or "").removeprefix("s:")
    message = query_message(update)
    if choice == "none":
        await users.set_safety(deps.db, user.user_id, "cleared", deps.now())
        await query.answer("Thanks!")
        await edit_or_send(
            message,
            user.chat_id,
            context,
            f"{esc(texts.cleared)}\n\nSend /routine when you're ready.",
        )
        return
    if choice not in ("some", "urgent", "doctor"):
        await query.answer("That button no longer works. Send /safety to take the check again.")
        return
    # Something applies: store the cautious answer now, before the user picks a list, so
    # that leaving the question unanswered can never leave an old "cleared" behind.
    status: users.SafetyStatus = "urgent" if choice == "urgent" else "see_doctor"
    await users.set_safety(deps.db, user.user_id, status, deps.now())
    stopped = await stop_open(deps, user.user_id)
    await query.answer()
    if choice == "some":
        await edit_or_send(
            message,
            user.chat_id,
            context,
            f"{screen_text(deps.content)}\n\n<b>Which list is it on?</b>",
            keyboard(WHICH_LIST_KEYBOARD),
        )
        return
    advice = texts.urgent_advice if status == "urgent" else texts.see_doctor_advice
    note = " I've stopped your routine." if stopped is not None else ""
    await edit_or_send(
        message,
        user.chat_id,
        context,
        f"<b>{esc(advice)}</b>\n\nI won't start a routine for now.{note} If things change, "
        "send /safety to take this check again.",
    )


def register(app: BotApp) -> None:
    app.add_handler(CommandHandler("safety", safety))
    app.add_handler(CallbackQueryHandler(answer_screen, pattern=PATTERN))
