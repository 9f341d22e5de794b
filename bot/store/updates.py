"""Which Telegram updates Makker has already handled, so a redelivered update has its effect once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import db_now, to_db, utc_now
from bot.store.database import Database


class ProcessedUpdateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, update_id: int) -> bool:
        """Record the update as handled; False when it was already claimed before."""
        cursor = await self._db.write(
            "INSERT OR IGNORE INTO processed_updates (update_id, received_at) VALUES (?, ?)",
            (update_id, db_now()),
        )
        return cursor.rowcount == 1

    async def forget_older_than(self, age: timedelta) -> int:
        """Telegram keeps undelivered updates for 24 hours; older ids can never come back."""
        cursor = await self._db.write("DELETE FROM processed_updates WHERE received_at < ?", (to_db(utc_now() - age),))
        return cursor.rowcount
