"""Data access: the connection, migrations, and one module per group of tables.

Nothing here formats a message or imports `telegram`; SQL is written out once, in the
portable subset of db/dialect.py with `?` parameters, and runs on SQLite or PostgreSQL
(see docs/database.md); every multi-row change runs in one transaction.
"""
