"""The rules, with no I/O: the routine's state machine, the safety gate, schedules,
time parsing, answer matching, red flags, button payloads, one scaled clock.

Nothing here imports `telegram`, a database or the network, so every rule is
unit-tested on its own. Content types come in from `bot.content`; words for the user
live in `bot.views`, not here.
"""
