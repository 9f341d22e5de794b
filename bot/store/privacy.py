"""Everything stored about one person: exported on request, erased on request (GDPR art. 15, 17)."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.store.database import Database

# Every table that refers to a person, and the column that does, in an order that respects
# foreign keys when deleting (requests refer to consents). A test checks that no table with a
# person column is missing here, so a new table cannot be forgotten by /delete.
PERSONAL_TABLES: dict[str, str] = {
    "suggestions": "user_id",
    "match_exclusions": "user_id",
    "support_requests": "user_id",
    "intake_drafts": "user_id",
    "consents": "user_id",
    "outbox": "chat_id",
    "peers": "user_id",
    "users": "user_id",
}


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every table read in one transaction, so the export is one consistent picture."""

        def run(connection: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
            return {
                table: [
                    dict(row)
                    for row in connection.execute(
                        f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", (user_id,)
                    )
                ]
                for table, column in PERSONAL_TABLES.items()
            }

        return await self._db.transaction(run)

    async def erase(self, user_id: int) -> int:
        """Delete every row about the person in one transaction; returns how many rows went.

        secure_delete (bot/db.py) zeroes what is deleted, and the checkpoint afterwards moves that into
        the database file and empties the WAL, whose older frames still held the erased rows.
        """

        def run(connection: sqlite3.Connection) -> int:
            return sum(
                connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,)).rowcount
                for table, column in PERSONAL_TABLES.items()
            )

        erased = await self._db.transaction(run)
        await self._db.checkpoint()
        return erased
