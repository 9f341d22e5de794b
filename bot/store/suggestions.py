"""What Makker suggested to a person for a request, and what they chose."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from bot.clock import db_now
from bot.store.database import Database


@dataclass(frozen=True)
class StoredReason:
    key: str
    params: dict[str, str]


@dataclass(frozen=True)
class StoredSuggestion:
    id: int
    request_id: int
    user_id: int
    kind: str
    candidate: str
    position: int
    reasons: tuple[StoredReason, ...]
    chosen: bool


@dataclass(frozen=True)
class NewSuggestion:
    kind: str
    candidate: str
    score: float
    reasons: tuple[StoredReason, ...]


_CURRENT = "SELECT * FROM suggestions WHERE user_id = ? AND request_id = ? ORDER BY chosen_at IS NULL, position"


class SuggestionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace(
        self, request_id: int, user_id: int, suggestions: list[NewSuggestion], *, waiting: bool
    ) -> list[StoredSuggestion]:
        """The current suggestions of a request: earlier ones not chosen give way to the new ones. In the same
        transaction the request joins or leaves the waiting list (keeping the time it started waiting), so it
        never leaves the list without its new suggestions."""
        now = db_now()
        rows = [
            (
                request_id,
                user_id,
                suggestion.kind,
                suggestion.candidate,
                position,
                suggestion.score,
                json.dumps([[reason.key, reason.params] for reason in suggestion.reasons]),
                now,
            )
            for position, suggestion in enumerate(suggestions, start=1)
        ]

        def run(connection: sqlite3.Connection) -> list[sqlite3.Row]:
            connection.execute("DELETE FROM suggestions WHERE request_id = ? AND chosen_at IS NULL", (request_id,))
            connection.executemany(
                "INSERT INTO suggestions (request_id, user_id, kind, candidate, position, score, reasons,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            connection.execute(
                "UPDATE support_requests SET waiting_since = CASE WHEN ? THEN COALESCE(waiting_since, ?) END"
                " WHERE id = ?",
                (waiting, now, request_id),
            )
            return connection.execute(_CURRENT, (user_id, request_id)).fetchall()

        return [_suggestion(row) for row in await self._db.transaction(run)]

    async def current(self, user_id: int, request_id: int) -> list[StoredSuggestion]:
        rows = await self._db.fetch_all(_CURRENT, (user_id, request_id))
        return [_suggestion(row) for row in rows]

    async def get(self, suggestion_id: int, user_id: int) -> StoredSuggestion | None:
        """Only the person's own suggestion: a forged id of someone else's finds nothing."""
        row = await self._db.fetch_one(
            "SELECT * FROM suggestions WHERE id = ? AND user_id = ?", (suggestion_id, user_id)
        )
        return _suggestion(row) if row else None

    async def choose(self, suggestion_id: int, user_id: int) -> bool:
        """Record the choice once; True the first time."""
        cursor = await self._db.write(
            "UPDATE suggestions SET chosen_at = ? WHERE id = ? AND user_id = ? AND chosen_at IS NULL",
            (db_now(), suggestion_id, user_id),
        )
        return cursor.rowcount == 1


def _suggestion(row: sqlite3.Row) -> StoredSuggestion:
    reasons = tuple(StoredReason(key, params) for key, params in json.loads(row["reasons"]))
    return StoredSuggestion(
        row["id"],
        row["request_id"],
        row["user_id"],
        row["kind"],
        row["candidate"],
        row["position"],
        reasons,
        row["chosen_at"] is not None,
    )
