"""Notices: what a change of state in the peers' world must tell whom, decided by the services and sent by
the outbox.

A service returns its notices, and writes them with the `Enqueue` it was given inside the same transaction
as the change itself: either both are kept or neither. The default writes rows of the outbox with their
keyboard, priority and expiry; the dispatcher renders them in the recipient's language (bot/peer_texts.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.buttons import ContactButton, OfferButton, ReviewButton, SuspendButton, pack
from bot.store.outbox import Draft, insert_drafts
from bot.store.outbox import Priority as OutboxPriority


class Keyboard(StrEnum):
    """Buttons a notice carries; the handler layer renders them with the callback-data registry."""

    NONE = "none"
    OFFER = "offer"  # Accept / Decline for params["offer_id"]
    REMINDER = "reminder"  # the same buttons again, on the reminder
    APPLICATION = "application"  # Approve / Reject for coordinators, params["application_id"]
    REPORT = "report"  # Suspend the reported person, for coordinators, params["report_id"]
    CONTACT = "contact"  # Yes / No to exchanging contacts in params["match_id"]


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
    """Write the notices as rows of the outbox (bot/store/outbox.py), once each by their dedup_key: the keyboard as
    Bot API rows whose labels are catalogue keys (the dispatcher writes them in the recipient's language), the
    priority mapped onto the outbox's, and the time after which the notice is no longer true."""
    drafts = [
        Draft(
            chat_id=notice.chat_id,
            text_key=notice.key,
            params=dict(notice.params),
            keyboard=keyboard_rows(notice),
            priority=OUTBOX_PRIORITY[notice.priority],
            not_before=now,
            not_after=notice.not_after,
            dedup_key=notice.dedup_key,
        )
        for notice in notices
    ]
    insert_drafts(connection, drafts, now)


# A notice's urgency in the outbox: the other side of a conversation and news a person waits for go with the
# conversation; reminders and news about applications go as check-ins, never before a conversation.
OUTBOX_PRIORITY = {
    Priority.HIGH: OutboxPriority.CONVERSATION,
    Priority.NORMAL: OutboxPriority.CONVERSATION,
    Priority.LOW: OutboxPriority.CHECK_IN,
}


def keyboard_rows(notice: Notice) -> list[list[dict[str, Any]]] | None:
    """The notice's buttons as inline_keyboard rows; `text_key` is turned into `text` when the row is sent."""
    if notice.keyboard in (Keyboard.OFFER, Keyboard.REMINDER):
        offer_id = notice.params["offer_id"]
        assert isinstance(offer_id, int)
        return [
            [
                {"text_key": "peer_offer.accept", "callback_data": pack(OfferButton(offer_id, "acc"))},
                {"text_key": "peer_offer.decline", "callback_data": pack(OfferButton(offer_id, "dec"))},
            ]
        ]
    if notice.keyboard is Keyboard.APPLICATION:
        application_id = notice.params["application_id"]
        assert isinstance(application_id, int)
        return [[{"text_key": "peer_review.open", "callback_data": pack(ReviewButton(application_id, "open"))}]]
    if notice.keyboard is Keyboard.CONTACT:
        match_id = notice.params["match_id"]
        assert isinstance(match_id, int)
        return [
            [
                {"text_key": "contact.yes", "callback_data": pack(ContactButton(match_id, "yes"))},
                {"text_key": "contact.no", "callback_data": pack(ContactButton(match_id, "no"))},
            ]
        ]
    if notice.keyboard is Keyboard.REPORT:
        report_id = notice.params["report_id"]
        assert isinstance(report_id, int)
        return [[{"text_key": "report.flow.suspend_button", "callback_data": pack(SuspendButton(report_id))}]]
    return None
