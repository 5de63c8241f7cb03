"""Free text, /ask and /why: answered from content by the core's `AnswerMatcher`.

Red flags win over everything, mid-routine too (the routine is paused and the safety
check must be taken again). During a routine a question is answered without losing the
step: the buttons above stay usable, and a typed pain score counts like a pressed one.
"""

from __future__ import annotations

import re

from telegram import Update

from bot.core.answers import Reply
from bot.core.buttons import TopicButton
from bot.core.commands import Command, command_word
from bot.core.routine import Action, Phase, RoutineState, Status
from bot.core.safety import may_exercise
from bot.core.text import esc, split_for_telegram
from bot.handlers import pictures, progress, routine
from bot.handlers.callbacks import decode, markup
from bot.handlers.common import remember_user
from bot.handlers.gate import send_safety_screen
from bot.runtime.deps import BotContext
from bot.services.users import Profile
from bot.views import safety as safety_view
from bot.views.screen import Rows

_COMMANDS: dict[Command, Action] = {
    "next": Action.NEXT,
    "pause": Action.PAUSE,
    "resume": Action.RESUME,
    "skip": Action.SKIP,
    "stop": Action.STOP,
}
_FORWARD = {Action.NEXT, Action.RESUME, Action.SKIP}
_PAIN_SCORE = re.compile(r"^\s*(10|[0-9])\s*(/\s*10)?\s*$")


async def send_reply(
    context: BotContext,
    chat_id: int,
    reply: Reply,
    suffix: str = "",
    *,
    user_id: int = 0,
    text_only: bool | None = None,
) -> None:
    """Send a matcher reply (split if ever too long), with "did you mean" buttons; a
    how-to answer comes with the exercise's picture (for `user_id`, unless Text only:
    `text_only` is their choice when the caller has read it with the user)."""
    rows: Rows = [[(topic.title, TopicButton(topic.id))] for topic in reply.suggestions]
    if user_id and await pictures.send_answer(
        context, chat_id, user_id, reply, reply.text + suffix, rows, text_only=text_only
    ):
        return
    chunks = split_for_telegram(reply.text + suffix)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await context.bot.send_message(chat_id, chunk, reply_markup=markup(rows) if last else None)


def where_in_routine(state: RoutineState, context: BotContext) -> str:
    plan = context.deps.plan
    if state.status is Status.PAUSED:
        return "Your routine is paused: press Resume above or send /routine to go on."
    if state.phase is not Phase.EXERCISE:
        return "Your routine is waiting for your pain score: press a number above, or type it."
    step = state.step(plan)
    return (
        f"Your routine is still at {esc(state.exercise(plan).name)}, step {step.number} of "
        f"{step.total}: the buttons above still work."
    )


async def ask(update: Update, context: BotContext) -> None:
    """/ask <question>: the same as typing the question."""
    user = await remember_user(update, context)
    if user is None:
        return
    question = " ".join(context.args or [])
    if not question.strip():
        await context.bot.send_message(
            user.chat_id, "Type your question after /ask, like: /ask why glute bridge?"
        )
        return
    await respond(context, user, question)


async def respond(context: BotContext, user: Profile, text: str) -> None:
    """Answer a message; mid-routine, keep the routine's place (or act on a typed score)."""
    deps = context.deps
    state = await deps.routines.load_open(user.user_id)
    if state is not None and state.phase in (Phase.PAIN_BEFORE, Phase.PAIN_AFTER):
        score = _PAIN_SCORE.match(text)
        if score and state.status is Status.ACTIVE:
            await routine.typed_action(context, state, Action.PAIN, int(score.group(1)))
            return
    current = state.exercise(deps.plan).id if state and state.phase is Phase.EXERCISE else None
    reply = deps.matcher.match(text, exercise=current)
    if reply.kind == "red_flag":
        await red_flag(context, user, state, reply)
        return
    command = command_word(text)
    if state is not None and command is not None:
        await typed_command(context, user, state, _COMMANDS[command])
        return
    if state is None:
        if reply.kind == "answer" and reply.topic is not None and reply.topic.id == "progress":
            progress.show(context, user.user_id, user.chat_id)  # "how has my pain changed?"
            return
        await send_reply(
            context, user.chat_id, reply, user_id=user.user_id, text_only=user.text_only
        )
        return
    if reply.kind in ("answer", "smalltalk"):
        where = "\n\n" + where_in_routine(state, context)
        await send_reply(
            context, user.chat_id, reply, where, user_id=user.user_id, text_only=user.text_only
        )
        return
    # Not a question we know, mid-routine: most likely a reply meant for the buttons.
    await send_reply(
        context,
        user.chat_id,
        Reply(kind="unsure", text="I didn't catch that.", suggestions=reply.suggestions),
        " " + where_in_routine(state, context),
    )


async def typed_command(
    context: BotContext, user: Profile, state: RoutineState, action: Action
) -> None:
    """ "pause", "skip", "next" typed mid-routine: the same as pressing the button."""
    if action in _FORWARD and not may_exercise(user.safety):
        await context.bot.send_message(user.chat_id, safety_view.TAKE_IT_FIRST)
        await send_safety_screen(context, user.chat_id)
        return
    if not await routine.typed_action(context, state, action):
        await context.bot.send_message(
            user.chat_id, "That doesn't fit this step. " + where_in_routine(state, context)
        )


async def red_flag(
    context: BotContext, user: Profile, state: RoutineState | None, reply: Reply
) -> None:
    """A warning sign wins over everything: answer it first, pause any routine, and ask
    for the safety check again before the routine can go on."""
    deps = context.deps
    await deps.users.set_safety(user.user_id, None)
    await send_reply(
        context,
        user.chat_id,
        reply,
        "\n\nIf this doesn't apply to you after all, send /safety to take the safety check again.",
    )
    if state is not None and state.status is Status.ACTIVE:
        await routine.typed_action(context, state, Action.PAUSE)


async def why(update: Update, context: BotContext) -> None:
    """/why <exercise>: why it helps. Without a name: the current exercise, or a choice."""
    user = await remember_user(update, context)
    if user is None:
        return
    deps = context.deps
    name = " ".join(context.args or [])
    exercise_id = deps.matcher.find_exercise(name) if name.strip() else None
    if exercise_id is None and not name.strip():
        state = await deps.routines.load_open(user.user_id)
        if state is not None and state.phase is Phase.EXERCISE:
            exercise_id = state.exercise(deps.plan).id
    if exercise_id is None:
        prefix = "I don't know that exercise. " if name.strip() else ""
        rows: Rows = [[(e.name, TopicButton(f"why_{e.id}"))] for e in deps.content.exercises]
        await context.bot.send_message(
            user.chat_id, f"{prefix}Which exercise?", reply_markup=markup(rows)
        )
        return
    reply = deps.matcher.reply_for_topic(f"why_{exercise_id}")
    await send_reply(context, user.chat_id, reply)


async def on_suggestion(update: Update, context: BotContext) -> None:
    """A "did you mean" or /why choice button: send that topic's answer."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    payload = decode(query.data)
    try:
        if not isinstance(payload, TopicButton):
            raise KeyError(query.data)
        reply = context.deps.matcher.reply_for_topic(payload.topic_id)
    except KeyError:
        await query.answer("That answer is no longer available. Try /help.")
        return
    await query.answer()
    user_id = update.effective_user.id if update.effective_user is not None else 0
    await send_reply(context, chat.id, reply, user_id=user_id)
