"""Consent, intake drafts and confirmed support requests."""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from bot.clock import db_now, to_db
from bot.intake import Answers, Draft, Step
from bot.router import Kind
from bot.store.database import Database
from bot.store.owners import Claim, OwnerRepository, claim_statement, release_statement


@dataclass(frozen=True)
class SupportRequest:
    id: int
    user_id: int
    status: str
    answers: Answers
    created_at: str
    waiting: bool = False


_NO_DRAFT = None
DRAFT_CACHE_SIZE = 20_000
INTAKE = Claim(Kind.INTAKE)


class IntakeRepository:
    """Drafts are read on every answer, so they are cached write-through: every change of a draft
    goes through this repository (or Store.erase_person), which writes the database first and then
    the cache. While a write is under way the person's entry is left out, so a caller cancelled
    mid-write leaves no stale draft behind. A restart starts with an empty cache and reads from the database.

    An intake under way owns the person's typed messages (bot/router.py): the claim is written in the
    transaction that writes the draft, and released in the one that ends it."""

    def __init__(self, db: Database, owners: OwnerRepository) -> None:
        self._db = db
        self._owners = owners
        self._drafts: OrderedDict[int, Draft | None] = OrderedDict()

    def _cache(self, user_id: int, draft: Draft | None) -> None:
        self._drafts[user_id] = draft
        self._drafts.move_to_end(user_id)
        if len(self._drafts) > DRAFT_CACHE_SIZE:
            self._drafts.popitem(last=False)

    def cached_draft(self, user_id: int) -> Draft | None:
        """The draft if memory holds it, without a database read (crisis first aid must never wait)."""
        return self._drafts.get(user_id)

    def forget_cached(self, user_id: int) -> None:
        self._drafts.pop(user_id, None)

    async def consent_id(self, user_id: int) -> int | None:
        row = await self._db.fetch_one("SELECT id FROM consents WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,))
        return row["id"] if row else None

    async def give_consent(self, user_id: int, text_version: str, first: Draft) -> bool:
        """Consent and the first draft in one transaction: no draft without consent. False, with nothing written,
        when the person has consented already (an old consent question, or the same one pressed twice)."""
        now = db_now()

        def run(connection: sqlite3.Connection) -> bool:
            if connection.execute("SELECT 1 FROM consents WHERE user_id = ?", (user_id,)).fetchone():
                return False
            connection.execute(
                "INSERT INTO consents (user_id, text_version, given_at) VALUES (?, ?, ?)",
                (user_id, text_version, now),
            )
            connection.execute(*_upsert_draft(user_id, first, now))
            connection.execute(*claim_statement(user_id, INTAKE))
            return True

        self.forget_cached(user_id)
        self._owners.forget_cached(user_id)
        given = await self._db.transaction(run)
        if given:
            self._cache(user_id, first)
            self._owners.remember(user_id, INTAKE)
        return given

    async def draft(self, user_id: int) -> Draft | None:
        if user_id in self._drafts:
            return self._drafts[user_id]
        row = await self._db.fetch_one("SELECT step, answers, editing FROM intake_drafts WHERE user_id = ?", (user_id,))
        draft = None
        if row is not None:
            draft = Draft(Step(row["step"]), Answers.from_json(json.loads(row["answers"])), bool(row["editing"]))
        self._cache(user_id, draft)
        return draft

    async def save_draft(self, user_id: int, draft: Draft) -> None:
        """The draft, and the intake's claim on the person's messages unless it is known to hold it already
        (another conversation may have claimed them since the last question)."""
        self.forget_cached(user_id)
        upsert = _upsert_draft(user_id, draft, db_now())
        if self._owners.cached(user_id) == INTAKE:
            await self._db.write(*upsert)
        else:

            def run(connection: sqlite3.Connection) -> None:
                connection.execute(*upsert)
                connection.execute(*claim_statement(user_id, INTAKE))

            self._owners.forget_cached(user_id)
            await self._db.transaction(run)
            self._owners.remember(user_id, INTAKE)
        self._cache(user_id, draft)

    async def discard_draft(self, user_id: int) -> bool:
        def run(connection: sqlite3.Connection) -> int:
            connection.execute(*release_statement(user_id, Kind.INTAKE))
            return connection.execute("DELETE FROM intake_drafts WHERE user_id = ?", (user_id,)).rowcount

        self.forget_cached(user_id)
        self._owners.forget_cached(user_id)
        discarded = await self._db.transaction(run)
        self._cache(user_id, _NO_DRAFT)
        return discarded > 0

    async def confirm(self, user_id: int, answers: Answers) -> SupportRequest:
        """Save the request as open, retire an earlier open one, and drop the draft, atomically."""
        now = db_now()

        def run(connection: sqlite3.Connection) -> int:
            consent = connection.execute(
                "SELECT id FROM consents WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,)
            ).fetchone()
            if consent is None:
                raise PermissionError("no consent on record")
            connection.execute(
                "UPDATE support_requests SET status = 'replaced', updated_at = ? WHERE user_id = ? AND status = 'open'",
                (now, user_id),
            )
            cursor = connection.execute(
                "INSERT INTO support_requests (user_id, for_whom, target_groups, age_band, municipality_code,"
                " online_only, support_forms, languages, gender_preference, contact_modes, free_text, consent_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    answers.for_whom,
                    json.dumps(answers.target_groups),
                    answers.age_band,
                    answers.municipality_code,
                    int(answers.online_only),
                    json.dumps(answers.support_forms),
                    json.dumps(answers.languages),
                    answers.gender_preference,
                    json.dumps(answers.contact_modes),
                    answers.free_text,
                    consent["id"],
                    now,
                    now,
                ),
            )
            connection.execute("DELETE FROM intake_drafts WHERE user_id = ?", (user_id,))
            connection.execute(*release_statement(user_id, Kind.INTAKE))
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        self.forget_cached(user_id)
        self._owners.forget_cached(user_id)
        request_id = await self._db.transaction(run)
        self._cache(user_id, _NO_DRAFT)
        return SupportRequest(request_id, user_id, "open", answers, now)

    async def open_request(self, user_id: int) -> SupportRequest | None:
        row = await self._db.fetch_one(
            "SELECT * FROM support_requests WHERE user_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return _request(row) if row else None

    async def waiting(self, limit: int) -> list[SupportRequest]:
        """Open requests on the waiting list, longest waiting first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM support_requests WHERE waiting_since IS NOT NULL AND status = 'open'"
            " ORDER BY waiting_since, id LIMIT ?",
            (limit,),
        )
        return [_request(row) for row in rows]

    async def forget_stale_drafts(self, idle_since: datetime) -> int:
        """Unfinished intakes are kept 30 days (as the consent text says), then deleted."""

        def run(connection: sqlite3.Connection) -> int:
            forgotten = connection.execute(
                "DELETE FROM intake_drafts WHERE updated_at < ?", (to_db(idle_since),)
            ).rowcount
            if forgotten:
                connection.execute(
                    "DELETE FROM conversation_owners WHERE kind = ?"
                    " AND user_id NOT IN (SELECT user_id FROM intake_drafts)",
                    (Kind.INTAKE.value,),
                )
            return forgotten

        forgotten = await self._db.transaction(run)
        if forgotten:
            self._drafts.clear()
            self._owners.forget_cached()
        return forgotten

    async def forget_closed_requests(self, closed_before: datetime) -> int:
        cursor = await self._db.write(
            "DELETE FROM support_requests WHERE status != 'open' AND updated_at < ?", (to_db(closed_before),)
        )
        return cursor.rowcount


def _upsert_draft(user_id: int, draft: Draft, now: str) -> tuple[str, tuple[object, ...]]:
    return (
        "INSERT INTO intake_drafts (user_id, step, answers, editing, started_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET step = excluded.step,"
        " answers = excluded.answers, editing = excluded.editing, updated_at = excluded.updated_at",
        (
            user_id,
            draft.step.value,
            json.dumps(draft.answers.to_json(), ensure_ascii=False),
            int(draft.editing),
            now,
            now,
        ),
    )


def _request(row: object) -> SupportRequest:
    get = row.__getitem__  # type: ignore[attr-defined]
    answers = Answers(
        for_whom=get("for_whom"),
        target_groups=tuple(json.loads(get("target_groups"))),
        age_band=get("age_band"),
        municipality_code=get("municipality_code"),
        online_only=bool(get("online_only")),
        support_forms=tuple(json.loads(get("support_forms"))),
        languages=tuple(json.loads(get("languages"))),
        gender_preference=get("gender_preference"),
        contact_modes=tuple(json.loads(get("contact_modes"))),
        free_text=get("free_text"),
    )
    return SupportRequest(
        get("id"), get("user_id"), get("status"), answers, get("created_at"), get("waiting_since") is not None
    )


def request_from_row(row: object) -> SupportRequest:
    """A support request from its row, for services that read it inside their own transaction."""
    return _request(row)
