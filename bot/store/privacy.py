"""Everything stored about one person: exported on request, erased on request (GDPR art. 15, 17)."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.store.database import Database

# Every table that refers to a person, and the column (or columns, for tables about two people) that
# does, in an order that respects foreign keys when deleting (requests refer to consents). A test checks
# that no table with a person column is missing here, so a new table cannot be forgotten by /delete.
PERSONAL_TABLES: dict[str, str | tuple[str, ...]] = {
    "relay_messages": ("from_chat", "to_chat"),
    "reports": ("reporter_user_id", "reported_user_id"),
    "matches": ("user_id", "peer_user_id"),
    "offers": ("user_id", "peer_user_id"),
    "never_pairs": ("person_user_id", "peer_user_id"),
    "suspensions": "user_id",
    "peer_applications": "user_id",
    "peer_profile_edits": "user_id",
    "suggestions": "user_id",
    "match_exclusions": "user_id",
    "support_requests": "user_id",
    "intake_drafts": "user_id",
    "consents": "user_id",
    "conversation_owners": "user_id",
    "outbox": "chat_id",
    "peers": "user_id",
    "users": "user_id",
}


# What a person does not see of a row that names them in a given column: a reported person's export does not
# carry the reporter's words (the coordinators have them), so a report never reaches the one it is about; a side of
# a match sees the contact it gave itself, never the other side's (shared only when both agree, in the chat).
HIDDEN_IN_EXPORT: dict[tuple[str, str], tuple[str, ...]] = {
    ("reports", "reported_user_id"): ("text",),
    ("matches", "user_id"): ("peer_contact",),
    ("matches", "peer_user_id"): ("person_contact",),
}


def columns_of(table: str) -> tuple[str, ...]:
    columns = PERSONAL_TABLES[table]
    return (columns,) if isinstance(columns, str) else columns


def export_rows(connection: sqlite3.Connection, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person. In a table about two people, the other person's id is left out: a person
    sees their side of a match or a report, never who the other side is on Telegram."""
    exported: dict[str, list[dict[str, Any]]] = {}
    for table in PERSONAL_TABLES:
        columns = columns_of(table)
        rows: list[dict[str, Any]] = []
        for column in columns:
            for row in connection.execute(f"SELECT * FROM {table} WHERE {column} = ? ORDER BY rowid", (user_id,)):
                item = dict(row)
                for other in columns:
                    if other != column and item[other] != user_id:
                        item[other] = None
                for hidden in HIDDEN_IN_EXPORT.get((table, column), ()):
                    item[hidden] = None
                rows.append(item)
        exported[table] = rows
    return exported


def erase_rows(connection: sqlite3.Connection, user_id: int) -> int:
    """Delete every row about the person inside the caller's transaction; returns how many rows went."""
    return sum(
        connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,)).rowcount
        for table in PERSONAL_TABLES
        for column in columns_of(table)
    )


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every table read in one transaction, so the export is one consistent picture."""
        return await self._db.transaction(lambda connection: export_rows(connection, user_id))

    async def erase(self, user_id: int) -> int:
        """Delete every row about the person in one transaction; returns how many rows went.

        secure_delete (bot/db.py) zeroes what is deleted, and the checkpoint afterwards moves that into
        the database file and empties the WAL, whose older frames still held the erased rows.
        """
        erased = await self._db.transaction(lambda connection: erase_rows(connection, user_id))
        await self._db.checkpoint()
        return erased
