"""Peer applications: a draft saved step by step, then pending until a coordinator approves or rejects it.

Plain functions of a sqlite3 connection, composed into transactions by bot/peers.py.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_db
from bot.peer_application import Answers, Draft, Step


@dataclass(frozen=True)
class ApplicationRecord:
    id: int
    user_id: int
    status: str
    draft: Draft
    consent_version: str
    submitted_at: str | None
    decided_at: str | None
    reject_reason: str | None

    @property
    def answers(self) -> Answers:
        return self.draft.answers


def _record(row: sqlite3.Row) -> ApplicationRecord:
    draft = Draft(Step(row["step"]), Answers.from_json(json.loads(row["answers"])), bool(row["editing"]))
    return ApplicationRecord(
        row["id"],
        row["user_id"],
        row["status"],
        draft,
        row["consent_version"],
        row["submitted_at"],
        row["decided_at"],
        row["reject_reason"],
    )


def live(connection: sqlite3.Connection, user_id: int) -> ApplicationRecord | None:
    """The applicant's draft or pending application (at most one, by a unique index)."""
    row = connection.execute(
        "SELECT * FROM peer_applications WHERE user_id = ? AND status IN ('draft', 'pending')", (user_id,)
    ).fetchone()
    return _record(row) if row else None


def get(connection: sqlite3.Connection, application_id: int) -> ApplicationRecord | None:
    row = connection.execute("SELECT * FROM peer_applications WHERE id = ?", (application_id,)).fetchone()
    return _record(row) if row else None


def latest(connection: sqlite3.Connection, user_id: int) -> ApplicationRecord | None:
    row = connection.execute(
        "SELECT * FROM peer_applications WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,)
    ).fetchone()
    return _record(row) if row else None


def start(
    connection: sqlite3.Connection, user_id: int, draft: Draft, consent_version: str, now: datetime
) -> ApplicationRecord:
    """Consent and the first draft in one row: no answer is stored without the consent beside it."""
    stamp = to_db(now)
    row = connection.execute(
        "INSERT INTO peer_applications (user_id, status, step, answers, editing, consent_version, consented_at,"
        " created_at, updated_at) VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (user_id, draft.step.value, _answers(draft), int(draft.editing), consent_version, stamp, stamp, stamp),
    ).fetchone()
    return _record(row)


def save_draft(connection: sqlite3.Connection, user_id: int, draft: Draft, now: datetime) -> bool:
    cursor = connection.execute(
        "UPDATE peer_applications SET step = ?, answers = ?, editing = ?, updated_at = ?"
        " WHERE user_id = ? AND status = 'draft'",
        (draft.step.value, _answers(draft), int(draft.editing), to_db(now), user_id),
    )
    return cursor.rowcount == 1


def discard_draft(connection: sqlite3.Connection, user_id: int) -> bool:
    return (
        connection.execute("DELETE FROM peer_applications WHERE user_id = ? AND status = 'draft'", (user_id,)).rowcount
        == 1
    )


def submit(connection: sqlite3.Connection, application_id: int, now: datetime) -> bool:
    cursor = connection.execute(
        "UPDATE peer_applications SET status = 'pending', submitted_at = ?, updated_at = ?"
        " WHERE id = ? AND status = 'draft'",
        (to_db(now), to_db(now), application_id),
    )
    return cursor.rowcount == 1


def pending(connection: sqlite3.Connection, limit: int) -> list[ApplicationRecord]:
    rows = connection.execute(
        "SELECT * FROM peer_applications WHERE status = 'pending' ORDER BY submitted_at, id LIMIT ?", (limit,)
    )
    return [_record(row) for row in rows]


def decide(connection: sqlite3.Connection, application_id: int, status: str, reason: str | None, now: datetime) -> bool:
    """Approve or reject once; False when another coordinator (or a double tap) decided first."""
    cursor = connection.execute(
        "UPDATE peer_applications SET status = ?, reject_reason = ?, decided_at = ?, updated_at = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, reason, to_db(now), to_db(now), application_id),
    )
    return cursor.rowcount == 1


def forget_stale_drafts(connection: sqlite3.Connection, idle_since: datetime) -> int:
    return connection.execute(
        "DELETE FROM peer_applications WHERE status = 'draft' AND updated_at < ?", (to_db(idle_since),)
    ).rowcount


def _answers(draft: Draft) -> str:
    return json.dumps(draft.answers.to_json(), ensure_ascii=False)


def forget_decided(connection: sqlite3.Connection, decided_before: datetime) -> int:
    """Rejected and withdrawn applications are kept a year after the decision (as the consent says), then go.
    An approved application stays while its peer does; /delete removes it with them."""
    return connection.execute(
        "DELETE FROM peer_applications WHERE status IN ('rejected', 'withdrawn') AND decided_at < ?",
        (to_db(decided_before),),
    ).rowcount
