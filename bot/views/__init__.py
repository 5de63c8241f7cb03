"""Pure text and button specs per screen; no telegram, no db.

A view takes core results and content and returns what the user reads (Telegram HTML) and
which buttons they get, as plain data. Handlers send it; tests read it as text.
"""
