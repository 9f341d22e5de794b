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
from bot.store import Store
from matching.geo import Geography

if TYPE_CHECKING:
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
    first_aid: CrisisFirstAid | None = None
    _language_cache: OrderedDict[int, str | None] = field(default_factory=OrderedDict)

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

    def language_in_memory(self, user_id: int | None, client_language: str | None) -> str:
        """The language without touching the database: the choice if memory holds it, else the client's."""
        chosen = self._language_cache.get(user_id) if user_id is not None else None
        return self.catalogue.pick_language(chosen, client_language)

    async def choose_language(self, user_id: int, language: str) -> None:
        await self.store.users.set_language(user_id, language)
        self._language_cache[user_id] = language

    async def erase_person(self, user_id: int) -> int:
        """Every row about the person, and what memory holds of them; returns the rows erased."""
        erased = await self.store.erase_person(user_id)
        self._language_cache.pop(user_id, None)
        return erased

    async def text_for(self, user: User | None, key: str, **params: object) -> str:
        return self.catalogue.text(await self.language_for(user), key, **params)


def services(context: CallbackContext) -> Services:  # type: ignore[type-arg]
    """Typed access to the services from any handler or job."""
    return context.application.bot_data[SERVICES_KEY]
