"""Renders images from data (exercise figures, progress charts) to bytes: no telegram, no
db. Heavy libraries (matplotlib) are imported inside the functions that need them, so the
bot's start-up does not pay for them; call the renderers in a worker thread."""
