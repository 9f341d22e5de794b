"""The matching service: from a saved request to stored, explained suggestions, and the waiting list.

matching/ decides; this module only fetches candidates, calls rank() and records the outcome.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import date

from bot.store import Store
from bot.store.intake import SupportRequest
from bot.store.suggestions import NewSuggestion, StoredReason, StoredSuggestion
from matching.engine import Limits, Ranking, Suggestion, rank
from matching.geo import Geography
from matching.model import Need
from matching.scoring import Weights
from matching.taxonomy import AgeBand, ContactMode, ForWhom, GenderPreference, Language, SupportForm, TargetGroup

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MatchResult:
    suggestions: list[StoredSuggestion]
    nothing_fits: bool
    waiting: bool


def need_from_request(request: SupportRequest, excluded_peers: frozenset[int]) -> Need:
    answers = request.answers
    return Need(
        person_id=request.user_id,
        request_id=request.id,
        for_whom=ForWhom(answers.for_whom),
        target_groups=frozenset(TargetGroup(code) for code in answers.target_groups),
        age_band=AgeBand(answers.age_band),
        municipality_code=answers.municipality_code,
        online_only=answers.online_only,
        support_forms=frozenset(SupportForm(code) for code in answers.support_forms),
        languages=frozenset(Language(code) for code in answers.languages),
        gender_preference=GenderPreference(answers.gender_preference),
        contact_modes=frozenset(ContactMode(code) for code in answers.contact_modes),
        excluded_peers=excluded_peers,
    )


class Matchmaker:
    def __init__(self, store: Store, geography: Geography, weights: Weights, limits: Limits) -> None:
        self._store = store
        self._geography = geography
        self._weights = weights
        self._limits = limits

    async def rank_request(self, request: SupportRequest, on: date) -> Ranking:
        """Candidates from the database, decisions from matching: the part the benchmark times."""
        need = need_from_request(request, frozenset())  # candidates() does not look at exclusions
        excluded, peers, initiatives = await asyncio.gather(  # one trip to the database
            self._store.peers.exclusions(request.user_id),
            self._store.peers.candidates(need, on),
            self._store.initiatives.all(),
        )
        need = replace(need, excluded_peers=excluded)
        return rank(
            need, peers, initiatives, geography=self._geography, on=on, weights=self._weights, limits=self._limits
        )

    async def match(self, request: SupportRequest, on: date) -> MatchResult:
        """Rank, store the suggestions, and put the request on the waiting list when no peer fits.

        A minor is never matched to an individual peer, so a minor's request does not wait for one.
        """
        ranking = await self.rank_request(request, on)
        chosen = [*ranking.peers, *ranking.initiatives] if not ranking.nothing_fits else list(ranking.fallback)
        waiting = not ranking.peers and request.answers.age_band != AgeBand.UNDER_18.value
        stored = await self._store.suggestions.replace(
            request.id, request.user_id, [_new(s) for s in chosen], waiting=waiting
        )
        logger.info(
            "matched request_id=%d peers=%d initiatives=%d nothing_fits=%s waiting=%s",
            request.id,
            len(ranking.peers),
            len(ranking.initiatives),
            ranking.nothing_fits,
            waiting,
        )
        return MatchResult(stored, ranking.nothing_fits, waiting)

    async def rematch_waiting(self, on: date, batch: int = 100) -> list[tuple[SupportRequest, MatchResult]]:
        """Match the waiting list again; returns the requests that now have a peer to suggest."""
        found = []
        for request in await self._store.intake.waiting(batch):
            ranking = await self.rank_request(request, on)
            if ranking.peers:
                found.append((request, await self.match(request, on)))
        return found

    async def rematch_and_tell(self, on: date) -> int:
        """Match the waiting list again and tell each person whose request now has a peer, once a day at most.
        The scheduler calls it every few minutes; the peers' services call it when a peer becomes available
        (approved, resumed, or with room again), so nobody waits for the next run."""
        found = await self.rematch_waiting(on)
        for request, _ in found:
            await self._store.outbox.enqueue(
                request.user_id, "match.rematch_found", dedup_key=f"rematch:{request.id}:{on}"
            )
        return len(found)


def _new(suggestion: Suggestion) -> NewSuggestion:
    reasons = tuple(StoredReason(reason.key, dict(reason.params)) for reason in suggestion.reasons)
    return NewSuggestion(suggestion.kind, str(suggestion.candidate_id), suggestion.score.total, reasons)
