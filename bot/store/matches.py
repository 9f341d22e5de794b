"""Offers, matches, the relay's message map, reports, never-again pairs and suspensions.

Plain functions of a sqlite3 connection, so that a service composes several of them (and the outbox rows
they cause) into one transaction through Database.transaction. Times are passed in, never read here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_db

OPEN = "open"


@dataclass(frozen=True)
class OfferRecord:
    id: int
    request_id: int
    user_id: int
    peer_id: int
    peer_user_id: int
    state: str
    created_at: str
    expires_at: str
    reminder_at: str
    reminded_at: str | None
    decided_at: str | None
    decline_reason: str | None


@dataclass(frozen=True)
class MatchRecord:
    id: int
    offer_id: int
    request_id: int
    user_id: int
    peer_id: int
    peer_user_id: int
    number: int
    state: str
    opened_at: str
    person_shares_contact: bool
    peer_shares_contact: bool
    ended_at: str | None
    ended_by: str | None
    end_reason: str | None
    person_contact: str | None = None  # what each side chose to give the other in the contact exchange
    peer_contact: str | None = None

    def contact_of(self, role: str) -> str | None:
        return self.person_contact if role == "person" else self.peer_contact

    def agreed(self, role: str) -> bool:
        """Whether this side has said yes to exchanging contacts."""
        return self.person_shares_contact if role == "person" else self.peer_shares_contact

    def role_of(self, user_id: int) -> str | None:
        """'person' or 'peer' for the two sides (the person's side first), None for anyone else."""
        if user_id == self.user_id:
            return "person"
        if user_id == self.peer_user_id:
            return "peer"
        return None

    def other_side(self, user_id: int) -> int:
        return self.peer_user_id if user_id == self.user_id else self.user_id


@dataclass(frozen=True)
class PeerState:
    """What the services check before an offer or an acceptance."""

    id: int
    user_id: int
    display_name: str
    status: str
    capacity: int
    open_matches: int
    paused_until: str | None
    suspended: bool

    @property
    def available(self) -> bool:
        return self.status == "approved" and not self.suspended and self.open_matches < self.capacity


@dataclass(frozen=True)
class RelayedMessage:
    match_id: int
    from_chat: int
    from_message: int
    to_chat: int
    to_message: int


def _offer(row: sqlite3.Row) -> OfferRecord:
    return OfferRecord(**{name: row[name] for name in OfferRecord.__dataclass_fields__})


def _match(row: sqlite3.Row) -> MatchRecord:
    values = {name: row[name] for name in MatchRecord.__dataclass_fields__}
    values["person_shares_contact"] = bool(values["person_shares_contact"])
    values["peer_shares_contact"] = bool(values["peer_shares_contact"])
    return MatchRecord(**values)


# Offers ---------------------------------------------------------------------------------------------------------


def offer(connection: sqlite3.Connection, offer_id: int) -> OfferRecord | None:
    row = connection.execute("SELECT * FROM offers WHERE id = ?", (offer_id,)).fetchone()
    return _offer(row) if row else None


def open_offer_for_request(connection: sqlite3.Connection, request_id: int) -> OfferRecord | None:
    row = connection.execute("SELECT * FROM offers WHERE request_id = ? AND state = 'open'", (request_id,)).fetchone()
    return _offer(row) if row else None


def offers_of(
    connection: sqlite3.Connection, user_id: int, *, as_peer: bool, state: str | None = None
) -> list[OfferRecord]:
    column = "peer_user_id" if as_peer else "user_id"
    sql = f"SELECT * FROM offers WHERE {column} = ?"
    params: tuple[object, ...] = (user_id,)
    if state is not None:
        sql += " AND state = ?"
        params = (user_id, state)
    return [_offer(row) for row in connection.execute(sql + " ORDER BY id", params)]


def insert_offer(
    connection: sqlite3.Connection,
    request_id: int,
    user_id: int,
    peer: PeerState,
    now: datetime,
    expires_at: datetime,
    reminder_at: datetime,
) -> OfferRecord:
    row = connection.execute(
        "INSERT INTO offers (request_id, user_id, peer_id, peer_user_id, state, created_at, expires_at, reminder_at)"
        " VALUES (?, ?, ?, ?, 'open', ?, ?, ?) RETURNING *",
        (request_id, user_id, peer.id, peer.user_id, to_db(now), to_db(expires_at), to_db(reminder_at)),
    ).fetchone()
    return _offer(row)


def close_offer(
    connection: sqlite3.Connection, offer_id: int, state: str, now: datetime, decline_reason: str | None = None
) -> bool:
    """Move an open offer to its end state; False when it was no longer open (a double tap, a second device)."""
    cursor = connection.execute(
        "UPDATE offers SET state = ?, decided_at = ?, decline_reason = ? WHERE id = ? AND state = 'open'",
        (state, to_db(now), decline_reason, offer_id),
    )
    return cursor.rowcount == 1


def mark_reminded(connection: sqlite3.Connection, offer_id: int, now: datetime) -> bool:
    """Claim an offer's one reminder; True only for the first claim while the offer is open and unexpired."""
    cursor = connection.execute(
        "UPDATE offers SET reminded_at = ? WHERE id = ? AND state = 'open' AND reminded_at IS NULL AND expires_at > ?",
        (to_db(now), offer_id, to_db(now)),
    )
    return cursor.rowcount == 1


def due_reminders(connection: sqlite3.Connection, now: datetime, limit: int) -> list[OfferRecord]:
    rows = connection.execute(
        "SELECT * FROM offers WHERE state = 'open' AND reminded_at IS NULL AND reminder_at <= ? AND expires_at > ?"
        " ORDER BY reminder_at, id LIMIT ?",
        (to_db(now), to_db(now), limit),
    )
    return [_offer(row) for row in rows]


def due_expiries(connection: sqlite3.Connection, now: datetime, limit: int) -> list[OfferRecord]:
    rows = connection.execute(
        "SELECT * FROM offers WHERE state = 'open' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?",
        (to_db(now), limit),
    )
    return [_offer(row) for row in rows]


# Requests waiting for their next offer ----------------------------------------------------------------------------


def mark_next_offer_due(connection: sqlite3.Connection, request_id: int, now: datetime) -> None:
    connection.execute(
        "UPDATE support_requests SET next_offer_due = COALESCE(next_offer_due, ?) WHERE id = ? AND status = 'open'",
        (to_db(now), request_id),
    )


def clear_next_offer_due(connection: sqlite3.Connection, request_id: int) -> bool:
    cursor = connection.execute(
        "UPDATE support_requests SET next_offer_due = NULL WHERE id = ? AND next_offer_due IS NOT NULL", (request_id,)
    )
    return cursor.rowcount == 1


def due_next_offers(connection: sqlite3.Connection, now: datetime, limit: int) -> list[int]:
    rows = connection.execute(
        "SELECT id FROM support_requests WHERE next_offer_due IS NOT NULL AND next_offer_due <= ?"
        " ORDER BY next_offer_due, id LIMIT ?",
        (to_db(now), limit),
    )
    return [row["id"] for row in rows]


def set_waiting(connection: sqlite3.Connection, request_id: int, waiting: bool, now: datetime) -> None:
    connection.execute(
        "UPDATE support_requests SET waiting_since = CASE WHEN ? THEN COALESCE(waiting_since, ?) END,"
        " updated_at = ? WHERE id = ? AND status = 'open'",
        (waiting, to_db(now), to_db(now), request_id),
    )


def request_row(connection: sqlite3.Connection, request_id: int) -> sqlite3.Row | None:
    return connection.execute("SELECT * FROM support_requests WHERE id = ?", (request_id,)).fetchone()


def close_request(connection: sqlite3.Connection, request_id: int, now: datetime) -> None:
    connection.execute(
        "UPDATE support_requests SET status = 'closed', waiting_since = NULL, next_offer_due = NULL, updated_at = ?"
        " WHERE id = ? AND status = 'open'",
        (to_db(now), request_id),
    )


# Peers ------------------------------------------------------------------------------------------------------------


def peer_state(
    connection: sqlite3.Connection, *, peer_id: int | None = None, user_id: int | None = None
) -> PeerState | None:
    column, value = ("id", peer_id) if peer_id is not None else ("user_id", user_id)
    row = connection.execute(
        "SELECT p.id, p.user_id, p.display_name, p.status, p.capacity, p.paused_until,"
        " (SELECT COUNT(*) FROM matches m WHERE m.peer_id = p.id AND m.state = 'open') AS open_matches,"
        " EXISTS (SELECT 1 FROM suspensions s WHERE s.user_id = p.user_id) AS suspended"
        f" FROM peers p WHERE p.{column} = ?",
        (value,),
    ).fetchone()
    if row is None:
        return None
    return PeerState(
        row["id"],
        row["user_id"],
        row["display_name"],
        row["status"],
        row["capacity"],
        row["open_matches"],
        row["paused_until"],
        bool(row["suspended"]),
    )


def sync_active_matches(connection: sqlite3.Connection, peer_id: int, now: datetime) -> None:
    """peers.active_matches follows the open matches; the caller reindexes the peer afterwards."""
    connection.execute(
        "UPDATE peers SET active_matches = (SELECT COUNT(*) FROM matches WHERE peer_id = ? AND state = 'open'),"
        " updated_at = ? WHERE id = ?",
        (peer_id, to_db(now), peer_id),
    )


def set_peer_status(
    connection: sqlite3.Connection, peer_id: int, status: str, now: datetime, paused_until: datetime | None = None
) -> None:
    connection.execute(
        "UPDATE peers SET status = ?, paused_until = ?, updated_at = ? WHERE id = ?",
        (status, to_db(paused_until) if paused_until else None, to_db(now), peer_id),
    )


def due_resumes(connection: sqlite3.Connection, now: datetime, limit: int) -> list[int]:
    """Peers whose pause has run out, and who are not suspended."""
    rows = connection.execute(
        "SELECT id FROM peers WHERE status = 'paused' AND paused_until IS NOT NULL AND paused_until <= ?"
        " AND user_id NOT IN (SELECT user_id FROM suspensions) ORDER BY paused_until, id LIMIT ?",
        (to_db(now), limit),
    )
    return [row["id"] for row in rows]


# Never-again pairs and suspensions --------------------------------------------------------------------------------


def add_never_pair(connection: sqlite3.Connection, person: int, peer: int, reason: str, now: datetime) -> None:
    """Never offer these two to each other again; the first reason is kept."""
    connection.execute(
        "INSERT OR IGNORE INTO never_pairs (person_user_id, peer_user_id, reason, created_at) VALUES (?, ?, ?, ?)",
        (person, peer, reason, to_db(now)),
    )


def never_paired(connection: sqlite3.Connection, a: int, b: int) -> bool:
    """In either direction: someone who knows a person is not offered to them in any role."""
    row = connection.execute(
        "SELECT 1 FROM never_pairs WHERE (person_user_id = ? AND peer_user_id = ?)"
        " OR (person_user_id = ? AND peer_user_id = ?)",
        (a, b, b, a),
    ).fetchone()
    return row is not None


def is_suspended(connection: sqlite3.Connection, user_id: int) -> bool:
    return connection.execute("SELECT 1 FROM suspensions WHERE user_id = ?", (user_id,)).fetchone() is not None


def suspend(connection: sqlite3.Connection, user_id: int, reason: str, now: datetime) -> bool:
    cursor = connection.execute(
        "INSERT OR IGNORE INTO suspensions (user_id, reason, created_at) VALUES (?, ?, ?)",
        (user_id, reason, to_db(now)),
    )
    return cursor.rowcount == 1


def lift_suspension(connection: sqlite3.Connection, user_id: int) -> bool:
    return connection.execute("DELETE FROM suspensions WHERE user_id = ?", (user_id,)).rowcount == 1


# Matches ----------------------------------------------------------------------------------------------------------


def match(connection: sqlite3.Connection, match_id: int) -> MatchRecord | None:
    row = connection.execute("SELECT * FROM matches WHERE id = ?", (match_id,)).fetchone()
    return _match(row) if row else None


def match_of_offer(connection: sqlite3.Connection, offer_id: int) -> MatchRecord | None:
    row = connection.execute("SELECT * FROM matches WHERE offer_id = ?", (offer_id,)).fetchone()
    return _match(row) if row else None


def matches_of(connection: sqlite3.Connection, user_id: int, *, state: str | None = None) -> list[MatchRecord]:
    """Every match the user is a side of, in either role, oldest first."""
    sql = "SELECT * FROM matches WHERE (user_id = ? OR peer_user_id = ?)"
    params: tuple[object, ...] = (user_id, user_id)
    if state is not None:
        sql += " AND state = ?"
        params = (*params, state)
    return [_match(row) for row in connection.execute(sql + " ORDER BY id", params)]


def open_match_for_request(connection: sqlite3.Connection, request_id: int) -> MatchRecord | None:
    row = connection.execute("SELECT * FROM matches WHERE request_id = ? AND state = 'open'", (request_id,)).fetchone()
    return _match(row) if row else None


def insert_match(connection: sqlite3.Connection, offer: OfferRecord, now: datetime) -> MatchRecord:
    """The next conversation number of this peer; numbers are never reused, so an old one cannot point anew."""
    row = connection.execute(
        "INSERT INTO matches (offer_id, request_id, user_id, peer_id, peer_user_id, number, state, opened_at)"
        " VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM matches WHERE peer_id = ?), 'open', ?)"
        " RETURNING *",
        (offer.id, offer.request_id, offer.user_id, offer.peer_id, offer.peer_user_id, offer.peer_id, to_db(now)),
    ).fetchone()
    return _match(row)


def end_match(connection: sqlite3.Connection, match_id: int, ended_by: str, reason: str | None, now: datetime) -> bool:
    cursor = connection.execute(
        "UPDATE matches SET state = 'ended', ended_at = ?, ended_by = ?, end_reason = ?"
        " WHERE id = ? AND state = 'open'",
        (to_db(now), ended_by, reason, match_id),
    )
    return cursor.rowcount == 1


def share_contact(connection: sqlite3.Connection, match_id: int, role: str, contact: str) -> bool:
    """This side agrees to exchange contacts and gives `contact`; False when the match is no longer open."""
    side = "person" if role == "person" else "peer"
    cursor = connection.execute(
        f"UPDATE matches SET {side}_shares_contact = 1, {side}_contact = ? WHERE id = ? AND state = 'open'",
        (contact, match_id),
    )
    return cursor.rowcount == 1


def withdraw_contacts(connection: sqlite3.Connection, match_id: int) -> None:
    """A no to the exchange: both sides' agreements and contacts are forgotten, so nothing is shared later."""
    connection.execute(
        "UPDATE matches SET person_shares_contact = 0, peer_shares_contact = 0, person_contact = NULL,"
        " peer_contact = NULL WHERE id = ? AND state = 'open'",
        (match_id,),
    )


# The relay's message map ------------------------------------------------------------------------------------------


def record_relayed(connection: sqlite3.Connection, message: RelayedMessage, now: datetime) -> None:
    connection.execute(
        "INSERT OR IGNORE INTO relay_messages (from_chat, from_message, match_id, to_chat, to_message, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (message.from_chat, message.from_message, message.match_id, message.to_chat, message.to_message, to_db(now)),
    )


def relayed_from(connection: sqlite3.Connection, chat_id: int, message_id: int) -> RelayedMessage | None:
    """Where a message this chat sent was copied to."""
    row = connection.execute(
        "SELECT * FROM relay_messages WHERE from_chat = ? AND from_message = ?", (chat_id, message_id)
    ).fetchone()
    return _relayed(row) if row else None


def relayed_to(connection: sqlite3.Connection, chat_id: int, message_id: int) -> RelayedMessage | None:
    """Which message a copy this chat received came from."""
    row = connection.execute(
        "SELECT * FROM relay_messages WHERE to_chat = ? AND to_message = ?", (chat_id, message_id)
    ).fetchone()
    return _relayed(row) if row else None


def _relayed(row: sqlite3.Row) -> RelayedMessage:
    return RelayedMessage(row["match_id"], row["from_chat"], row["from_message"], row["to_chat"], row["to_message"])


# Reports ----------------------------------------------------------------------------------------------------------


def insert_report(
    connection: sqlite3.Connection, match_id: int, reporter: int, reported: int, text: str, blocked: bool, now: datetime
) -> int:
    cursor = connection.execute(
        "INSERT INTO reports (match_id, reporter_user_id, reported_user_id, text, blocked, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (match_id, reporter, reported, text, int(blocked), to_db(now)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def report_row(connection: sqlite3.Connection, report_id: int) -> sqlite3.Row | None:
    return connection.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()


def mark_report_handled(connection: sqlite3.Connection, report_id: int, now: datetime) -> None:
    connection.execute("UPDATE reports SET handled_at = COALESCE(handled_at, ?) WHERE id = ?", (to_db(now), report_id))
