"""Rows of the outbox: messages Makker sends on its own initiative, with what became of each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import db_now, to_db
from bot.store.database import Database


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    chat_id: int
    text_key: str
    params: dict[str, Any]
    attempts: int


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(
        self,
        chat_id: int,
        text_key: str,
        params: dict[str, Any] | None = None,
        *,
        not_before: datetime | None = None,
        dedup_key: str | None = None,
    ) -> bool:
        """Queue a message; with a dedup_key, a second enqueue of the same key does nothing."""
        now = db_now()
        cursor = await self._db.write(
            "INSERT OR IGNORE INTO outbox (chat_id, dedup_key, text_key, params, not_before, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                chat_id,
                dedup_key,
                text_key,
                json.dumps(params or {}, ensure_ascii=False),
                to_db(not_before) if not_before else now,
                now,
            ),
        )
        return cursor.rowcount == 1

    async def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        rows = await self._db.fetch_all(
            "SELECT id, chat_id, text_key, params, attempts FROM outbox"
            " WHERE status = 'pending' AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            (to_db(now), limit),
        )
        return [
            OutboxMessage(row["id"], row["chat_id"], row["text_key"], json.loads(row["params"]), row["attempts"])
            for row in rows
        ]

    async def start_attempt(self, message_id: int, lease_until: datetime) -> None:
        """Count the attempt and hide the row until lease_until, so a crash mid-send retries it later."""
        await self._db.write(
            "UPDATE outbox SET attempts = attempts + 1, not_before = ? WHERE id = ?",
            (to_db(lease_until), message_id),
        )

    async def mark_sent(self, message_id: int, telegram_message_id: int) -> None:
        await self._db.write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, last_error = NULL WHERE id = ?",
            (db_now(), telegram_message_id, message_id),
        )

    async def postpone(self, message_id: int, until: datetime, error: str) -> None:
        await self._db.write(
            "UPDATE outbox SET not_before = ?, last_error = ? WHERE id = ?", (to_db(until), error, message_id)
        )

    async def mark_final(self, message_id: int, status: str, error: str) -> None:
        """status is 'failed' (Telegram refused it for good) or 'blocked' (the person blocked Makker)."""
        await self._db.write("UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", (status, error, message_id))

    async def status_counts(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
