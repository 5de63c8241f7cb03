"""Data access: the connection, migrations, and one module per group of tables.

Nothing here formats a message or imports `telegram`; SQL is written out with `?`
parameters, and every multi-row change runs in one transaction.
"""
