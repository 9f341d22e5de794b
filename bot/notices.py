"""Notices: what a change of state in the peers' world must tell whom, decided by the services and sent by
the outbox.

A service returns its notices, and writes them with the `Enqueue` it was given inside the same transaction
as the change itself: either both are kept or neither. The default writes rows into today's outbox table;
the handler layer may pass another writer (priorities, keyboards) with the same signature.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.clock import to_db


class Keyboard(StrEnum):
    """Buttons a notice carries; the handler layer renders them with the callback-data registry."""

    NONE = "none"
    OFFER = "offer"  # Accept / Decline for params["offer_id"]
    REMINDER = "reminder"  # the same buttons again, on the reminder
    APPLICATION = "application"  # Approve / Reject for coordinators, params["application_id"]
    REPORT = "report"  # Suspend the reported person, for coordinators, params["report_id"]


class Priority(StrEnum):
    """How urgent a notice is; the outbox sends higher first."""

    HIGH = "high"  # the other side of a live conversation, an accepted offer
    NORMAL = "normal"
    LOW = "low"  # reminders, news about applications


@dataclass(frozen=True)
class Notice:
    """One message to one chat: a catalogue key and its parameters, never rendered text.

    `dedup_key` makes the notice once-only, so a service or job that runs twice enqueues it once.
    Parameters are plain values or codes; codes (target groups, languages...) are turned into labels in the
    recipient's language when the message is rendered.
    """

    chat_id: int
    key: str
    dedup_key: str
    params: Mapping[str, object] = field(default_factory=dict)
    keyboard: Keyboard = Keyboard.NONE
    priority: Priority = Priority.NORMAL
    not_after: datetime | None = None  # a reminder is pointless once its offer has expired


Enqueue = Callable[[sqlite3.Connection, Sequence[Notice], datetime], None]


def enqueue_in_outbox(connection: sqlite3.Connection, notices: Sequence[Notice], now: datetime) -> None:
    """Write the notices as rows of today's outbox (bot/store/outbox.py), once each by their dedup_key."""
    stamp = to_db(now)
    connection.executemany(
        "INSERT OR IGNORE INTO outbox (chat_id, dedup_key, text_key, params, not_before, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                notice.chat_id,
                notice.dedup_key,
                notice.key,
                json.dumps({**notice.params, "keyboard": notice.keyboard.value}, ensure_ascii=False),
                stamp,
                stamp,
            )
            for notice in notices
        ],
    )
