"""Becoming and being a peer: the application (saved step by step), a coordinator's decision, the profile,
pausing and resuming. Only approved, active, unpaused and unsuspended peers are ever suggested or offered:
the search index (bot/store/peers.py) holds only those, and every change here keeps it in step in the same
transaction. When a peer becomes available, the waiting list is matched again (`on_peer_available`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import to_db, utc_now
from bot.config import Settings
from bot.matches import MatchService
from bot.matchmaker import Matchmaker
from bot.notices import Keyboard, Notice
from bot.offers import PeerAvailable
from bot.outcomes import Clock, Outbox, Refusal, Result, TableOutbox, refused
from bot.peer_application import CONSENT_VERSION, Answers, Draft, first_draft, is_complete
from bot.store import Store, applications
from bot.store import matches as rows
from bot.store.applications import ApplicationRecord
from bot.store.peers import profile_from_row
from matching.model import PeerKind, PeerProfile, PeerStatus
from matching.taxonomy import AgeBand, ContactMode, Gender, Language, SupportForm

logger = logging.getLogger(__name__)

REJECT_REASON_MAX = 500


@dataclass(frozen=True)
class ApplicationResult(Result):
    application: ApplicationRecord | None = None


@dataclass(frozen=True)
class PeerView:
    """/profil: the profile as the peer sees it."""

    profile: PeerProfile
    display_name: str
    organisation: str | None
    relative_of: tuple[str, ...]
    age_band: str | None
    paused_until: str | None
    suspended: bool


def profile_from(answers: Answers, user_id: int, status: PeerStatus, active_matches: int = 0) -> PeerProfile:
    """What matching reads of a finished application; min_age 18: peers support adults only."""
    return PeerProfile(
        peer_id=0,
        user_id=user_id,
        status=status,
        kind=PeerKind(answers.kind),
        target_groups=answers.target_groups,
        relative_of=answers.relatives,
        support_forms=frozenset(SupportForm(code) for code in answers.support_forms),
        languages=frozenset(Language(code) for code in answers.languages),
        gender=Gender(answers.gender),
        contact_modes=frozenset(ContactMode(code) for code in answers.contact_modes),
        area=answers.area,
        capacity=answers.capacity,
        active_matches=active_matches,
        min_age=AgeBand.A18_24.min_age,
    )


class PeerService:
    def __init__(
        self,
        store: Store,
        matches: MatchService,
        *,
        clock: Clock,
        outbox: Outbox | None = None,
        on_peer_available: PeerAvailable | None = None,
    ) -> None:
        self._store = store
        self._db = store.db
        self._matches = matches
        self._clock = clock
        self._outbox: Outbox = outbox or TableOutbox()
        self._on_peer_available = on_peer_available

    # The application --------------------------------------------------------------------------------------------

    async def start_application(self, user_id: int, language: str) -> ApplicationResult:
        """After the applicant's consent: a new draft, or the one they had. A peer or a pending applicant is
        told where they stand instead."""
        now = self._clock()

        def run(connection: sqlite3.Connection) -> ApplicationResult:
            if rows.is_suspended(connection, user_id):
                return ApplicationResult(**_fields(refused(Refusal.SUSPENDED)))
            if rows.peer_state(connection, user_id=user_id) is not None:
                return ApplicationResult(**_fields(refused(Refusal.ALREADY_PEER)))
            live = applications.live(connection, user_id)
            if live is not None and live.status == "pending":
                return ApplicationResult(**_fields(refused(Refusal.APPLICATION_PENDING)), application=live)
            if live is not None:
                return ApplicationResult("peer_apply.resumed", application=live)
            started = applications.start(connection, user_id, first_draft(language), CONSENT_VERSION, now)
            return ApplicationResult("peer_apply.started", application=started)

        return await self._db.transaction(run)

    async def standing(self, user_id: int) -> Refusal | ApplicationRecord | None:
        """Where someone who asks to apply stands, before anything is stored: suspended, already a peer, with a
        pending application (a Refusal); with a draft (the record); or free to begin (None)."""

        def run(connection: sqlite3.Connection) -> Refusal | ApplicationRecord | None:
            if rows.is_suspended(connection, user_id):
                return Refusal.SUSPENDED
            if rows.peer_state(connection, user_id=user_id) is not None:
                return Refusal.ALREADY_PEER
            live = applications.live(connection, user_id)
            if live is not None and live.status == "pending":
                return Refusal.APPLICATION_PENDING
            return live

        return await self._db.read(run)

    async def draft(self, user_id: int) -> ApplicationRecord | None:
        """The applicant's draft, if they are in the middle of one."""
        live = await self._db.read(lambda connection: applications.live(connection, user_id))
        return live if live is not None and live.status == "draft" else None

    async def save_draft(self, user_id: int, draft: Draft) -> bool:
        """Saved before the next question is asked; False when there is no draft (submitted, or deleted)."""
        now = self._clock()
        return await self._db.transaction(lambda connection: applications.save_draft(connection, user_id, draft, now))

    async def cancel_application(self, user_id: int) -> bool:
        return await self._db.transaction(lambda connection: applications.discard_draft(connection, user_id))

    async def submit(self, user_id: int) -> ApplicationResult:
        """The finished draft becomes pending and every coordinator is told; the applicant hears what happens next."""
        now = self._clock()
        coordinators = self._matches.coordinators

        def run(connection: sqlite3.Connection) -> ApplicationResult:
            live = applications.live(connection, user_id)
            if live is None:
                return ApplicationResult(**_fields(refused(Refusal.NO_APPLICATION)))
            if live.status == "pending":
                return ApplicationResult(**_fields(refused(Refusal.APPLICATION_PENDING)), application=live)
            if not is_complete(live.answers):
                return ApplicationResult(**_fields(refused(Refusal.INCOMPLETE)), application=live)
            applications.submit(connection, live.id, now)
            notices = tuple(
                Notice(
                    coordinator,
                    "peer_apply.to_coordinators",
                    f"application:{live.id}:{coordinator}",
                    {"application_id": live.id, "alias": live.answers.alias, "kind": live.answers.kind},
                    Keyboard.APPLICATION,
                )
                for coordinator in coordinators
            )
            self._outbox.enqueue(connection, notices, now)
            submitted = applications.get(connection, live.id)
            return ApplicationResult("peer_apply.submitted", notices=notices, application=submitted)

        result = await self._db.transaction(run)
        if result.ok and result.application is not None:
            logger.info("peer_application_submitted application_id=%d", result.application.id)
        return result

    # Coordinators -----------------------------------------------------------------------------------------------

    async def pending(self, coordinator_id: int, limit: int = 10) -> list[ApplicationRecord] | Result:
        if not self._matches.is_coordinator(coordinator_id):
            return refused(Refusal.NOT_COORDINATOR)
        return await self._db.read(lambda connection: applications.pending(connection, limit))

    async def application(self, coordinator_id: int, application_id: int) -> ApplicationResult:
        if not self._matches.is_coordinator(coordinator_id):
            return ApplicationResult(**_fields(refused(Refusal.NOT_COORDINATOR)))
        found = await self._db.read(lambda connection: applications.get(connection, application_id))
        if found is None or found.status == "draft":
            return ApplicationResult(**_fields(refused(Refusal.NOT_FOUND)))
        return ApplicationResult(
            "peer_apply.review", {"application_id": found.id, "alias": found.answers.alias}, application=found
        )

    async def approve(self, coordinator_id: int, application_id: int) -> ApplicationResult:
        """Approve once: the peer becomes available at once, and the waiting list is matched again."""
        result = await self._decide(coordinator_id, application_id, approve=True, reason=None)
        if result.ok:
            await self._peer_available()
        return result

    async def reject(self, coordinator_id: int, application_id: int, reason: str) -> ApplicationResult:
        """Reject once, with a reason the applicant is told kindly."""
        cleaned = " ".join(reason.split())[:REJECT_REASON_MAX]
        return await self._decide(coordinator_id, application_id, approve=False, reason=cleaned or None)

    async def _decide(
        self, coordinator_id: int, application_id: int, *, approve: bool, reason: str | None
    ) -> ApplicationResult:
        if not self._matches.is_coordinator(coordinator_id):
            return ApplicationResult(**_fields(refused(Refusal.NOT_COORDINATOR)))
        now = self._clock()

        def run(connection: sqlite3.Connection) -> ApplicationResult:
            found = applications.get(connection, application_id)
            if found is None or found.status == "draft":
                return ApplicationResult(**_fields(refused(Refusal.NOT_FOUND)))
            if not applications.decide(connection, application_id, "approved" if approve else "rejected", reason, now):
                return ApplicationResult(**_fields(refused(Refusal.ALREADY_DECIDED)), application=found)
            if approve:
                self._save_profile(connection, found.user_id, found.answers, PeerStatus.APPROVED, now)
                notice = Notice(found.user_id, "peer_apply.approved", f"application:{application_id}:approved")
            else:
                notice = Notice(
                    found.user_id,
                    "peer_apply.rejected" if reason else "peer_apply.rejected_no_reason",
                    f"application:{application_id}:rejected",
                    {"reason": reason or ""},
                )
            self._outbox.enqueue(connection, [notice], now)
            decided = applications.get(connection, application_id)
            reply = "peer_apply.approved_done" if approve else "peer_apply.rejected_done"
            return ApplicationResult(reply, {"alias": found.answers.alias}, (notice,), application=decided)

        result = await self._db.transaction(run)
        if result.ok:
            logger.info("peer_application_decided application_id=%d approved=%s", application_id, approve)
        return result

    def _save_profile(
        self, connection: sqlite3.Connection, user_id: int, answers: Answers, status: PeerStatus, now: datetime
    ) -> int:
        existing = rows.peer_state(connection, user_id=user_id)
        profile = profile_from(answers, user_id, status, existing.open_matches if existing else 0)
        assert answers.alias is not None
        peer_id = self._store.peers.upsert_in(connection, profile, answers.alias)
        connection.execute(
            "UPDATE peers SET organisation = ?, age_band = ?, updated_at = ? WHERE id = ?",
            (answers.organisation, answers.age_band, to_db(now), peer_id),
        )
        return peer_id

    # The peer's own settings ------------------------------------------------------------------------------------

    async def view(self, user_id: int) -> PeerView | None:
        def run(connection: sqlite3.Connection) -> PeerView | None:
            row = connection.execute("SELECT * FROM peers WHERE user_id = ?", (user_id,)).fetchone()
            if row is None:
                return None
            state = rows.peer_state(connection, user_id=user_id)
            assert state is not None
            profile = profile_from_row(row)
            return PeerView(
                profile,
                row["display_name"],
                row["organisation"],
                tuple(_decode(row["relative_of"])),
                row["age_band"],
                row["paused_until"],
                state.suspended,
            )

        return await self._db.read(run)

    async def update_profile(
        self, user_id: int, answers: Answers, *, also: Callable[[sqlite3.Connection], object] | None = None
    ) -> Result:
        """/profil: an edit is effective at once for new offers; open matches and offers stay as they are.
        `also` runs in the same transaction once the profile is saved (the edit in progress is dropped there)."""
        if not is_complete(answers):
            return refused(Refusal.INCOMPLETE)
        now = self._clock()

        def run(connection: sqlite3.Connection) -> Result:
            peer = rows.peer_state(connection, user_id=user_id)
            if peer is None:
                return refused(Refusal.NOT_A_PEER)
            if peer.suspended:
                return refused(Refusal.SUSPENDED)
            self._save_profile(connection, user_id, answers, PeerStatus(peer.status), now)
            if also is not None:
                also(connection)
            return Result("peer.profile_saved")

        result = await self._db.transaction(run)
        if result.ok:
            await self._peer_available()
        return result

    async def pause(self, user_id: int, until: date | None = None) -> Result:
        """/pause, optionally up to and including a date where the peer lives: no new offers, and open offers go on
        to the next best peer. Open matches continue: pausing is about new people. The pause ends by itself at
        the local midnight after `until` (run_due); a date already past pauses until /resume."""
        now = self._clock()
        resume_at = None
        if until is not None:
            resume_at = datetime.combine(until + timedelta(days=1), time(), self._matches.zone).astimezone(UTC)
            if resume_at <= now:
                resume_at = None

        def run(connection: sqlite3.Connection) -> tuple[Result, list[int]]:
            peer = rows.peer_state(connection, user_id=user_id)
            if peer is None or peer.status not in ("approved", "paused"):
                return refused(Refusal.NOT_A_PEER), []
            if peer.suspended:
                return refused(Refusal.SUSPENDED), []
            rows.set_peer_status(connection, peer.id, "paused", now, resume_at)
            self._store.peers.reindex_in(connection, [peer.id])
            withdrawn = self._matches.withdraw_peer_offers(connection, user_id, now)
            if resume_at is None or until is None:
                return Result("peer.paused"), withdrawn
            return Result("peer.paused_until", {"until": until.strftime("%d.%m.%Y")}), withdrawn

        result, withdrawn = await self._db.transaction(run)
        if withdrawn:
            notices = await self._matches.after_withdrawal(withdrawn)
            result = Result(result.reply, result.params, notices)
        return result

    async def resume(self, user_id: int) -> Result:
        now = self._clock()

        def run(connection: sqlite3.Connection) -> Result:
            peer = rows.peer_state(connection, user_id=user_id)
            if peer is None or peer.status not in ("approved", "paused"):
                return refused(Refusal.NOT_A_PEER)
            if peer.suspended:
                return refused(Refusal.SUSPENDED)
            if peer.status == "approved":
                return Result("peer.already_active")
            rows.set_peer_status(connection, peer.id, "approved", now)
            self._store.peers.reindex_in(connection, [peer.id])
            return Result("peer.resumed")

        result = await self._db.transaction(run)
        if result.reply == "peer.resumed":
            await self._peer_available()
        return result

    async def _peer_available(self) -> None:
        if self._on_peer_available is not None:
            await self._on_peer_available()


def _codes(codes: tuple[str, ...]) -> str:
    return json.dumps(list(codes))


def _decode(text: str) -> list[str]:
    return list(json.loads(text))


def _fields(result: Result) -> dict[str, object]:
    return {"reply": result.reply, "params": result.params, "notices": result.notices, "refusal": result.refusal}


def build_peer_service(store: Store, matches: MatchService, matchmaker: Matchmaker, settings: Settings) -> PeerService:
    """The service as the bot runs it: an approval matches the waiting list again at once, as freed capacity does
    (bot/matches.py build_match_service), so nobody waits for the next scheduled run."""
    zone = settings.zone

    async def rematch() -> None:
        await matchmaker.rematch_and_tell(utc_now().astimezone(zone).date())

    return PeerService(store, matches, clock=utc_now, on_peer_available=rematch)
