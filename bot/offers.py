"""The life of an offer: a chosen peer is offered the request and accepts (a match opens) or declines or stays
silent (the request goes on to the next best peer, or waits). What follows an acceptance is bot/matches.py.

Every change of state is one transaction that also queues the notices it causes (bot/notices.py), so a
crash leaves either both or neither. Times come from an injected clock. Expiry, reminders and the next
offer after a decline are rows in SQLite found by `run_due`, which the scheduler calls: after a restart
nothing is lost and, because each step claims its row with a conditional UPDATE, nothing fires twice.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import from_db, to_db, utc_now
from bot.matchmaker import Matchmaker
from bot.notices import Keyboard, Notice, Priority
from bot.outcomes import Clock, Outbox, Refusal, Result, TableOutbox, refused
from bot.store import Store
from bot.store import matches as rows
from bot.store.intake import request_from_row
from bot.store.matches import MatchRecord, OfferRecord, PeerState
from matching.taxonomy import AgeBand

logger = logging.getLogger(__name__)

PeerAvailable = Callable[[], Awaitable[object]]


class DeclineReason:
    """The reasons a peer may give; KNOWS_PERSON also keeps the two apart for good, in either role."""

    NO_TIME = "no_time"
    NOT_A_FIT = "not_a_fit"
    KNOWS_PERSON = "knows_person"
    OTHER = "other"
    ALL = (NO_TIME, NOT_A_FIT, KNOWS_PERSON, OTHER)


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


@dataclass
class Changes:
    """Collected inside a transaction: notices to queue, and what must happen after the commit."""

    notices: list[Notice] = field(default_factory=list)
    next_offer_for: set[int] = field(default_factory=set)
    freed_peers: set[int] = field(default_factory=set)


class OfferService:
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
                return OfferResult(**refusal_fields(Refusal.NOT_FOUND))
            if rows.is_suspended(connection, user_id):
                return OfferResult(**refusal_fields(Refusal.SUSPENDED))
            request = rows.request_row(connection, suggestion["request_id"])
            if request is None or request["status"] != "open":
                return OfferResult(**refusal_fields(Refusal.NO_REQUEST))
            if request["age_band"] == AgeBand.UNDER_18.value:
                return OfferResult(**refusal_fields(Refusal.MINOR))
            if rows.open_match_for_request(connection, request["id"]) is not None:
                return OfferResult(**refusal_fields(Refusal.ALREADY_MATCHED))
            peer_id = int(suggestion["candidate"])
            current = rows.open_offer_for_request(connection, request["id"])
            if current is not None:
                if current.peer_id == peer_id:  # the same choice again: nothing new happens
                    return OfferResult("peer_offer.person_already_asked", {"hours": self.timeout_hours}, offer=current)
                return OfferResult(**refusal_fields(Refusal.ALREADY_OFFERED), offer=current)
            peer = rows.peer_state(connection, peer_id=peer_id)
            if peer is None or not peer.available or peer.user_id == user_id:
                return OfferResult(**refusal_fields(Refusal.PEER_UNAVAILABLE))
            if rows.never_paired(connection, user_id, peer.user_id):
                return OfferResult(**refusal_fields(Refusal.PEER_UNAVAILABLE))
            connection.execute(
                "UPDATE suggestions SET chosen_at = COALESCE(chosen_at, ?) WHERE id = ?",
                (_stamp(now), suggestion_id),
            )
            changes = Changes()
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
        self, connection: sqlite3.Connection, request: sqlite3.Row, peer: PeerState, now: datetime, changes: Changes
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

    async def check_answer(self, offer_id: int, user_id: int) -> Result | None:
        """Whether this user may answer this offer now: None when they may, else the refusal Accept would give."""
        now = self._clock()
        _, refusal = await self._db.read(lambda connection: self._check_answer(connection, offer_id, user_id, now))
        return refusal

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
                return MatchResult(**refusal_fields(Refusal.NOT_A_PEER))
            if peer.suspended:
                return MatchResult(**refusal_fields(Refusal.SUSPENDED))
            if peer.status != "approved":
                return MatchResult(**refusal_fields(Refusal.PAUSED))
            if peer.open_matches >= peer.capacity:
                return MatchResult(**refusal_fields(Refusal.AT_CAPACITY, capacity=peer.capacity))
            request = rows.request_row(connection, offer.request_id)
            if request is None or request["status"] != "open" or rows.is_suspended(connection, offer.user_id):
                # The person moved on (a new request, a suspension): the offer ends here, not by expiry later.
                rows.close_offer(connection, offer.id, "withdrawn", now)
                self._outbox.retract(connection, [f"offer:{offer.id}:reminder"])
                return MatchResult(**refusal_fields(Refusal.NO_LONGER_OPEN))
            if request["age_band"] == AgeBand.UNDER_18.value:
                return MatchResult(**refusal_fields(Refusal.MINOR))
            if rows.open_match_for_request(connection, offer.request_id) is not None:
                return MatchResult(**refusal_fields(Refusal.NO_LONGER_OPEN))
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
            return OfferResult(**refusal_fields(Refusal.NOT_FOUND))
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
            return OfferResult(**refusal_fields(Refusal.NO_REQUEST))
        candidates: list[int] = []
        if row["status"] == "open":
            ranking = await self._matchmaker.rank_request(request_from_row(row), now.astimezone(self._zone).date())
            candidates = [int(suggestion.candidate_id) for suggestion in ranking.peers]

        def run(connection: sqlite3.Connection) -> OfferResult:
            request = rows.request_row(connection, request_id)
            if request is None or not rows.clear_next_offer_due(connection, request_id):
                return OfferResult(**refusal_fields(Refusal.NO_REQUEST))  # handled meanwhile
            if (
                request["status"] != "open"
                or rows.is_suspended(connection, request["user_id"])
                or rows.open_offer_for_request(connection, request_id) is not None
                or rows.open_match_for_request(connection, request_id) is not None
            ):
                return OfferResult(**refusal_fields(Refusal.NO_REQUEST))
            changes = Changes()
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

    # Helpers ----------------------------------------------------------------------------------------------------

    def _load_changed(self, connection: sqlite3.Connection, peer_id: int, now: datetime) -> None:
        rows.sync_active_matches(connection, peer_id, now)
        self._store.peers.reindex_in(connection, [peer_id])

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


def refusal_fields(refusal: Refusal, **params: object) -> dict[str, object]:
    return _as_fields(refused(refusal, **params))


def _as_fields(result: Result) -> dict[str, object]:
    return {"reply": result.reply, "params": result.params, "notices": result.notices, "refusal": result.refusal}


def _stamp(moment: datetime) -> str:
    return to_db(moment)


def _parse(text: str) -> datetime:
    return from_db(text)
