"""A running hold, as the user sees it: the countdown edits, then a NEW "Release now"
message (so the phone rings), and the repair of holds after a restart.

Timers are `bot.runtime.holds.HoldTimers` (how long to wait); whether a release still
applies is the routine service's versioned save (a press and the timer never both win).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot.core.routine import Action, Plan, RoutineState, Status, Step, Transition
from bot.handlers.callbacks import markup
from bot.handlers.messages import current_screen, edit, send
from bot.runtime.deps import BotApp, BotContext
from bot.runtime.holds import MISFIRE_GRACE_SECONDS
from bot.services.routine import OwedRelease
from bot.views import routine as view

log = logging.getLogger(__name__)


def arm(context: BotContext, state: RoutineState, countdown_id: int, *, ticks: bool = True) -> None:
    """Schedule "release now" at the hold's end, and (with `ticks`) the countdown edits
    before it; without them the message can show something else until the release."""
    deps = context.deps
    assert state.hold_ends_at is not None and context.job_queue is not None
    deps.holds.arm(
        context.job_queue,
        run_id=state.run_id,
        user_id=state.user_id,
        ends_at=state.hold_ends_at,
        hold_seconds=state.step(deps.routines.plan_of(state)).seconds,
        release=on_hold_end,
        tick=on_tick if ticks else None,
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
    deps = context.deps
    due = data["ends_at"] - deps.clock.real_seconds(shown)
    if not deps.holds.tick_may_run(late_by=deps.now() - due):
        log.debug("routine %s: countdown edit skipped, releases first", data["run_id"])
        return
    state = await deps.routines.load(data["run_id"])
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
    """The hold's timer fired: save the release, with a "Release now" owed in the same
    transaction (the versioned write: a press and the timer never both win), then
    announce it as a NEW message so the phone rings."""
    job = context.job
    assert job is not None
    data: dict[str, Any] = job.data  # type: ignore[assignment]
    deps = context.deps
    deps.holds.cancel(data["run_id"])
    with deps.holds.release_running():  # countdown edits meanwhile may yield to it
        state = await deps.routines.load(data["run_id"])
        if state is None or not _still_running(state, data):
            return
        result = await deps.routines.perform(state, Action.RELEASE, announce=True)
        if not isinstance(result, Transition):
            return
        await announce_release(context, result.state, data["message_id"])


def _held_step(released: RoutineState, plan: Plan) -> Step:
    """The hold a release ended (releasing one side moves on to the next side's step)."""
    index = released.step_index if released.held else released.step_index - 1
    return plan.steps[released.exercise_index][index]


async def announce_release(
    context: BotContext, released: RoutineState, countdown_id: int | None
) -> None:
    """Send the owed "Release now", once (the claim is committed before the call, so a
    crash during it never leads to a second one after a restart), then close the
    countdown: the release never waits behind the countdown's edit. The message's id
    (its buttons are the live ones) is saved by the write that settles the claim."""
    deps = context.deps
    if await deps.routines.claim_announcement(released.run_id):
        live_id = None
        try:
            screen = view.release(released, deps.routines.plan_of(released))
            shown = await send(context, released, screen, remember=False)
            live_id = shown.message_id if screen.rows else None
        finally:
            await deps.routines.announced(released.run_id, live_id)
    if countdown_id is not None:
        try:
            await context.bot.edit_message_text(
                view.hold_over(_held_step(released, deps.routines.plan_of(released)), early=False),
                chat_id=released.chat_id,
                message_id=countdown_id,
            )
        except TelegramError as exc:  # the countdown is cosmetic: never lose the release
            log.debug("countdown close skipped: %s", exc)


async def restore_holds(app: BotApp) -> None:
    """After a restart: settle the "Release now" messages a crash left owed, re-arm holds
    still running, and close those that ended while we were down without a late
    "release now" (the user sees the step when they come back)."""
    context = BotContext(app)
    for owed in await context.deps.routines.owed_releases():
        try:
            await _settle_release(context, owed)
        except Exception:  # one broken routine must not keep the bot from starting
            log.exception("routine %s: could not settle its release", owed.state.run_id)
    for state in await context.deps.routines.holding():
        try:
            await _restore_hold(context, state)
        except Exception:  # one broken routine must not keep the bot from starting
            log.exception("routine %s: could not restore its hold", state.run_id)


async def _settle_release(context: BotContext, owed: OwedRelease) -> None:
    state = owed.state
    if owed.announce:
        log.info("routine %s: announcing a release a restart interrupted", state.run_id)
        # The routine's live message is still the countdown: the release never went out.
        await announce_release(context, state, state.message_id)
        return
    log.info("routine %s: a release a restart interrupted is closed quietly", state.run_id)
    await _close_quietly(context, state, state.message_id)
    await context.deps.routines.announced(state.run_id)


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
    await _close_quietly(context, result.state, state.message_id)


async def _close_quietly(
    context: BotContext, released: RoutineState, message_id: int | None
) -> None:
    """Turn the countdown into the finished step: an edit, so no late notification."""
    if message_id is None:
        return
    screen = view.exercise_step(released, context.deps.routines.plan_of(released))
    try:
        await context.bot.edit_message_text(
            screen.text,
            chat_id=released.chat_id,
            message_id=message_id,
            reply_markup=markup(screen.rows),
        )
    except BadRequest as exc:
        log.info("routine %s: could not update the countdown (%s)", released.run_id, exc)


# -- several workers on one database (bot/workers.py) -----------------------------------


async def take_over(context: BotContext, state: RoutineState) -> None:
    """The hold sweep claimed a hold whose own worker never released it (it died, or
    lags). Announce it through the timer's path, as if this worker had armed it; one more
    than `MISFIRE_GRACE_SECONDS` late is closed quietly, as after a restart."""
    assert state.hold_ends_at is not None
    if state.hold_ends_at >= context.deps.now() - MISFIRE_GRACE_SECONDS:
        arm(context, state, state.message_id or 0, ticks=False)
    else:
        await _restore_hold(context, state)


async def settle_abandoned(context: BotContext, owed: OwedRelease) -> None:
    """The hold sweep found a "Release now" its worker saved but never settled (it died
    between the release and the message): settle it as a restart does. The claim in
    `announce_release` keeps it to one message whichever workers meet it."""
    await _settle_release(context, owed)


async def close_forgotten_holds(app: BotApp, ended_before: float) -> None:
    """At a worker's start-up: holds that ended before `ended_before` and are still
    running were announced by no one, so no worker was up when they ended (a live one's
    sweep would have): close them quietly, as `restore_holds` does after a restart.
    Later ones are left to their own worker's timer or the sweep."""
    context = BotContext(app)
    for state in await context.deps.routines.holding():
        assert state.hold_ends_at is not None
        if state.status is Status.ACTIVE and state.hold_ends_at < ended_before:
            try:
                await _restore_hold(context, state)
            except Exception:  # one broken routine must not keep the worker from starting
                log.exception("routine %s: could not close its hold", state.run_id)
