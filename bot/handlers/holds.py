"""A running hold, as the user sees it: the countdown edits, then a NEW "Release now"
message (so the phone rings), and the repair of holds after a restart.

Timers are `bot.runtime.holds.HoldTimers` (how long to wait); whether a release still
applies is the routine service's versioned save (a press and the timer never both win).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.error import BadRequest

from bot.core.routine import Action, RoutineState, Status, Transition
from bot.handlers.callbacks import markup
from bot.handlers.messages import current_screen, edit, send
from bot.runtime.deps import BotApp, BotContext
from bot.views import routine as view

log = logging.getLogger(__name__)


def arm(context: BotContext, state: RoutineState, countdown_id: int) -> None:
    """Schedule "release now" at the hold's end, and the countdown edits before it."""
    deps = context.deps
    assert state.hold_ends_at is not None and context.job_queue is not None
    deps.holds.arm(
        context.job_queue,
        run_id=state.run_id,
        user_id=state.user_id,
        ends_at=state.hold_ends_at,
        hold_seconds=state.step(deps.routines.plan_of(state)).seconds,
        release=on_hold_end,
        tick=on_tick,
        data={"run_id": state.run_id, "ends_at": state.hold_ends_at, "message_id": countdown_id},
    )


async def redraw(context: BotContext, state: RoutineState, message: Message | None) -> None:
    """Show where the routine is now, in `message` or a new one. A running hold's timers
    follow the message that shows its countdown."""
    shown = await edit(context, message, state, current_screen(state, context.deps))
    if state.holding:
        arm(context, state, shown.message_id)


def _still_running(state: RoutineState | None, data: dict[str, Any]) -> bool:
    """False if the hold was released early, paused, stopped or restarted meanwhile."""
    return (
        state is not None
        and state.hold_ends_at == data["ends_at"]
        and state.status is Status.ACTIVE
    )


async def on_tick(context: BotContext) -> None:
    job = context.job
    assert job is not None
    data: dict[str, Any]
    shown: int
    data, shown = job.data  # type: ignore[misc]
    state = await context.deps.routines.load(data["run_id"])
    if state is None or not _still_running(state, data):
        return
    screen = view.hold_countdown(state, context.deps.routines.plan_of(state), shown)
    try:
        await context.bot.edit_message_text(
            screen.text,
            chat_id=state.chat_id,
            message_id=data["message_id"],
            reply_markup=markup(screen.rows),
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
    state = await deps.routines.load(data["run_id"])
    if state is None or not _still_running(state, data):
        return
    result = await deps.routines.perform(state, Action.RELEASE)
    if not isinstance(result, Transition):
        return
    step = state.step(deps.routines.plan_of(state))
    try:
        await context.bot.edit_message_text(
            view.hold_over(step, early=False), chat_id=state.chat_id, message_id=data["message_id"]
        )
    except BadRequest as exc:
        log.debug("countdown close skipped: %s", exc)
    await send(context, result.state, view.release(result.state, deps.routines.plan_of(state)))


async def restore_holds(app: BotApp) -> None:
    """After a restart: re-arm holds still running; close those that ended while we were
    down without a late "release now" (the user sees the step when they come back)."""
    context = BotContext(app)
    for state in await context.deps.routines.holding():
        try:
            await _restore_hold(context, state)
        except Exception:  # one broken routine must not keep the bot from starting
            log.exception("routine %s: could not restore its hold", state.run_id)


async def _restore_hold(context: BotContext, state: RoutineState) -> None:
    deps = context.deps
    assert state.hold_ends_at is not None
    if state.hold_ends_at > deps.now() + 0.5:
        arm(context, state, state.message_id or 0)
        return
    result = await deps.routines.perform(state, Action.RELEASE)
    if not isinstance(result, Transition):
        return
    log.info("routine %s: a hold ended while the bot was down", state.run_id)
    # Quietly turn the countdown into the next step: an edit, so no late notification.
    if state.message_id is not None:
        new = result.state
        screen = view.exercise_step(new, deps.routines.plan_of(new))
        try:
            await context.bot.edit_message_text(
                screen.text,
                chat_id=state.chat_id,
                message_id=state.message_id,
                reply_markup=markup(screen.rows),
            )
        except BadRequest as exc:
            log.info("routine %s: could not update the countdown (%s)", state.run_id, exc)
