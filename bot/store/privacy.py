"""Everything stored about one person: exported on request, erased on request (GDPR art. 15, 17)."""

from __future__ import annotations

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
        exported: dict[str, list[dict[str, Any]]] = {}
        for table, column in PERSONAL_TABLES.items():
            rows = await self._db.fetch_all(f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", (user_id,))
            exported[table] = [dict(row) for row in rows]
        return exported

    async def erase(self, user_id: int) -> int:
        """Delete every row about the person in one transaction; returns how many rows went."""
        erased = 0
        async with self._db.transaction() as connection:
            for table, column in PERSONAL_TABLES.items():
                cursor = await connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
                erased += cursor.rowcount
        return erased
