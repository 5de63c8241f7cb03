"""What the picture setting says: the "Text only" button, /pictures, and its answers."""

from __future__ import annotations

from bot.core.buttons import PicturesButton
from bot.views.screen import Button, Rows, Screen

TEXT_ONLY: Button = ("📝 Text only", PicturesButton(False))
PICTURES_ON: Button = ("🖼 Pictures on", PicturesButton(True))

TEXT_ONLY_SAVED = "Text only from now on. Send /pictures on to see the pictures again."
PICTURES_SAVED = "Pictures are on again."
USAGE = "Send /pictures on or /pictures off."


def with_text_only(rows: Rows) -> Rows:
    """A picture's buttons: the step's own, then "Text only" for slow connections."""
    return [*rows, [TEXT_ONLY]]


def setting(text_only: bool) -> Screen:
    """/pictures: the current choice and the button that changes it."""
    if text_only:
        return Screen(
            "📝 <b>Text only</b> is on: the exercises come without pictures. "
            "Turn the pictures back on?",
            [[PICTURES_ON]],
        )
    return Screen(
        "🖼 <b>Pictures are on</b>: the first step of each exercise comes with a picture or "
        "a short silent loop of the movement. On a slow connection, choose text only.",
        [[TEXT_ONLY]],
    )


def changed(text_only: bool) -> str:
    return TEXT_ONLY_SAVED if text_only else PICTURES_SAVED
