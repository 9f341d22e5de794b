"""Updates of one person in order, different people concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.safety import detect_crisis
from bot.store.database import HANDLING_UPDATE

logger = logging.getLogger(__name__)


def _is_crisis(update: object) -> bool:
    message = update.effective_message if isinstance(update, Update) else None
    text = (message.text or message.caption) if message else None
    return bool(text) and detect_crisis(text) is not None  # type: ignore[arg-type]


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
        self._stopping = False
        self.left_unhandled = 0
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.on_handled: Callable[[int], None] | None = None

    def stop_starting(self) -> None:
        """From now on, updates that have not started are left unhandled, except crisis messages: a stop
        signal ends the process within seconds, and what is not handled stays in the inbox for the restart."""
        self._stopping = True

    def _left_at_stop(self, update: object, coroutine: Awaitable[Any]) -> bool:
        if not self._stopping or _is_crisis(update):
            return False
        if isinstance(coroutine, Coroutine):
            coroutine.close()
        self.left_unhandled += 1
        return True

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._left_at_stop(update, coroutine):
            return
        key = _ordering_key(update)
        if key is None:
            await self._handle(update, coroutine)
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                if self._left_at_stop(update, coroutine):
                    return
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

    def pending(self, key: int) -> int:
        """How many of this person's updates are being handled or waiting their turn."""
        return self._users.get(key, 0)

    async def initialize(self) -> None:
        """Nothing to set up: locks are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to release; says how many updates a stop left unhandled."""
        if self.left_unhandled:
            logger.info("updates_left_unhandled count=%d", self.left_unhandled)
