"""The command menu and the help text."""

from __future__ import annotations

# (command, menu description); the order is the menu's order.
COMMANDS: list[tuple[str, str]] = [
    ("routine", "Start today's 5 exercises"),
    ("progress", "Your pain and routines over time, with a chart"),
    ("goal", "Set how many days a week, e.g. /goal 4"),
    ("reminder", "Set or change your daily reminder"),
    ("timezone", "Set your time zone"),
    ("ask", "Ask a question, e.g. /ask why glute bridge"),
    ("why", "Why an exercise helps, e.g. /why cat cow"),
    ("pictures", "Exercise pictures on or off (/pictures off: text only)"),
    ("safety", "Take the safety check again"),
    ("cancel", "Stop what we're doing"),
    ("export", "Your history as a CSV file"),
    ("forget", "Delete everything I store about you"),
    ("start", "Say hello and see what I do"),
    ("help", "Show this list"),
]

HELP_TEXT = (
    "<b>What I can do</b>\n"
    + "\n".join(f"/{name} – {description}" for name, description in COMMANDS)
    + "\n\nYou can also just type a question, like “how long do I hold the back flexion stretch?”"
)
UNKNOWN_COMMAND = "I don't know that command. Here's what I can do:\n\n" + HELP_TEXT
NOT_TEXT = "I can only read text and button presses. Send /help to see what I can do."
EDITED = (
    "I only read new messages, so your edit didn't change anything. "
    "Send it again as a new message if you meant to."
)
UNKNOWN_BUTTON = "That button no longer works. Send /help."
