"""The safety screen (red flags before any exercise) and what each answer says."""

from __future__ import annotations

from bot.content import Content, Safety
from bot.core.buttons import SafetyButton, SafetyChoice
from bot.core.safety import Gate
from bot.core.text import esc
from bot.views.screen import Screen

STALE_BUTTON = "That button no longer works. Send /safety to take the check again."
TAKE_IT_FIRST = "Please take the safety check first."


def screen_text(content: Content) -> str:
    safety = content.safety
    urgent = "\n".join(f"• {esc(item)}" for item in safety.red_flags.urgent)
    doctor = "\n".join(f"• {esc(item)}" for item in safety.red_flags.see_doctor)
    return (
        f"{esc(safety.screen_intro)}\n\n"
        f"<b>Needs emergency care today:</b>\n{urgent}\n\n"
        f"<b>Needs a doctor first:</b>\n{doctor}"
    )


def screen(content: Content, *, then_routine: bool = False) -> Screen:
    """The red-flag screen; `then_routine`: "None of these apply" goes on into the routine."""
    return Screen(
        screen_text(content),
        [
            [("✅ None of these apply", SafetyButton(SafetyChoice.NONE, then_routine))],
            [("⚠️ One of these applies", SafetyButton(SafetyChoice.SOME))],
        ],
    )


def which_list(content: Content) -> Screen:
    return Screen(
        f"{screen_text(content)}\n\n<b>Which list is it on?</b>",
        [
            [("🚨 The emergency list", SafetyButton(SafetyChoice.URGENT))],
            [("🩺 The see-a-doctor list", SafetyButton(SafetyChoice.DOCTOR))],
        ],
    )


def cleared(safety: Safety, *, then_routine: bool = False) -> str:
    if then_routine:
        return f"{esc(safety.cleared)}\n\nLet's begin."
    return f"{esc(safety.cleared)}\n\nSend /routine when you're ready."


def advice(safety: Safety, gate: Gate) -> str:
    return safety.urgent_advice if gate is Gate.URGENT else safety.see_doctor_advice


def warning_applies(safety: Safety, gate: Gate, routine_stopped: bool) -> str:
    note = " I've stopped your routine." if routine_stopped else ""
    return (
        f"<b>{esc(advice(safety, gate))}</b>\n\nI won't start a routine for now.{note} "
        "If things change, send /safety to take this check again."
    )


def routine_refused(safety: Safety, gate: Gate) -> str:
    return (
        f"{esc(advice(safety, gate))}\n\nYour safety check said one of the warning signs "
        "applies, so I won't start a routine. If things have changed, send /safety to take "
        "it again."
    )
