"""Which Telegram updates Makker has already handled, so a redelivered update has its effect once."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.clock import db_now, to_db, utc_now
from bot.store.database import Database


class ProcessedUpdateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, update_ids: list[int]) -> None:
        now = db_now()
        rows = [(update_id, now) for update_id in update_ids]

        def run(connection: sqlite3.Connection) -> None:
            connection.executemany(
                "INSERT OR IGNORE INTO processed_updates (update_id, received_at) VALUES (?, ?)", rows
            )

        await self._db.transaction(run)

    async def received_since(self, age: timedelta) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT update_id FROM processed_updates WHERE received_at >= ? ORDER BY received_at",
            (to_db(utc_now() - age),),
        )
        return [row["update_id"] for row in rows]

    async def forget_older_than(self, age: timedelta) -> int:
        """Telegram keeps undelivered updates for 24 hours; older ids can never come back."""
        cursor = await self._db.write("DELETE FROM processed_updates WHERE received_at < ?", (to_db(utc_now() - age),))
        return cursor.rowcount
