"""The life of a match once it is open, and the safety around it: either side ends it, reports or blocks the
other, or agrees to swap contacts; a coordinator suspends someone; /delete by either side ends it. The other side
is only ever told that the match ended.

Built on OfferService (bot/offers.py), whose rules for offers it shares: every change is one transaction
together with the notices it causes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import to_db, utc_now
from bot.config import Settings
from bot.matchmaker import Matchmaker
from bot.notices import Keyboard, Notice, Priority
from bot.offers import Changes, MatchResult, OfferService, refusal_fields
from bot.outcomes import Clock, Outbox, Refusal, Result, refused
from bot.store import Store
from bot.store import matches as rows
from bot.store.matches import MatchRecord, OfferRecord
from bot.store.privacy import erase_rows

logger = logging.getLogger(__name__)

REPORT_MAX = 2000  # characters of a report kept: well within one Telegram message


class EndReason:
    DONE = "done"
    NOT_HELPFUL = "not_helpful"
    NO_TIME = "no_time"
    OTHER = "other"
    CHOSEN = (DONE, NOT_HELPFUL, NO_TIME, OTHER)  # the reasons a side may choose with /afslut


@dataclass(frozen=True)
class Overview:
    """/mine: a person's open offers and matches in both roles."""

    offers_to_me: tuple[OfferRecord, ...]  # as a peer, waiting for my answer
    my_offers: tuple[OfferRecord, ...]  # as a person, waiting for a peer's answer
    matches: tuple[MatchRecord, ...]  # open, in either role


class MatchService(OfferService):
    """Offers (inherited) and everything after an acceptance."""

    # Ending a match ---------------------------------------------------------------------------------------------

    def _end(
        self,
        connection: sqlite3.Connection,
        match: MatchRecord,
        ended_by: str,
        reason: str | None,
        now: datetime,
        changes: Changes,
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

        def run(connection: sqlite3.Connection) -> tuple[MatchResult, Changes]:
            changes = Changes()
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**refusal_fields(Refusal.NOT_FOUND)), changes
            if not self._end(connection, match, role, reason, now, changes, tell=[match.other_side(user_id)]):
                return MatchResult(**refusal_fields(Refusal.ALREADY_ENDED), match=match), changes
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
            return MatchResult(**refusal_fields(Refusal.INCOMPLETE))
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[MatchResult, Changes]:
            changes = Changes()
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**refusal_fields(Refusal.NOT_FOUND)), changes
            other = match.other_side(user_id)
            if not words:  # a block without words: nothing for the coordinators to read
                rows.add_never_pair(connection, match.user_id, match.peer_user_id, "blocked", now)
                if not self._end(connection, match, role, "blocked", now, changes, tell=[other]):
                    return MatchResult(**refusal_fields(Refusal.ALREADY_ENDED), match=match), changes
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

    async def contact_refusal(self, user_id: int, match_id: int) -> Result | None:
        """Whether this user may answer a contact question about this match now: None when they may."""

        def run(connection: sqlite3.Connection) -> Result | None:
            match = rows.match(connection, match_id)
            if match is None or match.role_of(user_id) is None:
                return refused(Refusal.NOT_FOUND)
            if match.state != "open":
                return refused(Refusal.ALREADY_ENDED)
            return None

        return await self._db.read(run)

    async def agree_contact(self, user_id: int, match_id: int, contact: str) -> MatchResult:
        """One side says yes to exchanging Telegram contacts and gives `contact` (an @username or a tg://user
        link, as they chose). The other side is asked with buttons; only when both have said yes does each get
        the other's contact, and the relay ends. A second yes from the same side (a double tap, a second device,
        an old button) changes nothing and asks nobody again."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[MatchResult, Changes]:
            changes = Changes()
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**refusal_fields(Refusal.NOT_FOUND)), changes
            if match.state != "open":
                return MatchResult(**refusal_fields(Refusal.ALREADY_ENDED), match=match), changes
            if match.agreed(role):
                return MatchResult("contact.already_waiting", match=match), changes
            rows.share_contact(connection, match.id, role, contact)
            updated = rows.match(connection, match.id)
            assert updated is not None
            other = match.other_side(user_id)
            other_role = "peer" if role == "person" else "person"
            if not updated.agreed(other_role):
                key = "contact.asked_peer" if other == match.peer_user_id else "contact.asked_person"
                changes.notices.append(
                    Notice(
                        other,
                        key,
                        f"match:{match.id}:contact-asked:{other}:{to_db(now)}",
                        {"number": match.number, "match_id": match.id},
                        Keyboard.CONTACT,
                        Priority.HIGH,
                    )
                )
                self._outbox.enqueue(connection, changes.notices, now)
                return MatchResult("contact.waiting", notices=tuple(changes.notices), match=updated), changes
            rows.end_match(connection, match.id, role, "contacts_exchanged", now)
            self._load_changed(connection, match.peer_id, now)
            changes.freed_peers.add(match.peer_id)
            rows.close_request(connection, match.request_id, now)
            key = "contact.exchanged_peer" if other == match.peer_user_id else "contact.exchanged_person"
            changes.notices.append(
                Notice(
                    other,
                    key,
                    f"match:{match.id}:contact:{other}",
                    {"number": match.number, "contact": contact},
                    priority=Priority.HIGH,
                )
            )
            self._outbox.enqueue(connection, changes.notices, now)
            reply = "contact.exchanged_peer" if user_id == match.peer_user_id else "contact.exchanged_person"
            params = {"number": match.number, "contact": updated.contact_of(other_role) or ""}
            return MatchResult(reply, params, tuple(changes.notices), match=updated), changes

        result, changes = await self._db.transaction(run)
        if result.ok and result.reply.startswith("contact.exchanged"):
            logger.info("contacts_exchanged match_id=%d", match_id)
        await self._after(changes)
        return result

    async def decline_contact(self, user_id: int, match_id: int) -> MatchResult:
        """No to the exchange, or withdrawing one's own question: both sides' yes and contacts are forgotten, so
        nothing is shared later by an old button. A side that had said yes is told the other would rather go on
        writing through Makker."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> MatchResult:
            match = rows.match(connection, match_id)
            role = match.role_of(user_id) if match else None
            if match is None or role is None:
                return MatchResult(**refusal_fields(Refusal.NOT_FOUND))
            if match.state != "open":
                return MatchResult(**refusal_fields(Refusal.ALREADY_ENDED), match=match)
            other = match.other_side(user_id)
            other_role = "peer" if role == "person" else "person"
            rows.withdraw_contacts(connection, match.id)
            if not match.agreed(other_role):
                return MatchResult("contact.cancelled", {"number": match.number}, match=match)
            key = "contact.declined_peer" if other == match.peer_user_id else "contact.declined_person"
            dedup = f"match:{match.id}:contact-declined:{other}:{to_db(now)}"
            notice = Notice(other, key, dedup, {"number": match.number})
            self._outbox.enqueue(connection, [notice], now)
            return MatchResult("contact.declined_you", {"number": match.number}, (notice,), match=match)

        return await self._db.transaction(run)

    # Coordinators -----------------------------------------------------------------------------------------------

    async def suspend(self, coordinator_id: int, user_id: int, reason: str) -> Result:
        """A coordinator suspends a peer or a person: no offers either way, open matches end kindly."""
        if not self.is_coordinator(coordinator_id):
            return refused(Refusal.NOT_COORDINATOR)
        now = self._clock()

        def run(connection: sqlite3.Connection) -> tuple[Result, Changes]:
            changes = Changes()
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
            changes.notices.append(Notice(user_id, "suspension.you", f"suspension:{user_id}:{to_db(now)}"))
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
        result = await self.suspend(coordinator_id, reported, f"report {report_id}")
        # The coordinator needs the id to lift the suspension later (/genaktiver); the report itself never had it.
        done = result.reply == "suspension.done"
        key = "suspension.command.done_report" if done else "suspension.command.already_report"
        return Result(key, {"user_id": reported, "report_id": report_id}, result.notices, result.refusal)

    async def lift_suspension(self, coordinator_id: int, user_id: int) -> Result:
        """The person may use Makker again; a peer stays paused until they resume."""
        if not self.is_coordinator(coordinator_id):
            return refused(Refusal.NOT_COORDINATOR)
        lifted = await self._db.transaction(lambda connection: rows.lift_suspension(connection, user_id))
        return Result("suspension.lifted") if lifted else refused(Refusal.NOT_FOUND)

    def _end_everything(
        self, connection: sqlite3.Connection, user_id: int, ended_by: str, reason: str, now: datetime, changes: Changes
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

        def run(connection: sqlite3.Connection) -> tuple[int, Changes]:
            changes = Changes()
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

    async def report_target(self, user_id: int, number: int | None = None) -> MatchRecord | Result:
        """Which match /rapporter is about: the peer's conversation `number` (open or ended), else the only open
        match, else the user's latest match, so that what happened can be reported after it ended too."""

        def run(connection: sqlite3.Connection) -> MatchRecord | Result:
            if number is not None:
                row = connection.execute(
                    "SELECT id FROM matches WHERE peer_user_id = ? AND number = ?", (user_id, number)
                ).fetchone()
                found = rows.match(connection, row["id"]) if row else None
                return found if found is not None else refused(Refusal.NOT_FOUND)
            every = rows.matches_of(connection, user_id)
            open_ones = [match for match in every if match.state == "open"]
            if len(open_ones) == 1:
                return open_ones[0]
            if open_ones:
                numbers = sorted(m.number for m in open_ones if m.peer_user_id == user_id)
                return Result("report.flow.choose", {"numbers": numbers}, refusal=Refusal.CHOOSE_CONVERSATION)
            if every:
                return every[-1]
            return Result("report.flow.no_match", refusal=Refusal.NOT_FOUND)

        return await self._db.read(run)

    async def has_open_match(self, user_id: int) -> bool:
        return bool(await self._db.read(lambda connection: rows.matches_of(connection, user_id, state="open")))

    async def overview(self, user_id: int) -> Overview:
        def run(connection: sqlite3.Connection) -> Overview:
            return Overview(
                tuple(rows.offers_of(connection, user_id, as_peer=True, state="open")),
                tuple(rows.offers_of(connection, user_id, as_peer=False, state="open")),
                tuple(rows.matches_of(connection, user_id, state="open")),
            )

        return await self._db.read(run)

    async def _after(self, changes: Changes) -> None:
        """After the commit: next offers for withdrawn ones, and a rematch when a peer has room again."""
        await self.after_withdrawal(sorted(changes.next_offer_for))
        if changes.freed_peers:
            await self._peer_available()


def build_match_service(
    store: Store, matchmaker: Matchmaker, settings: Settings, *, outbox: Outbox | None = None, clock: Clock = utc_now
) -> MatchService:
    """The service as the bot runs it: OFFER_TIMEOUT_HOURS, the coordinators of ADMIN_IDS, and a peer who becomes
    available matching the waiting list again at once (Matchmaker.rematch_and_tell)."""
    zone = settings.zone

    async def rematch() -> None:
        await matchmaker.rematch_and_tell(clock().astimezone(zone).date())

    return MatchService(
        store,
        matchmaker,
        offer_timeout=timedelta(hours=settings.offer_timeout_hours),
        coordinators=settings.admin_ids,
        zone=zone,
        clock=clock,
        outbox=outbox,
        on_peer_available=rematch,
    )
