"""People who talk to Makker, keyed by their numeric Telegram user id."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import db_now
from bot.store.database import Database


@dataclass(frozen=True)
class UserRecord:
    user_id: int
    language: str | None
    blocked_at: str | None


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self._db.fetch_one("SELECT user_id, language, blocked_at FROM users WHERE user_id = ?", (user_id,))
        return UserRecord(row["user_id"], row["language"], row["blocked_at"]) if row else None

    async def set_language(self, user_id: int, language: str) -> None:
        now = db_now()
        await self._db.write(
            "INSERT INTO users (user_id, language, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,"
            " updated_at = excluded.updated_at",
            (user_id, language, now, now),
        )

    async def mark_blocked(self, user_id: int) -> None:
        """Telegram said Forbidden: stop writing to this person until they write again."""
        now = db_now()
        await self._db.write(
            "INSERT INTO users (user_id, blocked_at, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET blocked_at = excluded.blocked_at, updated_at = excluded.updated_at",
            (user_id, now, now, now),
        )

    async def note_client_language(self, user_id: int, client_language: str | None) -> bool:
        """Remember the language of the person's Telegram client, so that the outbox writes to them in it when
        they never chose one. Kept only for people Makker keeps something for anyway (a consent, a peer
        profile or application, a users row), so writing to the bot once stores nothing. Returns whether it is
        stored."""
        now = db_now()
        written = await self._db.write(
            "INSERT INTO users (user_id, client_language, created_at, updated_at) SELECT ?1, ?2, ?3, ?3"
            " WHERE EXISTS (SELECT 1 FROM users WHERE user_id = ?1)"
            " OR EXISTS (SELECT 1 FROM consents WHERE user_id = ?1) OR EXISTS (SELECT 1 FROM peers WHERE user_id = ?1)"
            " OR EXISTS (SELECT 1 FROM peer_applications WHERE user_id = ?1)"
            " ON CONFLICT (user_id) DO UPDATE SET client_language = excluded.client_language,"
            " updated_at = excluded.updated_at",
            (user_id, client_language, now),
        )
        return written.rowcount == 1

    async def clear_blocked(self, user_id: int) -> None:
        await self._db.write(
            "UPDATE users SET blocked_at = NULL, updated_at = ? WHERE user_id = ? AND blocked_at IS NOT NULL",
            (db_now(), user_id),
        )
