"""A peer's own profile: where someone stands (peer, applicant or neither), and editing one answer at a time.

An edit reuses the application's rules (bot/peer_application.py): the answer being edited is a Draft with
`editing` set, so the same validation applies and finishing it leads to the summary, which here means "save".
The edit in progress is a row of its own (bot/store/profile_edits.py), saved at every tick; the profile is saved
by PeerService.update_profile in the transaction that drops that row, and the search index follows at once, so an
edit of lived experience or area counts for the next offer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import utc_now
from bot.config import Settings
from bot.matches import MatchService
from bot.matchmaker import Matchmaker
from bot.outcomes import Clock, Refusal, Result, refused
from bot.peer_application import (
    ORDER,
    Answers,
    Draft,
    InvalidAnswer,
    Step,
    is_complete,
    statements_for,
)
from bot.peers import PeerService, PeerView, build_peer_service
from bot.store import Store, applications, profile_edits
from bot.store.applications import ApplicationRecord
from bot.store.database import Database

# What a peer can change themself. Paid or volunteer, and the eligibility statements, were what a coordinator
# approved: they are not edited here.
EDITABLE: tuple[Step, ...] = tuple(step for step in ORDER if step not in (Step.KIND, Step.ELIGIBILITY, Step.SUMMARY))


@dataclass(frozen=True)
class Standing:
    """Where a user stands on the peers' side: a peer (any status), an applicant, or neither."""

    peer: PeerView | None
    application: ApplicationRecord | None  # the draft or pending application, when there is no peer

    @property
    def is_peer(self) -> bool:
        return self.peer is not None

    @property
    def is_applicant(self) -> bool:
        return self.peer is None and self.application is not None


def answers_of(view: PeerView) -> Answers:
    """The profile as the application's answers. An approved peer made every statement their kind asks for."""
    profile = view.profile
    answers = Answers(
        alias=view.display_name,
        kind=profile.kind.value,
        organisation=view.organisation,
        experience=tuple(sorted(group.value for group in profile.target_groups)),
        relative_of=tuple(sorted(view.relative_of)),
        age_band=view.age_band,
        gender=profile.gender.value,
        languages=tuple(sorted(language.value for language in profile.languages)),
        municipalities=tuple(sorted(profile.area.municipalities)),
        regions=tuple(sorted(profile.area.regions)),
        online=profile.area.online,
        support_forms=tuple(sorted(form.value for form in profile.support_forms)),
        contact_modes=tuple(sorted(mode.value for mode in profile.contact_modes)),
        capacity=profile.capacity,
    )
    return Answers(**{**answers.to_json(), "statements": tuple(s.value for s in statements_for(answers))})


@dataclass(frozen=True)
class EditOutcome:
    """After one step of an edit: the draft still under way, or the saved profile's result, or a hint."""

    draft: Draft | None = None
    saved: Result | None = None
    hint: str | None = None


class ProfileEditor:
    def __init__(self, db: Database, peers: PeerService, clock: Clock) -> None:
        self._db = db
        self._peers = peers
        self._clock = clock

    async def standing(self, user_id: int) -> Standing:
        peer = await self._peers.view(user_id)
        if peer is not None:
            return Standing(peer, None)
        live = await self._db.read(lambda connection: applications.live(connection, user_id))
        return Standing(None, live)

    async def draft(self, user_id: int) -> Draft | None:
        return await self._db.read(lambda connection: profile_edits.get(connection, user_id))

    async def start(self, user_id: int, step: Step) -> Draft | Result:
        """Begin editing one answer from the profile as it is now; replaces an edit left unfinished."""
        if step not in EDITABLE:
            return refused(Refusal.NOT_FOUND)
        view = await self._peers.view(user_id)
        if view is None:
            return refused(Refusal.NOT_A_PEER)
        if view.suspended:
            return refused(Refusal.SUSPENDED)
        draft = Draft(step, answers_of(view), editing=True)
        now = self._clock()
        await self._db.transaction(lambda connection: profile_edits.save(connection, user_id, draft, now))
        return draft

    async def cancel(self, user_id: int) -> bool:
        return await self._db.transaction(lambda connection: profile_edits.discard(connection, user_id))

    async def apply(self, user_id: int, change: Callable[[Draft], Draft]) -> EditOutcome:
        """One answer or tick: the edit so far is saved, or, once the answer is finished, the profile."""
        now = self._clock()

        def step(connection: sqlite3.Connection) -> EditOutcome:
            current = profile_edits.get(connection, user_id)
            if current is None:
                return EditOutcome(hint="peer_self.edit.none")
            try:
                changed = change(current)
            except InvalidAnswer as invalid:
                return EditOutcome(draft=current, hint=invalid.reason)
            if changed.step is not Step.SUMMARY:
                profile_edits.save(connection, user_id, changed, now)
                return EditOutcome(draft=changed)
            if not is_complete(changed.answers):  # only lived experience can end up empty: own or as a relative
                return EditOutcome(draft=current, hint="peer_apply.hint.experience_needed")
            return EditOutcome(draft=changed)

        outcome = await self._db.transaction(step)
        if outcome.draft is None or outcome.draft.step is not Step.SUMMARY:
            return outcome
        saved = await self._peers.update_profile(
            user_id, outcome.draft.answers, also=lambda connection: profile_edits.discard(connection, user_id)
        )
        if not saved.ok:  # no longer a peer, or suspended meanwhile: the edit cannot be saved, so it goes
            await self.cancel(user_id)
        return EditOutcome(saved=saved)


def build_peer_services(
    store: Store, matches: MatchService, matchmaker: Matchmaker, settings: Settings
) -> tuple[PeerService, ProfileEditor]:
    """The peers' own services as the bot runs them: a peer who becomes available (resumes, or edits their
    profile) matches the waiting list again at once, as an approval does."""
    peers = build_peer_service(store, matches, matchmaker, settings)
    return peers, ProfileEditor(store.db, peers, utc_now)
