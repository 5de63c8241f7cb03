"""The adapters between python-telegram-bot and the rest: what has to know PTB but is
not a conversation.

`deps` (the one frozen `Deps` every handler reaches as `context.deps`), `holds` (one
JobQueue job per running hold, kept by handle), `sending` (the paced queue for bulk
sends), `tracking_bot` (PTB's bot, remembering which buttons it answered). No user-facing
words live here (those are views) and no SQL (that is `db/`).
"""
