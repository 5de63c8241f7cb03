"""The safety gate as the user meets it: the red-flag screen before any exercise, or the
reason no routine starts. Shared by the routine, free text and the safety screen itself
(its own module, so that the safety screen can go on into a routine without a cycle)."""

from __future__ import annotations

from bot.core.safety import Gate
from bot.handlers.common import send_screen
from bot.runtime.deps import BotContext
from bot.views import safety as view


async def send_safety_screen(
    context: BotContext, chat_id: int, *, then_routine: bool = False
) -> None:
    """The red-flag screen; with `then_routine`, "None of these apply" starts the routine."""
    await send_screen(
        context, chat_id, view.screen(context.deps.content, then_routine=then_routine)
    )


async def refuse_if_unsafe(
    context: BotContext, chat_id: int, gate: Gate, *, then_routine: bool = False
) -> bool:
    """Red flags win: True (and the user was told why) when the gate says no."""
    if gate is Gate.ALLOWED:
        return False
    if gate is Gate.NEEDS_SCREEN:
        await send_safety_screen(context, chat_id, then_routine=then_routine)
        return True
    await context.bot.send_message(chat_id, view.routine_refused(context.deps.content.safety, gate))
    return True
