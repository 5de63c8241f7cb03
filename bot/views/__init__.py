"""What each screen says and which buttons it has, as plain data.

A view takes core state and content and returns a `Screen`: Telegram HTML text and rows
of (label, payload) buttons, where the payloads are `bot.core.buttons` values that the
handlers' codec turns into callback data. Views decide words and layout only: no
`telegram`, no database, no I/O, so every screen is unit-tested as text.
"""
