"""Fixtures shared by the handler tests: Makker's real Application over the offline Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.services import SERVICES_KEY, Services
from tests.offline import OfflineBotApi, UpdateFactory, to_update

ADMIN_ID = 900


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        bot_token="123:ABC",
        database_path=tmp_path / "makker.sqlite3",  # type: ignore[arg-type]
        admin_ids=(ADMIN_ID,),
        flood_max_updates=10_000,
        pin_to_one_cpu=False,  # in process: pinning would pin pytest, and the bots the e2e tests start
        _env_file=None,
    )


class BotHarness:
    """Feeds updates to the real Application with process_update, as Telegram would deliver them."""

    def __init__(self, application: Application, api: OfflineBotApi) -> None:
        self.application = application
        self.api = api
        self.updates = UpdateFactory()

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]

    async def feed(self, payload: dict[str, Any]) -> None:
        await self.application.process_update(to_update(payload, self.application.bot))

    async def say(self, user_id: int, text: str, language_code: str = "da") -> str:
        """The person writes; returns the last text Makker sent back."""
        await self.feed(self.updates.text(user_id, text, language_code))
        return self.api.last_text(user_id)

    async def press(self, user_id: int, data: str, message_id: int = 1) -> None:
        await self.feed(self.updates.button(user_id, data, message_id))


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[BotHarness]:
    api = OfflineBotApi()
    application = build_application(settings, request=api)
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    try:
        yield BotHarness(application, api)
    finally:
        assert application.post_shutdown is not None
        await application.shutdown()
        await application.post_shutdown(application)
