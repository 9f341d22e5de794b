"""The services handlers reach through context.bot_data, created once at start-up."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import User
from telegram.ext import CallbackContext

from bot.config import Settings
from bot.flood import FloodGuard
from bot.i18n import Catalogue
from bot.inbox import Inbox
from bot.matchmaker import Matchmaker
from bot.router import Router
from bot.store import Store
from bot.store.database import HANDLING_UPDATE
from matching.geo import Geography

if TYPE_CHECKING:
    from bot.matches import MatchService
    from bot.peer_profile import ProfileEditor
    from bot.peers import PeerService
    from bot.relay import Relay
    from handlers.first_aid import CrisisFirstAid
    from handlers.intake_views import IntakeViews

SERVICES_KEY = "services"
_LANGUAGE_CACHE_SIZE = 10_000


@dataclass
class Services:
    settings: Settings
    store: Store
    catalogue: Catalogue
    flood: FloodGuard
    inbox: Inbox
    geography: Geography
    matchmaker: Matchmaker
    intake_views: IntakeViews
    router: Router
    first_aid: CrisisFirstAid | None = None
    matches: MatchService | None = None  # offers, matches, reports and erasure of the peers' side (bot/matches.py)
    relay: Relay | None = None  # where a relayed message goes (bot/relay.py)
    peers: PeerService | None = None  # applications, a coordinator's decision, profile, pause and resume (bot/peers.py)
    profiles: ProfileEditor | None = None  # a peer's own profile and its edits (bot/peer_profile.py)
    _language_cache: OrderedDict[int, str | None] = field(default_factory=OrderedDict)
    _client_language_stored: OrderedDict[int, str | None] = field(default_factory=OrderedDict)

    async def language_for(self, user: User | None) -> str:
        """The language to answer this person in, without a database read on every update."""
        if user is None:
            return self.catalogue.default_language
        if user.id in self._language_cache:
            chosen = self._language_cache[user.id]
            self._language_cache.move_to_end(user.id)
        else:
            record = await self.store.users.get(user.id)
            chosen = record.language if record else None
            self._language_cache[user.id] = chosen
            if len(self._language_cache) > _LANGUAGE_CACHE_SIZE:
                self._language_cache.popitem(last=False)
        return self.catalogue.pick_language(chosen, user.language_code)

    def client_language_changed(self, user: User) -> bool:
        """Whether the client's language differs from what is stored (or is not known to be stored)."""
        stored = self._client_language_stored
        if user.id in stored and stored[user.id] == user.language_code:
            stored.move_to_end(user.id)
            return False
        return True

    async def note_client_language(self, user: User) -> None:
        """Store the client's language, for the outbox; see UserRepository.note_client_language."""
        stored = self._client_language_stored
        # Bookkeeping, not the update's effect: it must not mark the update applied in the inbox, or a crash
        # right after it would keep the update's real effect from being applied on replay.
        token = HANDLING_UPDATE.set(None)
        try:
            await self.store.users.note_client_language(user.id, user.language_code)
        finally:
            HANDLING_UPDATE.reset(token)
        # Remembered also when nothing was stored (Makker keeps nothing for this person yet), so that their next
        # updates cost no trip to the database; a consent stores it anew (handlers/intake.py).
        stored[user.id] = user.language_code
        if len(stored) > _LANGUAGE_CACHE_SIZE:
            stored.popitem(last=False)

    def language_in_memory(self, user_id: int | None, client_language: str | None) -> str:
        """The language without touching the database: the choice if memory holds it, else the client's."""
        chosen = self._language_cache.get(user_id) if user_id is not None else None
        return self.catalogue.pick_language(chosen, client_language)

    async def choose_language(self, user_id: int, language: str) -> None:
        await self.store.users.set_language(user_id, language)
        self._language_cache[user_id] = language

    async def erase_person(self, user_id: int) -> int:
        """Every row about the person, and what memory holds of them; returns the rows erased. Their matches and
        offers end first, the other side told only that the match ended (MatchService.erase_person)."""
        ended = 0
        if self.matches is not None:
            ended = int((await self.matches.erase_person(user_id)).params["rows"])  # type: ignore[call-overload]
        erased = ended + await self.store.erase_person(user_id)  # the rest, and the caches
        self._language_cache.pop(user_id, None)
        self._client_language_stored.pop(user_id, None)
        return erased

    async def text_for(self, user: User | None, key: str, **params: object) -> str:
        return self.catalogue.text(await self.language_for(user), key, **params)


def services(context: CallbackContext) -> Services:  # type: ignore[type-arg]
    """The services from a plain CallbackContext; Makker's handlers and jobs use `context.services` (bot/context.py)."""
    return context.application.bot_data[SERVICES_KEY]
