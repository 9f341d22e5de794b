"""The SQLite connection Makker runs on, and the forward-only migration runner over migrations/*.sql."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.clock import db_now

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# How long a write waits for a lock another process holds before it fails.
BUSY_TIMEOUT_MS = 5000


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer Makker; running older code on it could corrupt data."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


async def connect(path: Path) -> aiosqlite.Connection:
    """Open the database with the settings SQLite needs for a busy, crash-safe bot.

    isolation_level=None: Makker opens every write transaction itself with BEGIN IMMEDIATE.
    """
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = await aiosqlite.connect(path, isolation_level=None)
    try:
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA foreign_keys=ON")
        # Erased rows are overwritten with zeros, not just unlinked: /delete leaves nothing to read in the file.
        await connection.execute("PRAGMA secure_delete=ON")
    except BaseException:
        # aiosqlite's thread keeps the process alive until the connection is closed: a file that is not
        # a database must end in one line, never in a hang.
        await connection.close()
        raise
    return connection


async def check_writable(connection: aiosqlite.Connection) -> None:
    """Write and roll back, so that a read-only file or folder (or a lock held too long) is found at
    start-up, not by the first person whose answer cannot be saved. Raises sqlite3.Error."""
    await connection.execute("BEGIN IMMEDIATE")
    try:
        await connection.execute("CREATE TABLE makker_write_probe (x INTEGER)")
    finally:
        await connection.execute("ROLLBACK")


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered migration files in order; a gap or a duplicate number is a packaging error."""
    migrations: list[Migration] = []
    for file in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(file.name)
        if not match:
            raise ValueError(f"migration file {file.name} must be named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), file.read_text("utf-8")))
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 0001, 0002, ... without gaps: {versions}")
    return migrations


async def applied_versions(connection: aiosqlite.Connection) -> set[int]:
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with connection.execute("SELECT version FROM schema_migrations") as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def migrate(connection: aiosqlite.Connection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply pending migrations, each in one transaction together with its bookkeeping row.

    Returns what was applied (empty when the database was current). Refuses a database that
    has versions this code does not know.
    """
    migrations = load_migrations(directory)
    done = await applied_versions(connection)
    known = {migration.version for migration in migrations}
    unknown = sorted(done - known)
    if unknown:
        raise SchemaTooNewError(
            f"the database has schema version {max(unknown)}, newer than this Makker knows "
            f"({max(known, default=0)}); upgrade Makker or use a backup from this version"
        )
    applied: list[Migration] = []
    for migration in migrations:
        if migration.version in done:
            continue
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_migrations (version, name, applied_at) "
            f"VALUES ({migration.version}, '{migration.name}', '{db_now()}');\n"
            "COMMIT;"
        )
        try:
            await connection.executescript(script)
        except Exception:
            if connection.in_transaction:
                await connection.execute("ROLLBACK")
            raise
        logger.info("migration_applied version=%d name=%s", migration.version, migration.name)
        applied.append(migration)
    return applied
