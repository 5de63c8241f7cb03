"""/routine, /cancel and the routine's buttons: load the state, apply the core's state
machine (through `bot.routine_store`), and show the result. Timed holds end in a new
"Release now" message."""

from __future__ import annotations

import logging
import math
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotApp, BotContext, Deps
from bot.core import routine_view as view
from bot.core.routine import Action, Phase, RoutineState, Transition, summarize
from bot.core.text import esc
from bot.handlers.common import keyboard, query_message, remember_user
from bot.handlers.safety import send_screen
from bot.routine_store import load, load_open, perform
from db import routines, users

log = logging.getLogger(__name__)

PATTERN = r"^r:"
COUNTDOWN_EVERY = 10  # seconds between countdown edits: Telegram allows ~20 edits a minute
# Buttons that move a routine forward need a cleared safety screen; these never do.
_ALWAYS_ALLOWED = {Action.STOP.value, Action.PAUSE.value, view.WHY, view.WHY_ALL}


def markup(state: RoutineState, screen: view.Screen) -> InlineKeyboardMarkup | None:
    """Buttons carry the run and the version they were drawn for: `r:<run>:<version>:<token>`."""
    if not screen.rows:
        return None
    prefix = f"r:{state.run_id}:{state.version}:"
    return keyboard([[(label, prefix + token) for label, token in row] for row in screen.rows])


# -- showing -------------------------------------------------------------------------------


async def send(
    context: BotContext, state: RoutineState, screen: view.Screen, *, live: bool = True
) -> Message:
    """A new message. With `live`, its buttons become the routine's current ones."""
    message = await context.bot.send_message(
        state.chat_id, screen.text, reply_markup=markup(state, screen)
    )
    if live and screen.rows:
        await routines.set_message(context.deps.db, state.run_id, message.message_id)
    return message


async def edit(
    context: BotContext, message: Message | None, state: RoutineState, screen: view.Screen
) -> Message:
    """Edit `message` into `screen`, or send anew when there is none or it can't be edited;
    returns the message now showing the screen."""
    if message is None:
        return await send(context, state, screen)
    try:
        await message.edit_text(screen.text, reply_markup=markup(state, screen))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.info("could not edit message %s (%s); sending anew", message.id, exc)
            return await send(context, state, screen)
    if screen.rows:
        await routines.set_message(context.deps.db, state.run_id, message.message_id)
    return message


async def strip_buttons(context: BotContext, chat_id: int, message_id: int | None) -> None:
    """Old steps keep their text but lose their buttons, so nobody presses them later."""
    if message_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:
        log.debug("could not remove buttons from message %s: %s", message_id, exc)


async def strip(context: BotContext, message: Message | None) -> None:
    if message is not None and message.reply_markup:
        await strip_buttons(context, message.chat_id, message.message_id)


def current_screen(state: RoutineState, deps: Deps) -> view.Screen:
    """The screen for where the routine is now (after a stale button, Resume, Continue)."""
    plan = deps.plan
    if state.status.value == "paused":
        return view.paused(state, plan)
    if state.phase is Phase.PAIN_BEFORE:
        return view.pain_prompt(before=True)
    if state.phase is Phase.PAIN_AFTER:
        return view.pain_prompt(before=False)
    if state.hold_ends_at is not None:
        left = (state.hold_ends_at - deps.now()) * deps.settings.speed
        return view.hold_countdown(state, plan, max(1, math.ceil(left)))
    return view.exercise_step(state, plan)


async def redraw(context: BotContext, state: RoutineState, message: Message | None) -> None:
    """Show where the routine is now, in `message` or a new one. A running hold's timers
    follow the message that shows its countdown."""
    shown = await edit(context, message, state, current_screen(state, context.deps))
    if state.holding:
        arm(context, state, shown.message_id)


# -- commands ------------------------------------------------------------------------------


async def start_routine(update: Update, context: BotContext) -> None:
    """/routine (also the reminder's "Start routine" button): begin, or offer to resume."""
    user = await remember_user(update, context)
    if user is None:
        return
    deps = context.deps
    if user.safety_status is None:
        await send_screen(context, user.chat_id)
        return
    if user.safety_status != "cleared":
        advice = (
            deps.content.safety.urgent_advice
            if user.safety_status == "urgent"
            else deps.content.safety.see_doctor_advice
        )
        await context.bot.send_message(
            user.chat_id,
            f"{esc(advice)}\n\nYour safety check said one of the warning signs applies, "
            "so I won't start a routine. If things have changed, send /safety to take it again.",
        )
        return
    state = await load_open(deps, user.user_id)
    if state is not None:
        # Not live: the routine's own message keeps its buttons (and a hold its countdown).
        await send(context, state, view.resume_offer(state, deps.plan), live=False)
        return
    await begin(context, user.user_id, user.chat_id)


async def begin(context: BotContext, user_id: int, chat_id: int) -> None:
    deps = context.deps
    try:
        row = await routines.create(deps.db, user_id, chat_id, deps.now())
    except routines.AlreadyOpen:
        state = await load_open(deps, user_id)
        if state is not None:
            await send(context, state, view.resume_offer(state, deps.plan), live=False)
        return
    state = RoutineState.from_row(row)
    await send(context, state, view.pain_prompt(before=True))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: stop the open routine, if any."""
    user = await remember_user(update, context)
    if user is None:
        return
    deps = context.deps
    state = await load_open(deps, user.user_id)
    if state is None:
        await context.bot.send_message(user.chat_id, "There's nothing to cancel right now.")
        return
    await typed_action(context, state, Action.STOP)


# -- buttons -------------------------------------------------------------------------------


def parse(data: str) -> tuple[int, int, str] | None:
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != "r":
        return None
    try:
        return int(parts[1]), int(parts[2]), parts[3]
    except ValueError:
        return None


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    deps = context.deps
    parsed = parse(query.data or "")
    state = await load(deps, parsed[0]) if parsed else None
    if parsed is None or state is None or state.user_id != user.id or not state.is_open:
        await query.answer("That routine has ended. Send /routine to start a new one.")
        return
    _, version, token = parsed
    message = query_message(update)
    if version != state.version:
        await stale_press(query, context, state, version, message)
        return
    if token not in _ALWAYS_ALLOWED:
        profile = await users.get(deps.db, user.id)
        if profile is None or profile.safety_status != "cleared":
            await query.answer("Please take the safety check first.")
            await send_screen(context, state.chat_id)
            return
    if token in (view.WHY, view.WHY_ALL):
        await query.answer()
        why = state.exercise(deps.plan).why.text if state.phase is Phase.EXERCISE else None
        screen = view.exercise_step(state, deps.plan, why=why, show_all=token == view.WHY_ALL)
        await edit(context, message, state, screen)
        return
    if token == view.SHOW:
        await query.answer()
        await strip(context, message)
        await redraw(context, state, None)
        return
    if token == view.RESTART:
        await query.answer("Starting over.")
        await perform(deps, state, Action.STOP)
        await strip_buttons(context, state.chat_id, state.message_id)
        await strip(context, message)
        await begin(context, state.user_id, state.chat_id)
        return
    await act(update, context, state, token, message)


async def stale_press(
    query: CallbackQuery,
    context: BotContext,
    state: RoutineState,
    version: int,
    message: Message | None,
) -> None:
    """A button drawn for an older version of the routine: never apply it twice."""
    live = message is not None and message.message_id == state.message_id
    if live:
        # A double tap, or a screen that fell behind (an edit failed, a red flag paused
        # the routine): bring it up to date; unchanged screens cost nothing.
        await query.answer()
        await redraw(context, state, message)
    elif version == state.version - 1:
        # A double tap on a message the first tap just replaced with a new one.
        await query.answer("Got it.")
        await strip(context, message)
    else:
        await query.answer("That button is from an earlier step. Here's where you are.")
        await strip(context, message)
        await redraw(context, state, None)


async def act(
    update: Update, context: BotContext, state: RoutineState, token: str, message: Message | None
) -> None:
    query = update.callback_query
    assert query is not None
    try:
        action = Action(token[:1])
        value = int(token[1:]) if action is Action.PAIN else None
    except ValueError:
        await query.answer("That button doesn't work any more.")
        return
    result = await perform(context.deps, state, action, value=value)
    if isinstance(result, str):
        await query.answer(result)
        return
    await query.answer()
    await show_transition(context, state, result, action, message)


async def typed_action(
    context: BotContext, state: RoutineState, action: Action, value: int | None = None
) -> bool:
    """An action typed rather than pressed ("7" for a pain score, "pause", /cancel): the
    same as pressing its button, with the answer as a new message. True if it applied."""
    result = await perform(context.deps, state, action, value=value)
    if isinstance(result, str):
        return False
    await strip_buttons(context, state.chat_id, state.message_id)
    await show_transition(context, state, result, action, None)
    return True


async def show_transition(
    context: BotContext,
    old: RoutineState,
    result: Transition,
    action: Action,
    message: Message | None,
) -> None:
    """Turn a saved transition into messages: edit in place within an exercise, a new
    message when something new starts (so the phone shows it), and the timers."""
    deps = context.deps
    plan = deps.plan
    new = result.state
    if action is Action.STOP:
        await edit(context, message, new, view.stopped(new, plan))
    elif action is Action.PAUSE:
        await edit(context, message, new, view.paused(new, plan, hold_reset=old.holding))
    elif action is Action.RESUME:
        await redraw(context, new, message)
    elif action is Action.HURT:
        exercise = old.exercise(plan)
        log.info("routine %s: the user reported pain during %s", old.run_id, exercise.id)
        screen = view.hurt(new, plan, exercise.name, deps.content.safety.hurt_advice)
        await edit(context, message, new, screen)
    elif action is Action.PAIN and new.phase is Phase.EXERCISE:
        await edit(context, message, new, view.Screen(f"Pain before: {new.pain_before}/10 ✓"))
        await send(context, new, view.exercise_step(new, plan))
    elif action is Action.PAIN:
        await edit(context, message, new, view.Screen(f"Pain now: {new.pain_after}/10 ✓"))
        await context.bot.send_message(
            new.chat_id, view.summary(summarize(new, plan), deps.content.safety).text
        )
    elif action is Action.START_HOLD:
        await strip(context, message)
        countdown = await send(context, new, view.hold_countdown(new, plan, new.step(plan).seconds))
        arm(context, new, countdown.message_id)
    elif action is Action.RELEASE:
        await edit(context, message, new, view.Screen(view.hold_over(old.step(plan), early=True)))
        await send(context, new, view.release(new, plan, early=True))
    elif result.outcome is not None:
        # An exercise ended (done or skipped): its card keeps its text, the next one is new.
        await strip(context, message)
        if action is Action.SKIP:
            skipped = old.exercise(plan).name
            await context.bot.send_message(new.chat_id, f"⏭ Skipped the {esc(skipped.lower())}.")
        screen = (
            view.pain_prompt(before=False)
            if new.phase is Phase.PAIN_AFTER
            else view.exercise_step(new, plan)
        )
        await send(context, new, screen)
    else:
        show_all = action is Action.SHOW_ALL
        await edit(context, message, new, view.exercise_step(new, plan, show_all=show_all))


# -- holds ---------------------------------------------------------------------------------


def arm(context: BotContext, state: RoutineState, countdown_id: int) -> None:
    """Schedule "release now" at the hold's end, and a countdown edit every 10 s."""
    deps = context.deps
    assert state.hold_ends_at is not None and context.job_queue is not None
    step = state.step(deps.plan)
    left = state.hold_ends_at - deps.now()
    ticks = []
    for shown in range(step.seconds - COUNTDOWN_EVERY, 0, -COUNTDOWN_EVERY):
        delay = left - deps.settings.scaled(shown)
        if delay > 0:
            ticks.append((delay, shown))
    data = {"run_id": state.run_id, "ends_at": state.hold_ends_at, "message_id": countdown_id}
    deps.holds.arm(
        context.job_queue,
        run_id=state.run_id,
        user_id=state.user_id,
        release_in=left,
        release=on_hold_end,
        ticks=ticks,
        tick=on_tick,
        data=data,
    )


async def on_tick(context: BotContext) -> None:
    job = context.job
    assert job is not None
    data: dict[str, Any]
    shown: int
    data, shown = job.data  # type: ignore[misc]
    state = await load(context.deps, data["run_id"])
    if state is None or state.hold_ends_at != data["ends_at"] or state.status.value != "active":
        return
    screen = view.hold_countdown(state, context.deps.plan, shown)
    try:
        await context.bot.edit_message_text(
            screen.text,
            chat_id=state.chat_id,
            message_id=data["message_id"],
            reply_markup=markup(state, screen),
        )
    except BadRequest as exc:
        log.debug("countdown edit skipped: %s", exc)


async def on_hold_end(context: BotContext) -> None:
    """The hold's timer fired: save the release, then a NEW message so the phone rings."""
    job = context.job
    assert job is not None
    data: dict[str, Any] = job.data  # type: ignore[assignment]
    deps = context.deps
    deps.holds.cancel(data["run_id"])
    state = await load(deps, data["run_id"])
    if state is None or state.hold_ends_at != data["ends_at"] or state.status.value != "active":
        return  # released early, paused, stopped or restarted meanwhile
    result = await perform(deps, state, Action.RELEASE)
    if isinstance(result, str):
        return
    step = state.step(deps.plan)
    try:
        await context.bot.edit_message_text(
            view.hold_over(step, early=False), chat_id=state.chat_id, message_id=data["message_id"]
        )
    except BadRequest as exc:
        log.debug("countdown close skipped: %s", exc)
    await send(context, result.state, view.release(result.state, deps.plan))


async def restore_holds(app: BotApp) -> None:
    """After a restart: re-arm holds still running; close those that ended while we were
    down without a late "release now" (the user sees the step when they come back)."""
    deps: Deps = app.bot_data["deps"]
    context = BotContext(app)
    for row in await routines.holding(deps.db):
        try:
            await _restore_hold(context, int(row["id"]))
        except Exception:  # one broken routine must not keep the bot from starting
            log.exception("routine %s: could not restore its hold", row["id"])


async def _restore_hold(context: BotContext, run_id: int) -> None:
    deps = context.deps
    state = await load(deps, run_id)
    if state is None or not state.holding:
        return
    assert state.hold_ends_at is not None
    if state.hold_ends_at > deps.now() + 0.5:
        arm(context, state, state.message_id or 0)
        return
    result = await perform(deps, state, Action.RELEASE)
    if isinstance(result, str):
        return
    log.info("routine %s: a hold ended while the bot was down", state.run_id)
    # Quietly turn the countdown into the next step: an edit, so no late notification.
    if state.message_id is not None:
        screen = view.exercise_step(result.state, deps.plan)
        try:
            await context.bot.edit_message_text(
                screen.text,
                chat_id=state.chat_id,
                message_id=state.message_id,
                reply_markup=markup(result.state, screen),
            )
        except BadRequest as exc:
            log.info("routine %s: could not update the countdown (%s)", state.run_id, exc)


def register(app: BotApp) -> None:
    app.add_handler(CommandHandler("routine", start_routine))
    app.add_handler(CommandHandler("cancel", cancel))
    app.add_handler(CallbackQueryHandler(on_button, pattern=PATTERN))
