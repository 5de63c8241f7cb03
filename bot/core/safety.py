"""The safety gate: what a user's answer to the red-flag screen allows.

One place decides, so handlers ask instead of comparing strings: red flags always win
over everything else, and an unanswered screen comes before any exercise.
"""

from __future__ import annotations

from enum import StrEnum


class SafetyStatus(StrEnum):
    """The stored answer (NULL in the database: not answered, or asked again)."""

    CLEARED = "cleared"
    URGENT = "urgent"
    SEE_DOCTOR = "see_doctor"


class Gate(StrEnum):
    ALLOWED = "allowed"
    NEEDS_SCREEN = "needs_screen"  # never answered, or a red flag was typed since
    URGENT = "urgent"  # a warning sign that needs emergency care
    SEE_DOCTOR = "see_doctor"  # a warning sign that needs a doctor first


def status_of(value: str | None) -> SafetyStatus | None:
    """The stored text as a status; anything unknown counts as unanswered."""
    try:
        return SafetyStatus(value) if value is not None else None
    except ValueError:
        return None


def routine_gate(status: SafetyStatus | None) -> Gate:
    """May this user start or move a routine forward?"""
    if status is None:
        return Gate.NEEDS_SCREEN
    if status is SafetyStatus.CLEARED:
        return Gate.ALLOWED
    return Gate.URGENT if status is SafetyStatus.URGENT else Gate.SEE_DOCTOR


def may_exercise(status: SafetyStatus | None) -> bool:
    return routine_gate(status) is Gate.ALLOWED


def blocks_reminders(status: SafetyStatus | None) -> bool:
    """No nudge to exercise for someone whose screen said a warning sign applies."""
    return status in (SafetyStatus.URGENT, SafetyStatus.SEE_DOCTOR)
