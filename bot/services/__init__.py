"""The use cases: load what a user has, decide with the core's rules, save the result.

A service speaks plain Python (core states, typed results, content) and never imports
`telegram`: the handlers turn its results into messages, the runtime runs its timers.
Failures that a user can cause come back as typed results (`Rejected`), never as text:
the views choose the words. Database access goes through `db/` only.
"""
