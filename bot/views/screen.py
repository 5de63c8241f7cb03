"""The shape every view returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.buttons import Payload

Button = tuple[str, Payload]
Rows = list[list[Button]]


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    rows: Rows = field(default_factory=list)
