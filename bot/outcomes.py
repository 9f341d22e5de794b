"""What the peers' services answer: a reply for whoever acted, the notices already queued for others, and,
when the action was refused, why. The handler layer renders `reply` from the catalogue and sends it;
it never has to decide anything itself."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.notices import Notice, enqueue_in_outbox

Clock = Callable[[], datetime]


class Refusal(StrEnum):
    """Why an action was refused; `refusal.<value>` is the catalogue key of the answer."""

    NOT_FOUND = "not_found"  # no such offer, match or application, or a forged number: nothing is revealed
    NOT_YOURS = "not_yours"  # a non-peer pressing Accept, another peer's offer
    EXPIRED = "expired"  # a button pressed after its offer expired
    NO_LONGER_OPEN = "no_longer_open"  # the offer was withdrawn, or the request ended meanwhile
    ALREADY_ACCEPTED = "already_accepted"  # a double tap, a second device
    ALREADY_DECLINED = "already_declined"
    AT_CAPACITY = "at_capacity"
    SUSPENDED = "suspended"
    PAUSED = "paused"
    MINOR = "minor"  # a person under 18 is never connected one-to-one with an adult peer
    NOT_COORDINATOR = "not_coordinator"
    ALREADY_OFFERED = "already_offered"  # one open offer per request at a time
    ALREADY_MATCHED = "already_matched"
    NO_REQUEST = "no_request"
    PEER_UNAVAILABLE = "peer_unavailable"
    NOT_A_PEER = "not_a_peer"
    NO_OPEN_MATCH = "no_open_match"  # a relay message with no conversation open
    MATCH_ENDED = "match_ended"  # a message into a match that has ended
    CHOOSE_CONVERSATION = "choose_conversation"  # a peer with several conversations must pick one
    ALREADY_PEER = "already_peer"
    APPLICATION_PENDING = "application_pending"
    NO_APPLICATION = "no_application"
    INCOMPLETE = "incomplete"
    ALREADY_DECIDED = "already_decided"
    ALREADY_ENDED = "already_ended"


@dataclass(frozen=True)
class Result:
    """`reply` and `params` answer whoever acted; `notices` were queued for others in the same transaction."""

    reply: str
    params: Mapping[str, object] = field(default_factory=dict)
    notices: tuple[Notice, ...] = ()
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def refused(refusal: Refusal, **params: object) -> Result:
    return Result(f"refusal.{refusal.value}", params, (), refusal)


class Outbox(Protocol):
    """How services put notices in the outbox inside their own transaction, and take back ones no longer true."""

    def enqueue(self, connection: sqlite3.Connection, notices: Sequence[Notice], now: datetime) -> None: ...

    def retract(self, connection: sqlite3.Connection, dedup_keys: Sequence[str]) -> None: ...


class TableOutbox:
    """Today's outbox table (migrations/0001): rows written by dedup key, unsent rows deleted on retraction."""

    def enqueue(self, connection: sqlite3.Connection, notices: Sequence[Notice], now: datetime) -> None:
        enqueue_in_outbox(connection, notices, now)

    def retract(self, connection: sqlite3.Connection, dedup_keys: Sequence[str]) -> None:
        connection.executemany(
            "DELETE FROM outbox WHERE dedup_key = ? AND status = 'pending'", [(key,) for key in dedup_keys]
        )
