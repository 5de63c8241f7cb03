"""The conversations: one module per feature, each turning an `Update` into a service
call and its result into messages.

Handlers are thin: they read the update (the callback codec in `callbacks.py` reads
every button), ask a service or the core, pick a view, and send or edit. They write no
SQL and hold no rules; `bot/app.py` registers them all in one ordered list.
"""
