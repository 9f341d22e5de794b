"""The migration runner: atomic, idempotent, and refusing a database from a newer Makker."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.db import SchemaTooNewError, connect, migrate


def write(directory: Path, name: str, sql: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(sql, "utf-8")


async def test_real_migrations_apply_once(tmp_path: Path) -> None:
    connection = await connect(tmp_path / "nested" / "makker.sqlite3")
    try:
        first = await migrate(connection)
        assert first[0].version == 1
        assert await migrate(connection) == []
        async with connection.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"
        async with connection.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1
    finally:
        await connection.close()


async def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    write(migrations, "0001_first.sql", "CREATE TABLE a (x INTEGER);")
    write(migrations, "0002_broken.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(aiosqlite.OperationalError):
            await migrate(connection, migrations)
        async with connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name") as cursor:
            tables = [row[0] for row in await cursor.fetchall()]
        assert tables == ["a", "schema_migrations"]
        async with connection.execute("SELECT version FROM schema_migrations") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == [1]
        write(migrations, "0002_broken.sql", "CREATE TABLE b (x INTEGER);")
        assert [m.version for m in await migrate(connection, migrations)] == [2]
    finally:
        await connection.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    write(migrations, "0001_first.sql", "CREATE TABLE a (x INTEGER);")
    write(migrations, "0002_second.sql", "CREATE TABLE b (x INTEGER);")
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        await migrate(connection, migrations)
        (migrations / "0002_second.sql").unlink()
        with pytest.raises(SchemaTooNewError, match="schema version 2, newer than this Makker knows"):
            await migrate(connection, migrations)
    finally:
        await connection.close()


async def test_badly_numbered_migrations_are_a_packaging_error(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    write(migrations, "0001_first.sql", "SELECT 1;")
    write(migrations, "0003_third.sql", "SELECT 1;")
    connection = await connect(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(ValueError, match="without gaps"):
            await migrate(connection, migrations)
    finally:
        await connection.close()
