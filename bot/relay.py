"""The relay's decisions: which match a message belongs to, where its copy goes and which message it replies
to, and whether an edit can follow. Sending (copyMessage with protect_content) is the handler layer's job;
it records each copy with `record`, so replies thread on both sides even long after (the map is in SQLite).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace

from bot.notices import Notice, Priority
from bot.outcomes import Clock, Outbox, Refusal, Result, TableOutbox, refused
from bot.store import Store
from bot.store import matches as rows
from bot.store.matches import MatchRecord, RelayedMessage


@dataclass(frozen=True)
class Route:
    """Where to copy a message: `to_chat`, threaded under `reply_to` when the writer replied to a relayed
    message, and labelled with `number` ("Fra Makker-samtale #2") when the recipient is the peer."""

    match_id: int
    to_chat: int
    reply_to: int | None
    number: int | None
    labelled: bool = False  # the recipient is a peer with several open conversations: "Fra Makker-samtale #n" first
    copied_before: bool = False  # the message is in the relay map already (a replayed update): not copied again
    languages: tuple[str | None, str | None] = (None, None)  # the labelled recipient's chosen and client language


@dataclass(frozen=True)
class EditTarget:
    to_chat: int
    to_message: int


class Relay:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox | None = None) -> None:
        self._db = store.db
        self._clock = clock
        self._outbox: Outbox = outbox or TableOutbox()

    async def route(
        self,
        sender: int,
        *,
        reply_to: int | None = None,
        conversation: int | None = None,
        message_id: int | None = None,
    ) -> Route | Result:
        """The match a message from `sender` belongs to: the one of the message replied to, else the chosen
        conversation number, else the only open match. A Result is a refusal to show the writer. With the
        message's id, the same read also says whether it was copied before and whether the copy needs its label,
        so a relayed message costs one read before its copy."""

        def run(connection: sqlite3.Connection) -> Route | Result:
            found = find(connection)
            if isinstance(found, Result) or message_id is None:
                return found
            labelled = found.number is not None and _open_count(connection, found.to_chat) > 1
            copied_before = rows.relayed_from(connection, sender, message_id) is not None
            languages: tuple[str | None, str | None] = (None, None)
            if labelled:  # the label is Makker's own words, in the recipient's language as the outbox picks it
                row = connection.execute(
                    "SELECT language, client_language FROM users WHERE user_id = ?", (found.to_chat,)
                ).fetchone()
                languages = (row["language"], row["client_language"]) if row else (None, None)
            return replace(found, labelled=labelled, copied_before=copied_before, languages=languages)

        def find(connection: sqlite3.Connection) -> Route | Result:
            if rows.is_suspended(connection, sender):
                return refused(Refusal.SUSPENDED)  # a suspended person is relayed to nobody
            if reply_to is not None:
                found = _route_by_reply(connection, sender, reply_to)
                if found is not None:
                    return found
            if conversation is not None:
                row = connection.execute(
                    "SELECT id FROM matches WHERE peer_user_id = ? AND number = ?", (sender, conversation)
                ).fetchone()
                match = rows.match(connection, row["id"]) if row else None
                if match is None:
                    return refused(Refusal.NOT_FOUND)  # a forged or mistyped number: nothing is revealed
                return _route(match, sender, None)
            open_matches = rows.matches_of(connection, sender, state="open")
            if len(open_matches) == 1:
                return _route(open_matches[0], sender, None)
            if open_matches:
                numbers = sorted(m.number for m in open_matches if m.peer_user_id == sender)
                return refused(Refusal.CHOOSE_CONVERSATION, numbers=numbers)
            return refused(Refusal.NO_OPEN_MATCH)

        return await self._db.read(run)

    async def record(self, message: RelayedMessage) -> None:
        """A copy was sent: remember both ends (idempotent, so a redelivered update records it once)."""
        now = self._clock()
        await self._db.transaction(lambda connection: rows.record_relayed(connection, message, now))

    async def edit_target(self, sender: int, message_id: int) -> EditTarget | Result:
        """Where the copy of an edited message is, if the match is still open; else the writer is told that the edit
        was not passed on. NOT_FOUND means the message was never relayed (it was written to Makker itself)."""

        def run(connection: sqlite3.Connection) -> EditTarget | Result:
            relayed = rows.relayed_from(connection, sender, message_id)
            if relayed is None:
                return refused(Refusal.NOT_FOUND)
            match = rows.match(connection, relayed.match_id)
            if match is None or match.state != "open":
                return Result("relay.edit_not_passed", refusal=Refusal.MATCH_ENDED)
            return EditTarget(relayed.to_chat, relayed.to_message)

        return await self._db.read(run)

    async def crisis_shown(self, match_id: int, sender: int, message_id: int) -> Notice | None:
        """A person's relayed words brought up the crisis message: the peer is told so, gently, once per message.
        A peer's own words bring the crisis message only to the peer."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> Notice | None:
            match = rows.match(connection, match_id)
            if match is None or sender != match.user_id:
                return None
            notice = Notice(
                match.peer_user_id,
                "relay.crisis_shown",
                f"match:{match.id}:crisis:{message_id}",
                {"number": match.number},
                priority=Priority.HIGH,
            )
            self._outbox.enqueue(connection, [notice], now)
            return notice

        return await self._db.transaction(run)


def _open_count(connection: sqlite3.Connection, peer_user_id: int) -> int:
    row = connection.execute(
        "SELECT COUNT(*) FROM matches WHERE peer_user_id = ? AND state = 'open'", (peer_user_id,)
    ).fetchone()
    return int(row[0])


def _route_by_reply(connection: sqlite3.Connection, sender: int, reply_to: int) -> Route | Result | None:
    """A reply to a copy the sender received threads under its original, a reply to one of the sender's own
    messages under its copy; a reply to anything else (Makker's own messages) decides nothing."""
    received = rows.relayed_to(connection, sender, reply_to)
    if received is not None:
        match = rows.match(connection, received.match_id)
        return _route(match, sender, received.from_message) if match else None
    sent = rows.relayed_from(connection, sender, reply_to)
    if sent is not None:
        match = rows.match(connection, sent.match_id)
        return _route(match, sender, sent.to_message) if match else None
    return None


def _route(match: MatchRecord, sender: int, reply_to: int | None) -> Route | Result:
    if match.role_of(sender) is None:
        return refused(Refusal.NOT_FOUND)
    if match.state != "open":
        return refused(Refusal.MATCH_ENDED)
    to_chat = match.other_side(sender)
    number = match.number if to_chat == match.peer_user_id else None
    return Route(match.id, to_chat, reply_to, number)
