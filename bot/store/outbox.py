"""Rows of the outbox: every message Makker starts, with what became of each (states in bot/outbox.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from bot.clock import db_now, from_db, to_db
from bot.store.database import Database

Keyboard = list[list[dict[str, Any]]]  # inline_keyboard rows as Bot API JSON


class Priority(IntEnum):
    """Lower goes first: a broadcast never delays an offer or a relayed message."""

    CONVERSATION = 0  # offers, relayed messages, notices a person waits for
    CHECK_IN = 1
    BROADCAST = 2


class Kind(StrEnum):
    TEXT = "text"  # a catalogue key with parameters, rendered in the recipient's language
    COPY = "copy"  # copyMessage of a person's message (relay)
    DOCUMENT = "document"  # sendDocument of a file id, with an optional catalogue caption
    PHOTO = "photo"  # sendPhoto likewise


class OnUnknown(StrEnum):
    """What a row found 'sending' after a crash becomes: Telegram may or may not have it."""

    RESEND = "resend"  # at least once: the effect is idempotent or a duplicate is better than nothing
    REPORT = "report"  # at most once: stays 'unknown' and is listed (a broadcast's coordinator sees it)


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    chat_id: int
    kind: str
    text_key: str | None
    params: dict[str, Any]
    keyboard: Keyboard | None
    from_chat_id: int | None
    source_message_id: int | None
    file_id: str | None
    priority: int
    on_unknown: str
    attempts: int  # including the one under way
    not_after: datetime | None
    language: str | None  # chosen with /language
    client_language: str | None  # the Telegram client's, as last seen
    blocked: bool


@dataclass(frozen=True)
class Draft:
    """One row to queue; enqueue and the other enqueue_* methods build these."""

    chat_id: int
    kind: Kind = Kind.TEXT
    text_key: str | None = None
    params: dict[str, Any] | None = None
    keyboard: Keyboard | None = None
    from_chat_id: int | None = None
    source_message_id: int | None = None
    file_id: str | None = None
    priority: Priority = Priority.CONVERSATION
    not_before: datetime | None = None
    not_after: datetime | None = None
    dedup_key: str | None = None
    group_id: str | None = None
    on_unknown: OnUnknown | None = None  # None: REPORT for broadcasts, RESEND otherwise

    def values(self, now: str) -> tuple[Any, ...]:
        on_unknown = self.on_unknown or (OnUnknown.REPORT if self.priority == Priority.BROADCAST else OnUnknown.RESEND)
        return (
            self.chat_id,
            str(self.kind),
            self.text_key,
            json.dumps(self.params or {}, ensure_ascii=False),
            json.dumps(self.keyboard, ensure_ascii=False) if self.keyboard else None,
            self.from_chat_id,
            self.source_message_id,
            self.file_id,
            int(self.priority),
            str(on_unknown),
            self.dedup_key,
            self.group_id,
            to_db(self.not_before) if self.not_before else now,
            to_db(self.not_after) if self.not_after else None,
            now,
        )


_INSERT = (
    "INSERT OR IGNORE INTO outbox (chat_id, kind, text_key, params, keyboard, from_chat_id, source_message_id,"
    " file_id, priority, on_unknown, dedup_key, group_id, not_before, not_after, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_drafts(connection: sqlite3.Connection, drafts: Iterable[Draft], now: datetime) -> int:
    """Queue rows inside a caller's own transaction (a service's change and its notices commit together)."""
    stamp = to_db(now)
    return connection.executemany(_INSERT, [draft.values(stamp) for draft in drafts]).rowcount


# The head of each chat's queue (lowest priority number, then oldest) among rows that are due or in
# flight. A chat whose head is in flight or waiting to retry sends nothing else meanwhile, so its order
# holds across retries, while other chats go on.
_CLAIM = """
WITH heads AS (
    SELECT id, status, retry_at,
           ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY priority, id) AS place
    FROM outbox
    WHERE status IN ('pending', 'sending') AND not_before <= :now
)
SELECT o.id, o.chat_id, o.kind, o.text_key, o.params, o.keyboard, o.from_chat_id, o.source_message_id, o.file_id,
       o.priority, o.on_unknown, o.attempts + 1 AS attempts, o.not_after, u.language, u.client_language, u.blocked_at
FROM heads h JOIN outbox o ON o.id = h.id
LEFT JOIN users u ON u.user_id = o.chat_id
WHERE h.place = 1 AND h.status = 'pending' AND (h.retry_at IS NULL OR h.retry_at <= :now)
ORDER BY o.priority, o.id
LIMIT :limit
"""


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
        not_after: datetime | None = None,
        priority: Priority = Priority.CONVERSATION,
        keyboard: Keyboard | None = None,
        group_id: str | None = None,
        on_unknown: OnUnknown | None = None,
    ) -> bool:
        """Queue a catalogue text; with a dedup_key, a second enqueue of the same key does nothing.
        Returns whether a row was added."""
        draft = Draft(
            chat_id,
            Kind.TEXT,
            text_key,
            params,
            keyboard,
            priority=priority,
            not_before=not_before,
            not_after=not_after,
            dedup_key=dedup_key,
            group_id=group_id,
            on_unknown=on_unknown,
        )
        return await self.add(draft)

    async def enqueue_copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        keyboard: Keyboard | None = None,
        priority: Priority = Priority.CONVERSATION,
        not_after: datetime | None = None,
        dedup_key: str | None = None,
        group_id: str | None = None,
    ) -> bool:
        """Queue a copy of a person's message (copyMessage): the relay between a person and a peer."""
        draft = Draft(
            chat_id,
            Kind.COPY,
            keyboard=keyboard,
            from_chat_id=from_chat_id,
            source_message_id=message_id,
            priority=priority,
            not_after=not_after,
            dedup_key=dedup_key,
            group_id=group_id,
        )
        return await self.add(draft)

    async def enqueue_file(
        self,
        chat_id: int,
        kind: Kind,
        file_id: str,
        caption_key: str | None = None,
        params: dict[str, Any] | None = None,
        **options: Any,
    ) -> bool:
        """Queue a document or photo by Telegram file id, with an optional catalogue caption;
        options are Draft's (priority, not_before, not_after, dedup_key, group_id, keyboard, on_unknown)."""
        if kind not in (Kind.DOCUMENT, Kind.PHOTO):
            raise ValueError(f"enqueue_file sends documents and photos, not {kind}")
        return await self.add(Draft(chat_id, kind, caption_key, params, file_id=file_id, **options))

    async def add(self, draft: Draft) -> bool:
        written = await self._db.write(_INSERT, draft.values(db_now()))
        return written.rowcount == 1

    async def add_many(self, drafts: Iterable[Draft]) -> int:
        """Queue many rows in one transaction (a broadcast); returns how many were added."""
        now = db_now()
        values = [draft.values(now) for draft in drafts]

        def run(connection: sqlite3.Connection) -> int:
            return connection.executemany(_INSERT, values).rowcount

        return await self._db.transaction(run)

    async def claim(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """The due head of up to `limit` chats' queues, marked 'sending' in the same transaction."""
        moment = to_db(now)

        def run(connection: sqlite3.Connection) -> list[sqlite3.Row]:
            rows = connection.execute(_CLAIM, {"now": moment, "limit": limit}).fetchall()
            connection.executemany(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                [(row["id"],) for row in rows],
            )
            return rows

        return [_message(row) for row in await self._db.transaction(run)]

    async def mark_sent(self, message_id: int, telegram_message_id: int | None) -> None:
        now = db_now()
        await self._db.write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, finished_at = ?, message_id = ?, last_error = NULL"
            " WHERE id = ?",
            (now, now, telegram_message_id, message_id),
        )

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        """Back to pending, first in its chat's queue still, not before `at`."""
        await self._db.write(
            "UPDATE outbox SET status = 'pending', retry_at = ?, last_error = ? WHERE id = ?",
            (to_db(at), error, message_id),
        )

    async def mark_final(self, message_id: int, status: str, error: str) -> None:
        """status is 'failed' (can never succeed) or 'expired' (not_after passed before it was sent)."""
        await self._db.write(
            "UPDATE outbox SET status = ?, last_error = ?, finished_at = ? WHERE id = ?",
            (status, error, db_now(), message_id),
        )

    async def end_for_blocked(self, chat_id: int) -> int:
        """The person blocked Makker: their rows still to send end as 'blocked'; returns how many."""
        written = await self._db.write(
            "UPDATE outbox SET status = 'blocked', last_error = 'forbidden', finished_at = ?"
            " WHERE chat_id = ? AND status IN ('pending', 'sending')",
            (db_now(), chat_id),
        )
        return written.rowcount

    async def recover_after_crash(self) -> tuple[int, int]:
        """At start-up, before any send: rows left 'sending' by a process that died may or may not be at
        Telegram. 'resend' rows go back to pending (at least once); 'report' rows become 'unknown' (at most
        once). Returns (resent, unknown)."""

        def run(connection: sqlite3.Connection) -> tuple[int, int]:
            resent = connection.execute(
                "UPDATE outbox SET status = 'pending', last_error = 'unknown_after_restart'"
                " WHERE status = 'sending' AND on_unknown = 'resend'"
            ).rowcount
            unknown = connection.execute(
                "UPDATE outbox SET status = 'unknown', last_error = 'unknown_after_restart', finished_at = ?"
                " WHERE status = 'sending'",
                (db_now(),),
            ).rowcount
            return resent, unknown

        return await self._db.transaction(run)

    async def prune(self, finished_before: datetime) -> int:
        """Forget rows that ended before the retention time; returns how many went."""
        written = await self._db.write(
            "DELETE FROM outbox WHERE finished_at IS NOT NULL AND finished_at < ?", (to_db(finished_before),)
        )
        return written.rowcount

    async def group_report(self, group_id: str) -> dict[str, list[int]]:
        """A broadcast's outcome for its coordinator: chat ids per status ('unknown' ones may lack it)."""
        rows = await self._db.fetch_all(
            "SELECT status, chat_id FROM outbox WHERE group_id = ? ORDER BY id", (group_id,)
        )
        report: dict[str, list[int]] = {}
        for row in rows:
            report.setdefault(row["status"], []).append(row["chat_id"])
        return report

    async def status_counts(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {row["status"]: row["n"] for row in rows}


def _message(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        kind=row["kind"],
        text_key=row["text_key"],
        params=json.loads(row["params"]),
        keyboard=json.loads(row["keyboard"]) if row["keyboard"] else None,
        from_chat_id=row["from_chat_id"],
        source_message_id=row["source_message_id"],
        file_id=row["file_id"],
        priority=row["priority"],
        on_unknown=row["on_unknown"],
        attempts=row["attempts"],
        not_after=from_db(row["not_after"]) if row["not_after"] else None,
        language=row["language"],
        client_language=row["client_language"],
        blocked=row["blocked_at"] is not None,
    )
