"""A peer's edit of one profile answer in progress (migrations/0009): plain functions of a sqlite3 connection,
composed into transactions by bot/peer_profile.py."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from bot.clock import to_db
from bot.peer_application import Answers, Draft, Step


def get(connection: sqlite3.Connection, user_id: int) -> Draft | None:
    row = connection.execute("SELECT step, answers FROM peer_profile_edits WHERE user_id = ?", (user_id,)).fetchone()
    if row is None:
        return None
    return Draft(Step(row["step"]), Answers.from_json(json.loads(row["answers"])), editing=True)


def save(connection: sqlite3.Connection, user_id: int, draft: Draft, now: datetime) -> None:
    stamp = to_db(now)
    connection.execute(
        "INSERT INTO peer_profile_edits (user_id, step, answers, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET step = excluded.step, answers = excluded.answers,"
        " updated_at = excluded.updated_at",
        (user_id, draft.step.value, json.dumps(draft.answers.to_json(), ensure_ascii=False), stamp, stamp),
    )


def discard(connection: sqlite3.Connection, user_id: int) -> bool:
    return connection.execute("DELETE FROM peer_profile_edits WHERE user_id = ?", (user_id,)).rowcount == 1


def forget_stale(connection: sqlite3.Connection, idle_since: datetime) -> int:
    """An edit left unfinished is dropped after a while; the profile itself never changed."""
    return connection.execute("DELETE FROM peer_profile_edits WHERE updated_at < ?", (to_db(idle_since),)).rowcount
