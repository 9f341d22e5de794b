"""All of Makker's SQL lives in this package: one repository per table family."""

from __future__ import annotations

from pathlib import Path

from bot.db import connect, migrate
from bot.store.database import Database
from bot.store.inbox import InboxRepository
from bot.store.initiatives import InitiativeRepository
from bot.store.intake import IntakeRepository
from bot.store.outbox import OutboxRepository
from bot.store.owners import OwnerRepository
from bot.store.peers import PeerRepository
from bot.store.privacy import PrivacyRepository
from bot.store.suggestions import SuggestionRepository
from bot.store.users import UserRepository
from matching.geo import Geography


class Store:
    """The repositories over one database, created once at start-up and shared through bot_data."""

    def __init__(self, db: Database, geography: Geography) -> None:
        self.db = db
        self.users = UserRepository(db)
        self.inbox = InboxRepository(db)
        self.outbox = OutboxRepository(db)
        self.owners = OwnerRepository(db)
        self.intake = IntakeRepository(db, self.owners)
        self.privacy = PrivacyRepository(db)
        self.initiatives = InitiativeRepository(db)
        self.peers = PeerRepository(db, geography)
        self.suggestions = SuggestionRepository(db)

    @classmethod
    async def open(cls, path: Path, geography: Geography) -> Store:
        """Connect and bring the schema up to date: starting the bot migrates too."""
        connection = await connect(path)
        try:
            await migrate(connection)
        except BaseException:
            await connection.close()
            raise
        return cls(Database(connection), geography)

    async def erase_person(self, user_id: int) -> int:
        """GDPR erasure: every row about the person, and what the caches hold of them."""
        erased = await self.privacy.erase(user_id)
        self.intake.forget_cached(user_id)
        self.owners.forget_cached(user_id)
        return erased

    async def close(self) -> None:
        await self.db.close()
