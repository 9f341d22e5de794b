"""The inbox table: updates from Telegram, kept until handled, and afterwards as the record of what was handled."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import db_now, to_db, utc_now
from bot.store.database import Database


@dataclass(frozen=True)
class Unhandled:
    update_id: int
    body: str
    applied: bool
    reply_in_doubt: bool = False


_MARK_HANDLED = "UPDATE inbox SET state = 'handled', body = NULL, handled_at = ? WHERE update_id IN ({})"
# A whole batch in one statement each (ids known, receiving, marking): every statement hands the GIL to the
# event loop and back (bot/store/database.py), so one per batch costs far less than one per update.
# 300 rows of three values stay far below SQLite's limit of bound parameters.
_ROWS_PER_STATEMENT = 300


def _chunks(items: list[Any], size: int = _ROWS_PER_STATEMENT) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _marks(connection: sqlite3.Connection, update_ids: list[int], now: str) -> None:
    for chunk in _chunks(update_ids):
        connection.execute(_MARK_HANDLED.format(",".join("?" * len(chunk))), [now, *chunk])


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def receive(self, updates: list[tuple[int, str]], handled: list[int] | None = None) -> list[int]:
        """Store a batch in one transaction; returns the ids that were new (the others were seen before).

        `handled`: marks that were waiting, written in the same transaction so that they cost no trip of their own.
        """
        now = db_now()
        marks = list(handled or [])
        first: dict[int, str] = {}
        for update_id, body in updates:
            first.setdefault(update_id, body)  # the first of an id the batch holds twice, as INSERT OR IGNORE kept

        def run(connection: sqlite3.Connection) -> list[int]:
            _marks(connection, marks, now)
            seen: set[int] = set()
            for chunk in _chunks(list(first)):
                known = f"SELECT update_id FROM inbox WHERE update_id IN ({','.join('?' * len(chunk))})"
                seen.update(row[0] for row in connection.execute(known, chunk))
            new = [update_id for update_id in first if update_id not in seen]
            for chunk in _chunks(new):
                rows = ",".join(["(?, ?, ?)"] * len(chunk))
                values = [value for update_id in chunk for value in (update_id, first[update_id], now)]
                connection.execute(f"INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES {rows}", values)
            return new

        return await self._db.transaction(run)

    async def unhandled(self) -> list[Unhandled]:
        rows = await self._db.fetch_all(
            "SELECT update_id, body, state, reply_in_doubt FROM inbox WHERE state IN ('pending', 'applied')"
            " ORDER BY update_id"
        )
        return [
            Unhandled(row["update_id"], row["body"], row["state"] == "applied", bool(row["reply_in_doubt"]))
            for row in rows
        ]

    async def mark_reply_in_doubt(self, update_ids: list[int]) -> None:
        """Left unhandled at a stop, after a reply to it went out or while one was on its way."""
        rows = [(update_id,) for update_id in update_ids]
        await self._db.transaction(
            lambda connection: connection.executemany(
                "UPDATE inbox SET reply_in_doubt = 1 WHERE update_id = ? AND state IN ('pending', 'applied')", rows
            )
        )

    async def mark_handled(self, update_ids: list[int]) -> None:
        """The content goes; the id stays as the record that the update had its effect."""
        now = db_now()
        ids = list(update_ids)
        await self._db.transaction(lambda connection: _marks(connection, ids, now))

    async def set_aside(self, update_id: int, error: str) -> None:
        """An update that cannot be read: its id and why are kept, its content is not."""
        await self._db.write(
            "UPDATE inbox SET state = 'set_aside', body = NULL, error = ?, handled_at = ? WHERE update_id = ?",
            (error, db_now(), update_id),
        )

    async def set_aside_count(self) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM inbox WHERE state = 'set_aside'")
        return row["n"] if row else 0

    async def forget_older_than(self, age: timedelta) -> int:
        """Telegram keeps an undelivered update for 24 hours; an older id can never come back."""
        cursor = await self._db.write(
            "DELETE FROM inbox WHERE state IN ('handled', 'set_aside') AND received_at < ?", (to_db(utc_now() - age),)
        )
        return cursor.rowcount
