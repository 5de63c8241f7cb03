"""/start and the safety screen: the red flags come before any exercise."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.content import Content
from bot.context import BotApp, BotContext
from bot.handlers.common import edit_or_send, esc, keyboard, query_message, remember_user
from db import users

PATTERN = r"^s:"


def screen_text(content: Content) -> str:
    safety = content.safety
    urgent = "\n".join(f"• {esc(item)}" for item in safety.red_flags.urgent)
    doctor = "\n".join(f"• {esc(item)}" for item in safety.red_flags.see_doctor)
    return (
        f"{esc(safety.screen_intro)}\n\n"
        f"<b>Needs emergency care today:</b>\n{urgent}\n\n"
        f"<b>Needs a doctor first:</b>\n{doctor}"
    )


SCREEN_KEYBOARD = [[("✅ None of these apply", "s:none")], [("⚠️ One of these applies", "s:some")]]


async def send_screen(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_message(
        chat.id, screen_text(context.deps.content), reply_markup=keyboard(SCREEN_KEYBOARD)
    )


async def start(update: Update, context: BotContext) -> None:
    user = await remember_user(update, context)
    if user is None or update.effective_message is None:
        return
    content = context.deps.content
    name = f", {esc(user.first_name)}" if user.first_name else ""
    greeting = esc(content.safety.greeting.format(minutes=content.routine_minutes))
    greeting = greeting.replace("Hi!", f"Hi{name}!", 1)
    text = f"{greeting}\n\n{esc(content.safety.disclaimer)}"
    if user.safety_status == "cleared":
        text += "\n\nSend /routine to start, or /help to see everything I can do."
        await update.effective_message.reply_text(text)
        return
    await update.effective_message.reply_text(text)
    await send_screen(update, context)


async def safety(update: Update, context: BotContext) -> None:
    """/safety: take the screen again (things change)."""
    if await remember_user(update, context) is None:
        return
    await send_screen(update, context)


async def answer_screen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return
    deps = context.deps
    safety_texts = deps.content.safety
    choice = (query.data or "").removeprefix("s:")
    chat_id = user.chat_id
    if choice == "none":
        await users.set_safety(deps.db, user.user_id, "cleared", deps.now())
        await query.answer("Thanks!")
        await edit_or_send(
            query_message(update),
            chat_id,
            context,
            f"{esc(safety_texts.cleared)}\n\nSend /routine when you're ready.",
        )
    elif choice == "some":
        await query.answer()
        await edit_or_send(
            query_message(update),
            chat_id,
            context,
            f"{screen_text(deps.content)}\n\n<b>Which list is it on?</b>",
            keyboard(
                [
                    [("🚨 The emergency list", "s:urgent")],
                    [("🩺 The see-a-doctor list", "s:doctor")],
                ]
            ),
        )
    elif choice in ("urgent", "doctor"):
        status: users.SafetyStatus = "urgent" if choice == "urgent" else "see_doctor"
        await users.set_safety(deps.db, user.user_id, status, deps.now())
        await query.answer()
        advice = (
            safety_texts.urgent_advice if status == "urgent" else safety_texts.see_doctor_advice
        )
        await edit_or_send(
            query_message(update),
            chat_id,
            context,
            f"<b>{esc(advice)}</b>\n\nI won't start a routine for now. If things change, "
            "send /safety to take this check again.",
        )
    else:
        await query.answer("That button no longer works. Send /safety to take the check again.")


def register(app: BotApp) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("safety", safety))
    app.add_handler(CallbackQueryHandler(answer_screen, pattern=PATTERN))
