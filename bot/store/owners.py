"""Which conversation owns a person's messages: one row per person, cached write-through (see bot/router.py)."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from dataclasses import dataclass

from bot.clock import db_now
from bot.store.database import Database

OWNER_CACHE_SIZE = 20_000
Statement = tuple[str, tuple[object, ...]]


@dataclass(frozen=True)
class Claim:
    """A conversation's hold on a person's messages: its kind, and which one of that kind (a match id ...)."""

    kind: str
    ref: int | None = None


class OwnerRepository:
    """Every update with text asks who owns it, so the answer is cached: every change goes through here (or
    through a repository that writes the statements below in its own transaction and then calls `remember`),
    database first, then the cache. During a write the person's entry is left out, so a caller cancelled mid-write
    leaves nothing stale behind; the next read goes to the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._owners: OrderedDict[int, Claim | None] = OrderedDict()

    def remember(self, user_id: int, claim: Claim | None) -> None:
        self._owners[user_id] = claim
        self._owners.move_to_end(user_id)
        if len(self._owners) > OWNER_CACHE_SIZE:
            self._owners.popitem(last=False)

    def forget_cached(self, user_id: int | None = None) -> None:
        """One person's entry, or every entry when a bulk change touched rows of many."""
        if user_id is None:
            self._owners.clear()
        else:
            self._owners.pop(user_id, None)

    def cached(self, user_id: int) -> Claim | bool | None:
        """The cached owner, or False when the cache does not know."""
        return self._owners.get(user_id, False)

    async def owner(self, user_id: int) -> Claim | None:
        if user_id in self._owners:
            self._owners.move_to_end(user_id)
            return self._owners[user_id]
        row = await self._db.fetch_one("SELECT kind, ref FROM conversation_owners WHERE user_id = ?", (user_id,))
        claim = Claim(row["kind"], row["ref"]) if row else None
        self.remember(user_id, claim)
        return claim

    async def claim(self, user_id: int, claim: Claim) -> Claim | None:
        """Make `claim` the owner; returns the one it replaced."""

        def run(connection: sqlite3.Connection) -> Claim | None:
            row = connection.execute(
                "SELECT kind, ref FROM conversation_owners WHERE user_id = ?", (user_id,)
            ).fetchone()
            connection.execute(*claim_statement(user_id, claim))
            return Claim(row[0], row[1]) if row else None

        self.forget_cached(user_id)
        previous = await self._db.transaction(run)
        self.remember(user_id, claim)
        return previous

    async def release(self, user_id: int, kind: str, ref: int | None = None) -> bool:
        """Give up the person's messages, only if this conversation (of this ref, if given) still owns them."""
        self.forget_cached(user_id)
        cursor = await self._db.write(*release_statement(user_id, kind, ref))
        if cursor.rowcount:
            self.remember(user_id, None)
        return cursor.rowcount > 0


def claim_statement(user_id: int, claim: Claim) -> Statement:
    return (
        "INSERT INTO conversation_owners (user_id, kind, ref, claimed_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, ref = excluded.ref,"
        " claimed_at = excluded.claimed_at",
        (user_id, claim.kind, claim.ref, db_now()),
    )


def release_statement(user_id: int, kind: str, ref: int | None = None) -> Statement:
    if ref is None:
        return "DELETE FROM conversation_owners WHERE user_id = ? AND kind = ?", (user_id, kind)
    return "DELETE FROM conversation_owners WHERE user_id = ? AND kind = ? AND ref = ?", (user_id, kind, ref)
