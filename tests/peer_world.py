"""A small world for the peers' services: a real SQLite file, a clock the test moves, people and peers."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.intake import Answers, first_draft
from bot.matches import MatchService
from bot.matchmaker import Matchmaker
from bot.peer_application import Answers as PeerAnswers
from bot.peer_application import Statement
from bot.peers import PeerService
from bot.store import Store
from bot.store.intake import SupportRequest
from matching.engine import Limits
from matching.geo import default_geography
from matching.scoring import DEFAULT_WEIGHTS
from tests.test_match_handlers import KOEGE, peer

COORDINATOR = 900
ZONE = ZoneInfo("Europe/Copenhagen")


class Clock:
    """The services' clock: stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def request_answers(**changes: object) -> Answers:
    answers = Answers(
        for_whom="self",
        target_groups=("mental_health",),
        age_band="25_39",
        municipality_code=KOEGE,
        support_forms=("one_to_one",),
        languages=("da",),
        gender_preference="none",
        contact_modes=("chat",),
        free_text="Jeg hedder Hemmelig og bor på Vestergade 3",
    )
    return replace(answers, **changes)  # type: ignore[arg-type]


def application_answers(**changes: object) -> PeerAnswers:
    answers = PeerAnswers(
        alias="Sol",
        kind="volunteer",
        experience=("mental_health",),
        age_band="40_64",
        gender="woman",
        languages=("da",),
        municipalities=(KOEGE,),
        support_forms=("one_to_one",),
        contact_modes=("chat",),
        capacity=2,
        statements=(Statement.RECOVERY_YEAR.value, Statement.NEVER_KNOWN.value),
    )
    return replace(answers, **changes)  # type: ignore[arg-type]


class World:
    def __init__(self, store: Store, clock: Clock, timeout_hours: float = 48) -> None:
        self.store = store
        self.clock = clock
        self.rematches = 0
        self.matchmaker = Matchmaker(store, default_geography(), DEFAULT_WEIGHTS, Limits())
        self.matches = MatchService(
            store,
            self.matchmaker,
            offer_timeout=timedelta(hours=timeout_hours),
            coordinators=(COORDINATOR,),
            zone=ZONE,
            clock=clock,
            on_peer_available=self._rematch,
        )
        self.peers = PeerService(store, self.matches, clock=clock, on_peer_available=self._rematch)

    @classmethod
    async def open(cls, path: Path, clock: Clock) -> World:
        return cls(await Store.open(path, default_geography()), clock)

    async def close(self) -> None:
        await self.store.close()

    async def _rematch(self) -> None:
        """Wired as the lead wires it: the waiting list is matched again and told."""
        self.rematches += 1
        await self.matchmaker.rematch_and_tell(self.clock().astimezone(ZONE).date())

    async def person(self, user_id: int, **changes: object) -> SupportRequest:
        """A person who gave consent, confirmed an intake and got suggestions."""
        await self.store.intake.give_consent(user_id, "v1", first_draft("da"))
        request = await self.store.intake.confirm(user_id, request_answers(**changes))
        await self.matchmaker.match(request, self.clock().astimezone(ZONE).date())
        return request

    async def peer(self, user_id: int, name: str, **changes: object) -> int:
        return await self.store.peers.save(peer(user_id, **changes), name)

    async def suggestion(self, user_id: int, peer_id: int) -> int:
        row = await self.store.db.fetch_one(
            "SELECT id FROM suggestions WHERE user_id = ? AND kind = 'peer' AND candidate = ?",
            (user_id, str(peer_id)),
        )
        assert row is not None, f"peer {peer_id} was not suggested to {user_id}"
        return int(row["id"])

    async def outbox(self, chat_id: int | None = None) -> list[sqlite3.Row]:
        if chat_id is None:
            return await self.store.db.fetch_all("SELECT * FROM outbox ORDER BY id")
        return await self.store.db.fetch_all("SELECT * FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))

    async def keys_to(self, chat_id: int) -> list[str]:
        return [row["text_key"] for row in await self.outbox(chat_id)]

    async def offer_state(self, offer_id: int) -> str:
        row = await self.store.db.fetch_one("SELECT state FROM offers WHERE id = ?", (offer_id,))
        assert row is not None
        return str(row["state"])

    async def candidates_for(self, request: SupportRequest) -> set[int]:
        ranking = await self.matchmaker.rank_request(request, self.clock().astimezone(ZONE).date())
        return {int(s.candidate_id) for s in ranking.peers}
