"""The life of a match: a chosen peer is offered the request, accepts or declines (or stays silent), the
match opens and ends; reports, blocks, suspensions and erasure end it early.

Every change of state is one transaction that also queues the notices it causes (bot/notices.py), so a
crash leaves either both or neither. Times come from an injected clock. Expiry, reminders and the next
offer after a decline are rows in SQLite found by `run_due`, which the scheduler calls: after a restart
nothing is lost and, because each step claims its row with a conditional UPDATE, nothing fires twice.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import from_db, to_db, utc_now
from bot.config import Settings
from bot.matchmaker import Matchmaker
from bot.notices import Keyboard, Notice, Priority
from bot.outcomes import Clock, Outbox, Refusal, Result, TableOutbox, refused
from bot.store import Store
from bot.store import matches as rows
from bot.store.intake import request_from_row
from bot.store.matches import MatchRecord, OfferRecord, PeerState
from bot.store.privacy import erase_rows
from matching.taxonomy import AgeBand

logger = logging.getLogger(__name__)

REPORT_MAX = 2000
PeerAvailable = Callable[[], Awaitable[object]]


class DeclineReason:
    """The reasons a peer may give; KNOWS_PERSON also keeps the two apart for good, in either role."""

    NO_TIME = "no_time"
    NOT_A_FIT = "not_a_fit"
    KNOWS_PERSON = "knows_person"
    OTHER = "other"
    ALL = (NO_TIME, NOT_A_FIT, KNOWS_PERSON, OTHER)


class EndReason:
    DONE = "done"
    NOT_HELPFUL = "not_helpful"
    NO_TIME = "no_time"
    OTHER = "other"
    CHOSEN = (DONE, NOT_HELPFUL, NO_TIME, OTHER)  # the reasons a side may choose with /afslut


@dataclass(frozen=True)
class OfferResult(Result):
    offer: OfferRecord | None = None


@dataclass(frozen=True)
class MatchResult(Result):
    match: MatchRecord | None = None


@dataclass(frozen=True)
class DueRun:
    """What one run of the due work did, for logs and tests."""

    reminded: int = 0
    expired: int = 0
    offered: int = 0
    waiting: int = 0
    resumed: int = 0
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Overview:
    """/mine: a person's open offers and matches in both roles."""

    offers_to_me: tuple[OfferRecord, ...]  # as a peer, waiting for my answer
    my_offers: tuple[OfferRecord, ...]  # as a person, waiting for a peer's answer
    matches: tuple[MatchRecord, ...]  # open, in either role


@dataclass
class _Changes:
    """Collected inside a transaction: notices to queue, and what must happen after the commit."""

    notices: list[Notice] = field(default_factory=list)
    retract: list[str] = field(default_factory=list)
    next_offer_for: set[int] = field(default_factory=set)
    freed_peers: set[int] = field(default_factory=set)


class MatchService:
    def __init__(
        self,
        store: Store,
        matchmaker: Matchmaker,
        *,
        offer_timeout: timedelta,
        coordinators: Iterable[int],
        zone: ZoneInfo,
        clock: Clock = utc_now,
        outbox: Outbox | None = None,
        on_peer_available: PeerAvailable | None = None,
    ) -> None:
        self._store = store
        self._db = store.db
        self._matchmaker = matchmaker
        self._timeout = offer_timeout
        self._coordinators = tuple(coordinators)
        self._zone = zone
        self._clock = clock
        self._outbox: Outbox = outbox or TableOutbox()
        self._on_peer_available = on_peer_available

    @property
    def timeout_hours(self) -> int:
        return round(self._timeout.total_seconds() / 3600)

    @property
    def zone(self) -> ZoneInfo:
        """Where the people are: dates people name (a pause until ...) are local dates."""
        return self._zone

    @property
    def coordinators(self) -> tuple[int, ...]:
        return self._coordinators

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self._coordinators

    # Choosing a peer --------------------------------------------------------------------------------------------

    async def choose_peer(self, user_id: int, suggestion_id: int) -> OfferResult:
        """A person chose a suggested peer: that peer gets an offer, unless the request already has one."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> OfferResult:
            suggestion = connection.execute(
                "SELECT * FROM suggestions WHERE id = ? AND user_id = ? AND kind = 'peer'", (suggestion_id, user_id)
            ).fetchone()
            if suggestion is None:
                return OfferResult(**_refusal(Refusal.NOT_FOUND))
            if rows.is_suspended(connection, user_id):
                return OfferResult(**_refusal(Refusal.SUSPENDED))
            request = rows.request_row(connection, suggestion["request_id"])
            if request is None or request["status"] != "open":
                return OfferResult(**_refusal(Refusal.NO_REQUEST))
            if request["age_band"] == AgeBand.UNDER_18.value:
                return OfferResult(**_refusal(Refusal.MINOR))
            if rows.open_match_for_request(connection, request["id"]) is not None:
                return OfferResult(**_refusal(Refusal.ALREADY_MATCHED))
            peer_id = int(suggestion["candidate"])
            current = rows.open_offer_for_request(connection, request["id"])
            if current is not None:
                if current.peer_id == peer_id:  # the same choice again: nothing new happens
                    return OfferResult("peer_offer.person_already_asked", {"hours": self.timeout_hours}, offer=current)
                return OfferResult(**_refusal(Refusal.ALREADY_OFFERED), offer=current)
            peer = rows.peer_state(connection, peer_id=peer_id)
            if peer is None or not peer.available or peer.user_id == user_id:
                return OfferResult(**_refusal(Refusal.PEER_UNAVAILABLE))
            if rows.never_paired(connection, user_id, peer.user_id):
                return OfferResult(**_refusal(Refusal.PEER_UNAVAILABLE))
            connection.execute(
                "UPDATE suggestions SET chosen_at = COALESCE(chosen_at, ?) WHERE id = ?",
                (_stamp(now), suggestion_id),
            )
            changes = _Changes()
            offer = self._make_offer(connection, request, peer, now, changes)
            self._outbox.enqueue(connection, changes.notices, now)
            return OfferResult(
                "peer_offer.person_asked",
                {"name": peer.display_name, "hours": self.timeout_hours},
                tuple(changes.notices),
                offer=offer,
            )

        result = await self._db.transaction(run)
        if result.offer is not None and result.ok and result.notices:
            logger.info("offer_made offer_id=%d", result.offer.id)
        return result

    def _make_offer(
        self, connection: sqlite3.Connection, request: sqlite3.Row, peer: PeerState, now: datetime, changes: _Changes
    ) -> OfferRecord:
        """The offer row and the peer's notice with an anonymised summary: codes only, no name, handle or free text."""
        offer = rows.insert_offer(
            connection, request["id"], request["user_id"], peer, now, now + self._timeout, now + self._timeout / 2
        )
        rows.set_waiting(connection, request["id"], False, now)
        rows.clear_next_offer_due(connection, request["id"])
        changes.notices.append(
            Notice(
                peer.user_id,
                "peer_offer.new",
                f"offer:{offer.id}:new",
                {"offer_id": offer.id, "hours": self.timeout_hours, **offer_summary(request)},
                Keyboard.OFFER,
                Priority.HIGH,
            )
        )
        return offer

    # The peer's answer ------------------------------------------------------------------------------------------

    def _check_answer(
        self, connection: sqlite3.Connection, offer_id: int, user_id: int, now: datetime
    ) -> tuple[OfferRecord, None] | tuple[None, Result]:
        """The refusals common to Accept and Decline, in the order that reveals least."""
        offer = rows.offer(connection, offer_id)
        if offer is None:
            return None, refused(Refusal.NOT_FOUND)
        if offer.peer_user_id != user_id:
            return None, refused(Refusal.NOT_YOURS)
        if offer.state == "accepted":
            found = rows.match_of_offer(connection, offer.id)
            return None, refused(Refusal.ALREADY_ACCEPTED, number=found.number if found else 0)
        if offer.state == "declined":
            return None, refused(Refusal.ALREADY_DECLINED)
        if offer.state == "expired" or (offer.state == "open" and offer.expires_at <= _stamp(now)):
            return None, refused(Refusal.EXPIRED)
        if offer.state != "open":
            return None, refused(Refusal.NO_LONGER_OPEN)
        return offer, None

    async def accept(self, offer_id: int, user_id: int) -> MatchResult:
        """The peer accepts: a match opens and both are told, unless a rule forbids it."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> MatchResult:
            offer, refusal = self._check_answer(connection, offer_id, user_id, now)
            if offer is None:
                assert refusal is not None
                return MatchResult(**_as_fields(refusal))
            peer = rows.peer_state(connection, peer_id=offer.peer_id)
            if peer is None:
                return MatchResult(**_refusal(Refusal.NOT_A_PEER))
            if peer.suspended:
                return MatchResult(**_refusal(Refusal.SUSPENDED))
            if peer.status != "approved":
                return MatchResult(**_refusal(Refusal.PAUSED))
            if peer.open_matches >= peer.capacity:
                return MatchResult(**_refusal(Refusal.AT_CAPACITY, capacity=peer.capacity))
            request = rows.request_row(connection, offer.request_id)
            if request is None or request["status"] != "open" or rows.is_suspended(connection, offer.user_id):
                # The person moved on (a new request, a suspension): the offer ends here, not by expiry later.
                rows.close_offer(connection, offer.id, "withdrawn", now)
                self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
                return MatchResult(**_refusal(Refusal.NO_LONGER_OPEN))
            if request["age_band"] == AgeBand.UNDER_18.value:
                return MatchResult(**_refusal(Refusal.MINOR))
            if rows.open_match_for_request(connection, offer.request_id) is not None:
                return MatchResult(**_refusal(Refusal.NO_LONGER_OPEN))
            rows.close_offer(connection, offer.id, "accepted", now)
            match = rows.insert_match(connection, offer, now)
            self._load_changed(connection, offer.peer_id, now)
            rows.set_waiting(connection, offer.request_id, False, now)
            rows.clear_next_offer_due(connection, offer.request_id)
            self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
            notice = Notice(
                offer.user_id,
                "peer_match.opened_person",
                f"match:{match.id}:opened",
                {"name": peer.display_name, "match_id": match.id},
                priority=Priority.HIGH,
            )
            self._outbox.enqueue(connection, [notice], now)
            return MatchResult("peer_match.opened_peer", {"number": match.number}, (notice,), match=match)

        result = await self._db.transaction(run)
        if result.match is not None:
            logger.info("match_opened match_id=%d offer_id=%d", result.match.id, offer_id)
        return result

    async def decline(self, offer_id: int, user_id: int, reason: str | None = None) -> OfferResult:
        """The peer declines (optionally saying why): the two are never offered to each other again, and the
        request goes on to the next best peer at once."""
        if reason is not None and reason not in DeclineReason.ALL:
            return OfferResult(**_refusal(Refusal.NOT_FOUND))
        now = self._clock()

        def run(connection: sqlite3.Connection) -> OfferResult:
            offer, refusal = self._check_answer(connection, offer_id, user_id, now)
            if offer is None:
                assert refusal is not None
                return OfferResult(**_as_fields(refusal))
            rows.close_offer(connection, offer.id, "declined", now, reason)
            never = "knows_person" if reason == DeclineReason.KNOWS_PERSON else "declined"
            rows.add_never_pair(connection, offer.user_id, offer.peer_user_id, never, now)
            rows.mark_next_offer_due(connection, offer.request_id, now)
            self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
            return OfferResult("peer_offer.declined_thanks", offer=offer)

        result = await self._db.transaction(run)
        if result.ok and result.offer is not None:
            logger.info("offer_declined offer_id=%d", offer_id)
            follow = await self.offer_next(result.offer.request_id)
            return OfferResult(result.reply, result.params, follow.notices, offer=result.offer)
        return result

    # The next offer, expiry and reminders -----------------------------------------------------------------------

    async def offer_next(self, request_id: int) -> OfferResult:
        """Offer a request whose offer ended to the best peer still fitting; with nobody left, it waits.

        Only a request marked `next_offer_due` is touched, and the mark is cleared in the transaction that makes
        the offer, so a decline and the scheduler racing for the same request make one offer between them.
        """
        now = self._clock()
        row = await self._db.read(lambda connection: rows.request_row(connection, request_id))
        if row is None or row["next_offer_due"] is None:
            return OfferResult(**_refusal(Refusal.NO_REQUEST))
        candidates: list[int] = []
        if row["status"] == "open":
            ranking = await self._matchmaker.rank_request(request_from_row(row), now.astimezone(self._zone).date())
            candidates = [int(suggestion.candidate_id) for suggestion in ranking.peers]

        def run(connection: sqlite3.Connection) -> OfferResult:
            request = rows.request_row(connection, request_id)
            if request is None or not rows.clear_next_offer_due(connection, request_id):
                return OfferResult(**_refusal(Refusal.NO_REQUEST))  # handled meanwhile
            if (
                request["status"] != "open"
                or rows.is_suspended(connection, request["user_id"])
                or rows.open_offer_for_request(connection, request_id) is not None
                or rows.open_match_for_request(connection, request_id) is not None
            ):
                return OfferResult(**_refusal(Refusal.NO_REQUEST))
            changes = _Changes()
            for peer_id in candidates:
                peer = rows.peer_state(connection, peer_id=peer_id)
                if (
                    peer is None
                    or not peer.available
                    or rows.never_paired(connection, request["user_id"], peer.user_id)
                ):
                    continue
                offer = self._make_offer(connection, request, peer, now, changes)
                changes.notices.append(
                    Notice(
                        request["user_id"],
                        "peer_offer.person_next_asked",
                        f"offer:{offer.id}:person",
                        {"name": peer.display_name, "hours": self.timeout_hours},
                    )
                )
                self._outbox.enqueue(connection, changes.notices, now)
                return OfferResult("peer_offer.next_made", notices=tuple(changes.notices), offer=offer)
            rows.set_waiting(connection, request_id, True, now)
            notice = Notice(
                request["user_id"], "peer_offer.person_waiting", f"offer-waiting:{request_id}:{_stamp(now)}"
            )
            self._outbox.enqueue(connection, [notice], now)
            return OfferResult("peer_offer.waiting", notices=(notice,))

        return await self._db.transaction(run)

    async def run_due(self, limit: int = 100) -> DueRun:
        """The scheduler's job: reminders, expiries, ended pauses and next offers that are due now."""
        now = self._clock()
        due_reminders, due_expiries, due_resumes = await self._db.read(
            lambda connection: (
                rows.due_reminders(connection, now, limit),
                rows.due_expiries(connection, now, limit),
                rows.due_resumes(connection, now, limit),
            )
        )
        notices: list[Notice] = []
        reminded = expired = resumed = offered = waiting = 0
        for offer in due_reminders:
            notice = await self._db.transaction(lambda connection, offer=offer: self._remind(connection, offer, now))
            if notice is not None:
                reminded += 1
                notices.append(notice)
        for offer in due_expiries:
            notice = await self._db.transaction(lambda connection, offer=offer: self._expire(connection, offer, now))
            if notice is not None:
                expired += 1
                notices.append(notice)
        for peer_id in due_resumes:
            changes = await self._db.transaction(
                lambda connection, peer_id=peer_id: self._resume_due(connection, peer_id, now)
            )
            if changes is not None:
                resumed += 1
                notices.extend(changes)
        for request_id in await self._db.read(lambda connection: rows.due_next_offers(connection, now, limit)):
            result = await self.offer_next(request_id)
            notices.extend(result.notices)
            offered += result.offer is not None
            waiting += result.ok and result.offer is None
        if resumed:
            await self._peer_available()
        if reminded or expired or resumed or offered or waiting:
            logger.info(
                "offers_due reminded=%d expired=%d resumed=%d offered=%d waiting=%d",
                reminded,
                expired,
                resumed,
                offered,
                waiting,
            )
        return DueRun(reminded, expired, offered, waiting, resumed, tuple(notices))

    def _remind(self, connection: sqlite3.Connection, offer: OfferRecord, now: datetime) -> Notice | None:
        if not rows.mark_reminded(connection, offer.id, now):
            return None  # answered, withdrawn or expired meanwhile: the reminder is no longer true
        expires = _parse(offer.expires_at)
        notice = Notice(
            offer.peer_user_id,
            "peer_offer.reminder",
            f"offer:{offer.id}:reminder",
            {"offer_id": offer.id, "hours": max(1, round((expires - now).total_seconds() / 3600))},
            Keyboard.REMINDER,
            Priority.LOW,
            not_after=expires,
        )
        self._outbox.enqueue(connection, [notice], now)
        return notice

    def _expire(self, connection: sqlite3.Connection, offer: OfferRecord, now: datetime) -> Notice | None:
        current = rows.offer(connection, offer.id)
        if current is None or current.state != "open" or current.expires_at > _stamp(now):
            return None
        rows.close_offer(connection, offer.id, "expired", now)
        rows.add_never_pair(connection, offer.user_id, offer.peer_user_id, "expired", now)
        rows.mark_next_offer_due(connection, offer.request_id, now)
        self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
        notice = Notice(
            offer.peer_user_id, "peer_offer.expired_peer", f"offer:{offer.id}:expired", {"offer_id": offer.id}
        )
        self._outbox.enqueue(connection, [notice], now)
        return notice

    def _resume_due(self, connection: sqlite3.Connection, peer_id: int, now: datetime) -> list[Notice] | None:
        peer = rows.peer_state(connection, peer_id=peer_id)
        if peer is None or peer.status != "paused" or peer.suspended or peer.paused_until is None:
            return None
        if peer.paused_until > _stamp(now):
            return None
        rows.set_peer_status(connection, peer_id, "approved", now)
        self._store.peers.reindex_in(connection, [peer_id])
        notice = Notice(peer.user_id, "peer.resumed_by_date", f"peer:{peer_id}:resumed:{peer.paused_until}")
        self._outbox.enqueue(connection, [notice], now)
        return [notice]

    # Withdrawing a peer's open offers (pause, suspension, erasure) ----------------------------------------------

    def withdraw_peer_offers(self, connection: sqlite3.Connection, peer_user_id: int, now: datetime) -> list[int]:
        """A peer who pauses or is suspended cannot answer: their open offers go to the next best peer."""
        requests = []
        for offer in rows.offers_of(connection, peer_user_id, as_peer=True, state="open"):
            rows.close_offer(connection, offer.id, "withdrawn", now)
            rows.mark_next_offer_due(connection, offer.request_id, now)
            self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
            requests.append(offer.request_id)
        return requests

    async def after_withdrawal(self, request_ids: Iterable[int]) -> tuple[Notice, ...]:
        notices: list[Notice] = []
        for request_id in request_ids:
            notices.extend((await self.offer_next(request_id)).notices)
        return tuple(notices)

    # Ending a match ---------------------------------------------------------------------------------------------

    def _end(
        self,
        connection: sqlite3.Connection,
        match: MatchRecord,
        ended_by: str,
        reason: str | None,
        now: datetime,
        changes: _Changes,
        *,
        tell: Sequence[int],
    ) -> bool:
        """End an open match: free the peer's capacity, keep the two apart, and tell `tell` only that it ended."""
        if not rows.end_match(connection, match.id, ended_by, reason, now):
            return False
        self._load_changed(connection, match.peer_id, now)
        changes.freed_peers.add(match.peer_id)
        rows.add_never_pair(connection, match.user_id, match.peer_user_id, "ended", now)
        if ended_by == "person":
            rows.close_request(connection, match.request_id, now)
        else:  # the person did not choose to stop: their request waits for another peer
            rows.set_waiting(connection, match.request_id, True, now)
        for user_id in tell:
            if user_id == match.peer_user_id:
                key, params = "peer_match.ended_for_peer", {"number": match.number}
            else:
                name = connection.execute("SELECT display_name FROM peers WHERE id = ?", (match.peer_id,)).fetchone()
                waiting = ended_by != "person"
                key = "peer_match.ended_for_person_waiting" if waiting else "peer_match.ended_for_person"
                params = {"name": name["display_name"] if name else ""}
            changes.notices.append(Notice(user_id, key, f"match:{match.id}:ended:{user_id}", params))
        return True

    async def end_match(self, user_id: int, match_id: int, reason: str | None = None) -> MatchResult:
        """/afslut: either side ends the match, with an optional reason that the other side is not shown."""
        if reason is not None and reason not in EndReason.CHOSEN:
            reason = EndReason.OTHER
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[MatchResult, _Changes]:
            changes = _Changes()
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**_refusal(Refusal.NOT_FOUND)), changes
            if not self._end(connection, match, role, reason, now, changes, tell=[match.other_side(user_id)]):
                return MatchResult(**_refusal(Refusal.ALREADY_ENDED), match=match), changes
            self._outbox.enqueue(connection, changes.notices, now)
            return MatchResult(
                "peer_match.ended_you", {"number": match.number}, tuple(changes.notices), match=match
            ), changes

        result, changes = await self._db.transaction(run)
        await self._after(changes)
        return result

    async def report(self, user_id: int, match_id: int, text: str, *, block: bool) -> MatchResult:
        """/rapporter: the reporter's own words reach the coordinators, nothing else; a block also ends the match
        and keeps the two apart (a block needs no words). The other side is told only that the match ended.
        A report may concern an ended match too: what happened is no less true for that."""
        words = text.strip()[:REPORT_MAX]
        if not words and not block:
            return MatchResult(**_refusal(Refusal.INCOMPLETE))
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[MatchResult, _Changes]:
            changes = _Changes()
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**_refusal(Refusal.NOT_FOUND)), changes
            other = match.other_side(user_id)
            if not words:  # a block without words: nothing for the coordinators to read
                rows.add_never_pair(connection, match.user_id, match.peer_user_id, "blocked", now)
                if not self._end(connection, match, role, "blocked", now, changes, tell=[other]):
                    return MatchResult(**_refusal(Refusal.ALREADY_ENDED), match=match), changes
                self._outbox.enqueue(connection, changes.notices, now)
                return MatchResult("report.blocked", {}, tuple(changes.notices), match=match), changes
            report_id = rows.insert_report(connection, match.id, user_id, other, words, block, now)
            changes.notices.extend(
                Notice(
                    coordinator,
                    "report.to_coordinators",
                    f"report:{report_id}:{coordinator}",
                    {"report_id": report_id, "text": words},
                    Keyboard.REPORT,
                    Priority.HIGH,
                )
                for coordinator in self._coordinators
            )
            if block:
                rows.add_never_pair(connection, match.user_id, match.peer_user_id, "blocked", now)
                self._end(connection, match, role, "blocked", now, changes, tell=[other])
            self._outbox.enqueue(connection, changes.notices, now)
            reply = "report.thanks_blocked" if block else "report.thanks"
            return MatchResult(reply, {"report_id": report_id}, tuple(changes.notices), match=match), changes

        result, changes = await self._db.transaction(run)
        if result.ok:
            logger.info("report_made match_id=%d blocked=%s", match_id, block)
        await self._after(changes)
        return result

    async def share_contact(self, user_id: int, match_id: int) -> MatchResult:
        """One side agrees to swap Telegram contacts; when both have, each gets the other's and the relay ends."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[MatchResult, _Changes]:
            changes = _Changes()
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**_refusal(Refusal.NOT_FOUND)), changes
            if match.state != "open":
                return MatchResult(**_refusal(Refusal.MATCH_ENDED)), changes
            rows.share_contact(connection, match.id, role)
            updated = rows.match(connection, match.id)
            assert updated is not None
            other = match.other_side(user_id)
            if not (updated.person_shares_contact and updated.peer_shares_contact):
                changes.notices.append(
                    Notice(
                        other,
                        "peer_match.contact_asked",
                        f"match:{match.id}:contact-asked:{other}",
                        {"number": match.number},
                    )
                )
                self._outbox.enqueue(connection, changes.notices, now)
                return MatchResult("peer_match.contact_waiting", notices=tuple(changes.notices), match=updated), changes
            rows.end_match(connection, match.id, role, "contacts_exchanged", now)
            self._load_changed(connection, match.peer_id, now)
            changes.freed_peers.add(match.peer_id)
            rows.close_request(connection, match.request_id, now)
            changes.notices.append(
                Notice(other, "peer_match.contact", f"match:{match.id}:contact:{other}", {"user_id": user_id})
            )
            self._outbox.enqueue(connection, changes.notices, now)
            return MatchResult("peer_match.contact", {"user_id": other}, tuple(changes.notices), match=updated), changes

        result, changes = await self._db.transaction(run)
        await self._after(changes)
        return result

    # Coordinators -----------------------------------------------------------------------------------------------

    async def suspend(self, coordinator_id: int, user_id: int, reason: str) -> Result:
        """A coordinator suspends a peer or a person: no offers either way, open matches end kindly."""
        if not self.is_coordinator(coordinator_id):
            return refused(Refusal.NOT_COORDINATOR)
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[Result, _Changes]:
            changes = _Changes()
            if not rows.suspend(connection, user_id, reason.strip()[:REPORT_MAX] or "-", now):
                return Result("suspension.already"), changes
            self._end_everything(connection, user_id, "coordinator", "suspended", now, changes)
            peer = rows.peer_state(connection, user_id=user_id)
            if peer is not None and peer.status == "approved":
                rows.set_peer_status(connection, peer.id, "paused", now)
                self._store.peers.reindex_in(connection, [peer.id])
            connection.execute(
                "UPDATE support_requests SET waiting_since = NULL, next_offer_due = NULL WHERE user_id = ?", (user_id,)
            )
            changes.notices.append(Notice(user_id, "suspension.you", f"suspension:{user_id}:{_stamp(now)}"))
            self._outbox.enqueue(connection, changes.notices, now)
            return Result("suspension.done", notices=tuple(changes.notices)), changes

        result, changes = await self._db.transaction(run)
        logger.info("suspended user_id=%d", user_id)
        await self._after(changes)
        return result

    async def suspend_reported(self, coordinator_id: int, report_id: int) -> Result:
        """Suspend whoever a report is about, from the report's button; the coordinator never sees their id."""
        if not self.is_coordinator(coordinator_id):
            return refused(Refusal.NOT_COORDINATOR)
        now = self._clock()

        def run(connection: sqlite3.Connection) -> int | None:
            row = rows.report_row(connection, report_id)
            if row is None:
                return None
            rows.mark_report_handled(connection, report_id, now)
            return int(row["reported_user_id"])

        reported = await self._db.transaction(run)
        if reported is None:
            return refused(Refusal.NOT_FOUND)
        return await self.suspend(coordinator_id, reported, f"report {report_id}")

    async def lift_suspension(self, coordinator_id: int, user_id: int) -> Result:
        """The person may use Makker again; a peer stays paused until they resume."""
        if not self.is_coordinator(coordinator_id):
            return refused(Refusal.NOT_COORDINATOR)
        lifted = await self._db.transaction(lambda connection: rows.lift_suspension(connection, user_id))
        return Result("suspension.lifted") if lifted else refused(Refusal.NOT_FOUND)

    def _end_everything(
        self, connection: sqlite3.Connection, user_id: int, ended_by: str, reason: str, now: datetime, changes: _Changes
    ) -> None:
        """Open matches end (the other side told only that), open offers either way are withdrawn."""
        for match in rows.matches_of(connection, user_id, state="open"):
            self._end(connection, match, ended_by, reason, now, changes, tell=[match.other_side(user_id)])
        changes.next_offer_for.update(self.withdraw_peer_offers(connection, user_id, now))
        for offer in rows.offers_of(connection, user_id, as_peer=False, state="open"):
            rows.close_offer(connection, offer.id, "withdrawn", now)
            self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
            changes.notices.append(
                Notice(
                    offer.peer_user_id, "peer_offer.withdrawn", f"offer:{offer.id}:withdrawn", {"offer_id": offer.id}
                )
            )

    # Erasure ----------------------------------------------------------------------------------------------------

    async def erase_person(self, user_id: int) -> Result:
        """/delete: end the person's matches and offers (the other side is told only that the match ended), then
        erase every row about them, all in one transaction."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[int, _Changes]:
            changes = _Changes()
            self._end_everything(connection, user_id, "erasure", "deleted", now, changes)
            peer = rows.peer_state(connection, user_id=user_id)
            if peer is not None:
                changes.freed_peers.discard(peer.id)
            self._outbox.enqueue(connection, changes.notices, now)
            erased = erase_rows(connection, user_id)
            if peer is not None:
                connection.execute("DELETE FROM peer_reach WHERE peer_id = ?", (peer.id,))
            return erased, changes

        erased, changes = await self._db.transaction(run)
        self._store.intake.forget_cached(user_id)
        logger.info("erased rows=%d", erased)
        await self._after(changes)
        return Result("peer_match.erased", {"rows": erased}, tuple(changes.notices))

    # Reading ----------------------------------------------------------------------------------------------------

    async def overview(self, user_id: int) -> Overview:
        def run(connection: sqlite3.Connection) -> Overview:
            return Overview(
                tuple(rows.offers_of(connection, user_id, as_peer=True, state="open")),
                tuple(rows.offers_of(connection, user_id, as_peer=False, state="open")),
                tuple(rows.matches_of(connection, user_id, state="open")),
            )

        return await self._db.read(run)

    # Helpers ----------------------------------------------------------------------------------------------------

    def _load_changed(self, connection: sqlite3.Connection, peer_id: int, now: datetime) -> None:
        rows.sync_active_matches(connection, peer_id, now)
        self._store.peers.reindex_in(connection, [peer_id])

    async def _after(self, changes: _Changes) -> None:
        """After the commit: next offers for withdrawn ones, and a rematch when a peer has room again."""
        await self.after_withdrawal(sorted(changes.next_offer_for))
        if changes.freed_peers:
            await self._peer_available()

    async def _peer_available(self) -> None:
        if self._on_peer_available is not None:
            await self._on_peer_available()


def offer_summary(request: sqlite3.Row) -> dict[str, object]:
    """What a peer is told about the person: the codes of the request. Never a name, a handle or free text."""
    return {
        "for_whom": request["for_whom"],
        "groups": json.loads(request["target_groups"]),
        "age_band": request["age_band"],
        "municipality": request["municipality_code"],
        "online": bool(request["online_only"]),
        "forms": json.loads(request["support_forms"]),
        "languages": json.loads(request["languages"]),
        "modes": json.loads(request["contact_modes"]),
    }


def _refusal(refusal: Refusal, **params: object) -> dict[str, object]:
    return _as_fields(refused(refusal, **params))


def _as_fields(result: Result) -> dict[str, object]:
    return {"reply": result.reply, "params": result.params, "notices": result.notices, "refusal": result.refusal}


def _stamp(moment: datetime) -> str:
    return to_db(moment)


def _parse(text: str) -> datetime:
    return from_db(text)


def build_match_service(
    store: Store, matchmaker: Matchmaker, settings: Settings, *, outbox: Outbox | None = None
) -> MatchService:
    """The service as the bot runs it: OFFER_TIMEOUT_HOURS, the coordinators of ADMIN_IDS, and a peer who becomes
    available matching the waiting list again at once (Matchmaker.rematch_and_tell)."""
    zone = settings.zone

    async def rematch() -> None:
        await matchmaker.rematch_and_tell(utc_now().astimezone(zone).date())

    return MatchService(
        store,
        matchmaker,
        offer_timeout=timedelta(hours=settings.offer_timeout_hours),
        coordinators=settings.admin_ids,
        zone=zone,
        outbox=outbox,
        on_peer_available=rematch,
    )
