"""/routine, /cancel and the routine's buttons: load the state, apply the core's state
machine (through the routine service), and show the result. Timed holds are
`bot.handlers.holds`.

🛑 Stop asks once ("Stop the routine?"); its answer, "Not now" and "Stop for today" stop
at once (see `bot.views.routine`). Stop and Start over are intents that do not depend on
the step, so they apply even from a button drawn for an earlier version.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update

from bot.core.buttons import GoOnToday, RoutineButton, RoutineTap
from bot.core.routine import Action, Phase, Rejected, RoutineState, Transition, summarize
from bot.core.safety import may_exercise, routine_gate
from bot.core.text import esc
from bot.handlers.callbacks import decode, markup
from bot.handlers.common import edit_or_send, query_message, remember_user, send_screen
from bot.handlers.gate import refuse_if_unsafe, send_safety_screen
from bot.handlers.holds import arm, redraw
from bot.handlers.messages import edit, send, strip, strip_buttons
from bot.handlers.progress import offer_feedback
from bot.runtime.deps import BotContext
from bot.services.users import Profile
from bot.views import progress as progress_view
from bot.views import routine as view
from bot.views import safety as safety_view
from bot.views.screen import Screen

log = logging.getLogger(__name__)

# Buttons that move a routine forward need a cleared safety screen; these never do.
_ALWAYS_ALLOWED = {
    RoutineTap.STOP,
    RoutineTap.CONFIRM_STOP,
    RoutineTap.KEEP_GOING,
    RoutineTap.PAUSE,
    RoutineTap.WHY,
    RoutineTap.WHY_ALL,
}
# The taps that are state changes, as the core's actions (🛑 Stop itself only asks).
_ACTIONS = {
    RoutineTap.NEXT: Action.NEXT,
    RoutineTap.SHOW_ALL: Action.SHOW_ALL,
    RoutineTap.START_HOLD: Action.START_HOLD,
    RoutineTap.RELEASE: Action.RELEASE,
    RoutineTap.SKIP: Action.SKIP,
    RoutineTap.HURT: Action.HURT,
    RoutineTap.PAUSE: Action.PAUSE,
    RoutineTap.RESUME: Action.RESUME,
    RoutineTap.CONFIRM_STOP: Action.STOP,
    RoutineTap.PAIN: Action.PAIN,
}
# Intents that do not depend on the step: they apply from an older button too.
_ANY_VERSION = {RoutineTap.CONFIRM_STOP, RoutineTap.RESTART}


async def start_routine(update: Update, context: BotContext) -> None:
    """/routine (also the reminder's "Start routine" button): begin, or offer to resume."""
    user = await remember_user(update, context)
    if user is not None:
        await offer_or_begin(context, user)


async def offer_or_begin(context: BotContext, user: Profile) -> None:
    """The safety check first (and back here when it clears), then the open routine's
    resume offer, then today's "stop for today" advice if it is in force, then a start."""
    deps = context.deps
    if await refuse_if_unsafe(context, user.chat_id, routine_gate(user.safety), then_routine=True):
        return
    state = await deps.routines.load_open(user.user_id)
    if state is not None:
        # Not live: the routine's own message keeps its buttons (and a hold its countdown).
        await send(context, state, view.resume_offer(state, deps.plan), live=False)
        return
    earlier = await deps.routines.stop_advice_today(user.user_id, user.zone)
    if earlier is not None:
        await send_screen(context, user.chat_id, view.caution_today(deps.content.safety, *earlier))
        return
    await begin(context, user.user_id, user.chat_id)


async def on_go_on_today(update: Update, context: BotContext) -> None:
    """The answer to "your pain rose earlier today: still go on?"."""
    query = update.callback_query
    user = await remember_user(update, context)
    if query is None or user is None:
        return
    payload = decode(query.data)
    message = query_message(update)
    await query.answer()
    if not isinstance(payload, GoOnToday) or not payload.go_on:
        screen = view.rest_today(context.deps.content.safety)
        await edit_or_send(message, user.chat_id, context, screen)
        return
    if message is not None:
        await strip(context, message)
    if await refuse_if_unsafe(context, user.chat_id, routine_gate(user.safety), then_routine=True):
        return
    await begin(context, user.user_id, user.chat_id, gentle=True)


async def begin(context: BotContext, user_id: int, chat_id: int, *, gentle: bool = False) -> None:
    """A new routine (`gentle`: every dose at the low end, and the card says so)."""
    deps = context.deps
    state, new = await deps.routines.begin(user_id, chat_id, gentle=gentle)
    if new:
        await send(context, state, view.pain_prompt(state, before=True))
    else:
        await send(context, state, view.resume_offer(state, deps.plan), live=False)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: stop the open routine, if any."""
    user = await remember_user(update, context)
    if user is None:
        return
    state = await context.deps.routines.load_open(user.user_id)
    if state is None:
        await context.bot.send_message(user.chat_id, view.NOTHING_TO_CANCEL)
        return
    await typed_action(context, state, Action.STOP)


# -- buttons -------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    deps = context.deps
    payload = decode(query.data)
    if not isinstance(payload, RoutineButton):
        await query.answer(view.ENDED)
        return
    # The routine and the user's safety answer in one read.
    state, safety = await deps.routines.load_pressed(payload.run_id)
    if state is None or state.user_id != user.id or not state.is_open:
        await query.answer(view.ENDED)
        return
    message = query_message(update)
    tap = payload.tap
    if payload.version != state.version and tap not in _ANY_VERSION:
        await stale_press(query, context, state, payload.version, message)
        return
    if tap not in _ALWAYS_ALLOWED and not may_exercise(safety):
        await query.answer(safety_view.TAKE_IT_FIRST)
        await send_safety_screen(context, state.chat_id)
        return
    if tap in (RoutineTap.WHY, RoutineTap.WHY_ALL):
        await query.answer()
        plan = deps.routines.plan_of(state)
        why = state.exercise(plan).why.text if state.phase is Phase.EXERCISE else None
        screen = view.exercise_step(state, plan, why=why, show_all=tap is RoutineTap.WHY_ALL)
        await edit(context, message, state, screen)
        return
    if tap is RoutineTap.SHOW:
        await query.answer()
        await strip(context, message)
        await redraw(context, state, None)
        return
    if tap is RoutineTap.STOP:
        # Ask once. A running hold keeps running, but its countdown edits wait, so they
        # do not overwrite the question (its release still comes on time).
        await query.answer()
        shown = await edit(context, message, state, view.confirm_stop(state))
        if state.holding:
            arm(context, state, shown.message_id, ticks=False)
        return
    if tap is RoutineTap.KEEP_GOING:
        await query.answer()
        await redraw(context, state, message)
        return
    if tap is RoutineTap.RESTART:
        await query.answer("Starting over.")
        await deps.routines.perform(state, Action.STOP)
        await strip_buttons(context, state.chat_id, state.message_id)
        await strip(context, message)
        await begin(context, state.user_id, state.chat_id)
        return
    await act(query, context, state, _ACTIONS[tap], payload.value, message)


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
        await query.answer(view.REJECTED[Rejected.RACED])
        await strip(context, message)
    else:
        await query.answer(view.EARLIER_STEP)
        await strip(context, message)
        await redraw(context, state, None)


async def act(
    query: CallbackQuery,
    context: BotContext,
    state: RoutineState,
    action: Action,
    value: int | None,
    message: Message | None,
) -> None:
    result = await context.deps.routines.perform(state, action, value=value)
    if not isinstance(result, Transition):
        await query.answer(view.REJECTED[result])
        return
    await query.answer()
    await show_transition(context, state, result, action, message)


async def typed_action(
    context: BotContext, state: RoutineState, action: Action, value: int | None = None
) -> bool:
    """An action typed rather than pressed ("7" for a pain score, "pause", /cancel): the
    same as pressing its button, with the answer as a new message. True if it applied."""
    result = await context.deps.routines.perform(state, action, value=value)
    if not isinstance(result, Transition):
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
    new = result.state
    plan = deps.routines.plan_of(new)
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
        await edit(context, message, new, Screen(f"Pain before: {new.pain_before}/10 ✓"))
        await send(context, new, view.exercise_step(new, plan))
    elif action is Action.PAIN:
        await edit(context, message, new, Screen(f"Pain now: {new.pain_after}/10 ✓"))
        await context.bot.send_message(
            new.chat_id,
            view.summary(summarize(new, plan), deps.content.safety).text,
            reply_markup=markup(progress_view.summary_rows()),
        )
    elif action is Action.START_HOLD:
        await strip(context, message)
        countdown = await send(context, new, view.hold_countdown(new, plan, new.step(plan).seconds))
        arm(context, new, countdown.message_id)
    elif action is Action.RELEASE:
        await edit(context, message, new, Screen(view.hold_over(old.step(plan), early=True)))
        await send(context, new, view.release(new, plan, early=True))
    elif result.outcome is not None:
        # An exercise ended (done or skipped): its card keeps its text, the next one is new;
        # done, the card's buttons become the optional "how did it feel?" row (issue 12).
        await offer_feedback(context, old, result.outcome, message)
        if action is Action.SKIP:
            skipped = old.exercise(plan).name
            await context.bot.send_message(new.chat_id, f"⏭ Skipped the {esc(skipped.lower())}.")
        screen = (
            view.pain_prompt(new, before=False)
            if new.phase is Phase.PAIN_AFTER
            else view.exercise_step(new, plan)
        )
        await send(context, new, screen)
    else:
        show_all = action is Action.SHOW_ALL
        await edit(context, message, new, view.exercise_step(new, plan, show_all=show_all))
