"""Updates of one person in order, different people concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.store.database import HANDLING_UPDATE


def _ordering_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user:
            return update.effective_user.id
        if update.effective_chat:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per Telegram user with one asyncio.Lock each.

    PTB starts a task per update in arrival order and asyncio locks wake waiters in FIFO
    order, so a person's messages are handled in the order they were sent. Locks are
    dropped as soon as nobody holds or waits for them.

    While an update is handled, HANDLING_UPDATE names it, so that its writes mark it 'applied' in the
    inbox; once handled, `on_handled` is told (bot/inbox.py). An update cancelled at shutdown is not
    reported handled and stays in the inbox.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.on_handled: Callable[[int], None] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _ordering_key(update)
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await self._handle(update, coroutine)
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        token = HANDLING_UPDATE.set(update.update_id)
        try:
            await coroutine
        finally:
            HANDLING_UPDATE.reset(token)
        if self.on_handled is not None:
            self.on_handled(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up: locks are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to release."""
