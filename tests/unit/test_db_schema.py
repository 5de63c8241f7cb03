"""One migration history, one schema: both engines, migrated from empty, end up with the
same tables, columns, types, keys, indexes and checks. Nobody keeps a second copy of
the schema by hand; this test compares what the engines report about themselves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from db.connection import Database
from db.local_postgres import LocalPostgres

Schema = dict[str, dict[str, Any]]

# Both engines' declared types, as one canonical name each. PostgreSQL's `integer` and
# `real` are 32-bit: they must not appear (a Telegram id or a Unix time would not fit).
_SQLITE_TYPES = {"INTEGER": "int64", "BIGINT": "int64", "REAL": "float64", "TEXT": "text"}
_POSTGRES_TYPES = {"bigint": "int64", "double precision": "float64", "text": "text"}


def _predicate(text: str | None, columns: set[str]) -> list[str] | None:
    """A partial index's condition as the columns and constants it names (the engines
    spell `IN (…)` differently: `= ANY (ARRAY[…])` on PostgreSQL)."""
    if text is None:
        return None
    words = re.findall(r"'[^']*'|\b[a-z_]+\b|\d+", text.lower())
    return sorted({w for w in words if w in columns or w.startswith("'") or w.isdigit()})


async def sqlite_schema(db: Database) -> Schema:
    schema: Schema = {}
    tables = await db.fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    for table in tables:
        name = table["name"]
        info = await db.fetchall(f"SELECT * FROM pragma_table_info('{name}') ORDER BY cid")
        key = [row["name"] for row in sorted(info, key=lambda row: row["pk"]) if row["pk"]]
        names = {row["name"] for row in info}
        columns = [
            (
                row["name"],
                _SQLITE_TYPES.get(row["type"].upper(), row["type"]),
                bool(row["notnull"] or row["pk"]),
                row["dflt_value"],
                key == [row["name"]] and row["type"].upper() == "INTEGER",  # auto-assigned
            )
            for row in info
        ]
        indexes = {}
        for index in await db.fetchall(f"SELECT * FROM pragma_index_list('{name}')"):
            if index["origin"] != "c":  # the key's own index: compared as `key`
                continue
            parts = await db.fetchall(
                f"SELECT name FROM pragma_index_info('{index['name']}') ORDER BY seqno"
            )
            sql = await db.fetchone(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                (index["name"],),
            )
            assert sql is not None
            where = re.split(r"\bWHERE\b", sql["sql"], maxsplit=1, flags=re.I)
            indexes[index["name"]] = (
                bool(index["unique"]),
                [part["name"] for part in parts],
                _predicate(where[1] if len(where) > 1 else None, names),
            )
        references = sorted(
            (row["from"], row["table"], row["to"], row["on_delete"])
            for row in await db.fetchall(f"SELECT * FROM pragma_foreign_key_list('{name}')")
        )
        checks = len(re.findall(r"\bCHECK\s*\(", table["sql"], flags=re.I))
        schema[name] = {
            "columns": columns,
            "key": key,
            "indexes": indexes,
            "references": references,
            "checks": checks,
        }
    return schema


async def postgres_schema(db: Database) -> Schema:
    schema: Schema = {}
    tables = await db.fetchall(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = "
        "current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' "
        "ORDER BY table_name"
    )
    for table in tables:
        name = table["table_name"]
        info = await db.fetchall(
            "SELECT column_name, data_type, is_nullable, column_default, is_identity "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
        names = {row["column_name"] for row in info}
        columns = [
            (
                row["column_name"],
                _POSTGRES_TYPES.get(row["data_type"], row["data_type"]),
                row["is_nullable"] == "NO",
                row["column_default"],
                row["is_identity"] == "YES",
            )
            for row in info
        ]
        key_row = await db.fetchone(
            "SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(n, o) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n "
            "ORDER BY k.o) AS columns FROM pg_index i "
            "WHERE i.indrelid = ?::regclass AND i.indisprimary",
            (name,),
        )
        indexes = {}
        for index in await db.fetchall(
            "SELECT c.relname AS name, i.indisunique AS is_unique, "
            "pg_get_expr(i.indpred, i.indrelid) AS predicate, "
            "array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(n, o) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n "
            "ORDER BY k.o) AS columns "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = ?::regclass AND NOT i.indisprimary",
            (name,),
        ):
            indexes[index["name"]] = (
                index["is_unique"],
                list(index["columns"]),
                _predicate(index["predicate"], names),
            )
        references = sorted(
            (row["source"], row["target"], row["target_column"], row["on_delete"])
            for row in await db.fetchall(
                "SELECT a.attname AS source, t.relname AS target, b.attname AS target_column, "
                "CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' "
                "WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.confrelid "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1] "
                "WHERE c.conrelid = ?::regclass AND c.contype = 'f'",
                (name,),
            )
        )
        checks = await db.fetchone(
            "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = ?::regclass "
            "AND contype = 'c'",
            (name,),
        )
        assert key_row is not None and checks is not None
        schema[name] = {
            "columns": columns,
            "key": list(key_row["columns"]),
            "indexes": indexes,
            "references": references,
            "checks": checks["n"],
        }
    return schema


async def test_both_engines_migrate_from_empty_to_the_same_schema(
    tmp_path: Path, postgres_server: LocalPostgres
) -> None:
    sqlite = await Database.open(tmp_path / "schema.sqlite3")
    postgres_url = postgres_server.url()
    # A database of its own, so nothing else in the server can show up.
    admin = await Database.open(postgres_url)
    await admin.execute("DROP DATABASE IF EXISTS schema_compare")
    await admin.execute("CREATE DATABASE schema_compare")
    await admin.close()
    postgres = await Database.open(postgres_server.url(database="schema_compare"))
    try:
        left, right = await sqlite_schema(sqlite), await postgres_schema(postgres)
    finally:
        await sqlite.close()
        await postgres.close()
    assert {"users", "routine_runs", "exercise_results", "reminders"} <= set(left)
    for table in sorted(set(left) | set(right)):
        assert table in left and table in right, f"{table} exists on one engine only"
        for aspect in ("columns", "key", "indexes", "references", "checks"):
            assert left[table][aspect] == right[table][aspect], f"{table}: {aspect} differ"
    # The comparison sees what matters: ids are 64-bit, times are doubles, and /forget's
    # cascade reaches every table that holds a person's data.
    users = {column[0]: column for column in left["users"]["columns"]}
    assert users["user_id"][1] == "int64" and users["created_at"][1] == "float64"
    assert ("user_id", "users", "user_id", "CASCADE") in left["reminders"]["references"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_migrating_postgres_twice_changes_nothing(database_url: str) -> None:
    first = await Database.open(database_url)
    before = await postgres_schema(first)
    await first.close()
    second = await Database.open(database_url)
    try:
        assert await postgres_schema(second) == before
    finally:
        await second.close()
