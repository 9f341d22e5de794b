"""Makker's command line: `python -m bot [run|migrate|backup FILE|import-initiatives FILE]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from telegram import Update
from telegram.ext import Application

from bot.app import build_application, freeze_start_up_objects
from bot.backup import copy_database
from bot.config import DatabaseSettings, Settings, describe_error
from bot.db import SchemaTooNewError, check_writable, connect, migrate
from bot.logging_setup import configure_logging
from bot.store import Store
from bot.store.initiatives import ImportResult
from matching.catalogue import CatalogueError, Initiative, parse_initiatives
from matching.geo import default_geography

logger = logging.getLogger("bot")
SettingsT = TypeVar("SettingsT", bound=DatabaseSettings)


class StartupError(Exception):
    """A problem the operator must fix; printed as one line, never as a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Makker, the peer-support bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default): migrate, then poll or serve the webhook")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    backup = commands.add_parser("backup", help="copy the live database to FILE, safely while the bot runs")
    backup.add_argument("file", type=Path)
    catalogue = commands.add_parser("import-initiatives", help="load or update the initiatives catalogue from FILE")
    catalogue.add_argument("file", type=Path)
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "migrate":
            return _migrate()
        if arguments.command == "backup":
            return _backup(arguments.file)
        if arguments.command == "import-initiatives":
            return _import_initiatives(arguments.file)
        return _run()
    except StartupError as error:
        print(f"makker: {error}", file=sys.stderr)
        return 2


def _settings(kind: type[SettingsT]) -> SettingsT:
    try:
        return kind()
    except ValidationError as error:
        raise StartupError(describe_error(error)) from None


async def _migrate_database(path: Path) -> list[str]:
    """Open, prove the database can be written, and migrate: any fault is one line for the operator."""
    try:
        connection = await connect(path)
    except (sqlite3.Error, OSError) as error:
        raise StartupError(f"cannot open the database at {path}: {error}") from None
    try:
        await check_writable(connection)
        return [f"{m.version:04d}_{m.name}" for m in await migrate(connection)]
    except SchemaTooNewError as error:
        raise StartupError(str(error)) from None
    except sqlite3.Error as error:
        raise StartupError(f"cannot write the database at {path}: {error}") from None
    finally:
        await connection.close()


def _migrate() -> int:
    settings = _settings(DatabaseSettings)
    configure_logging(settings.log_level)
    applied = asyncio.run(_migrate_database(settings.database_path))
    if applied:
        print(f"Applied {len(applied)} migration(s) to {settings.database_path}: {', '.join(applied)}")
    else:
        print(f"Nothing to apply: {settings.database_path} is up to date.")
    return 0


def _import_initiatives(file: Path) -> int:
    """All or nothing: every invalid row is reported with its line, and then nothing is imported."""
    settings = _settings(DatabaseSettings)
    configure_logging(settings.log_level)
    try:
        # A last_checked date after tomorrow (UTC and Danish dates differ by a day at most) cannot have been.
        initiatives = parse_initiatives(file.read_text("utf-8-sig"), today=date.today() + timedelta(days=1))
    except OSError as error:
        raise StartupError(f"cannot read {file}: {error.strerror}") from None
    except CatalogueError as error:
        for problem in error.problems:
            print(f"{file}, line {problem.line}: {problem.reason}", file=sys.stderr)
        print(f"makker: nothing imported from {file}: fix the {len(error.problems)} problem(s) above", file=sys.stderr)
        return 1
    result = asyncio.run(_import(settings.database_path, initiatives))
    print(f"Imported {file}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged.")
    return 0


async def _import(path: Path, initiatives: list[Initiative]) -> ImportResult:
    await _migrate_database(path)
    try:
        store = await Store.open(path, default_geography())
    except (sqlite3.Error, OSError) as error:
        raise StartupError(f"cannot open the database at {path}: {error}") from None
    try:
        return await store.initiatives.import_all(initiatives)
    except sqlite3.Error as error:
        raise StartupError(f"nothing imported: cannot write the database at {path}: {error}") from None
    finally:
        await store.close()


def _backup(target: Path) -> int:
    """SQLite's online backup: a consistent copy even while the bot writes, or no file at all."""
    settings = _settings(DatabaseSettings)
    if not settings.database_path.exists():
        raise StartupError(f"there is no database at {settings.database_path}")
    if target.exists():
        raise StartupError(f"{target} exists already; choose a new file name")
    try:
        copy_database(settings.database_path, target)
    except (sqlite3.Error, OSError) as error:
        raise StartupError(f"no backup made: {error}") from None
    print(f"Backed up {settings.database_path} to {target}")
    return 0


def _run() -> int:
    settings = _settings(Settings)
    configure_logging(settings.log_level)
    applied = asyncio.run(_migrate_database(settings.database_path))
    if applied:
        logger.info("migrated applied=%s", ",".join(applied))
    application = build_application(settings)
    start_up = application.post_init

    async def start_up_then_freeze(app: Application) -> None:
        if start_up is not None:
            await start_up(app)
        freeze_start_up_objects()

    application.post_init = start_up_then_freeze
    if settings.webhook_url:
        assert settings.webhook_secret is not None  # enforced by Settings
        logger.info("starting mode=webhook port=%d", settings.webhook_port)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        logger.info("starting mode=polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=settings.polling_timeout_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
