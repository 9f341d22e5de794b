"""The one dispatcher for everything Makker sends on its own initiative.

Rows come from the outbox table; each tick sends what is due within Telegram's limits
(about 30 messages a second overall, one a second per chat), pauses everything on a 429,
and records per row whether it was sent, refused for good, or blocked by the person.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.clock import utc_now
from bot.i18n import Catalogue
from bot.store import Store
from bot.store.outbox import OutboxMessage

logger = logging.getLogger(__name__)

MAX_PER_SECOND = 25
PER_CHAT_SPACING_SECONDS = 1.0
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


class OutboxDispatcher:
    def __init__(self, store: Store, catalogue: Catalogue) -> None:
        self._store = store
        self._catalogue = catalogue
        self._paused_until = 0.0
        self._last_sent_to: dict[int, float] = {}

    async def dispatch_due(self, bot: Bot) -> int:
        """Send the rows that are due now; returns how many were sent. Safe to call concurrently
        with itself only through the JobQueue, which never overlaps two runs of one job."""
        if time.monotonic() < self._paused_until:
            return 0
        sent = 0
        for message in await self._store.outbox.due(utc_now(), MAX_PER_SECOND):
            now = time.monotonic()
            if now < self._paused_until:
                break
            if now - self._last_sent_to.get(message.chat_id, -PER_CHAT_SPACING_SECONDS) < PER_CHAT_SPACING_SECONDS:
                continue  # the next tick takes it: one message a second per chat
            if await self._send(bot, message):
                sent += 1
            await asyncio.sleep(1 / MAX_PER_SECOND)
        self._forget_old_chats()
        return sent

    async def _send(self, bot: Bot, message: OutboxMessage) -> bool:
        outbox = self._store.outbox
        await outbox.start_attempt(message.id, utc_now() + LEASE)
        record = await self._store.users.get(message.chat_id)
        language = self._catalogue.pick_language(record.language if record else None, None)
        text = self._catalogue.text(language, message.text_key, **message.params)
        self._last_sent_to[message.chat_id] = time.monotonic()
        try:
            sent = await bot.send_message(message.chat_id, text)
        except RetryAfter as error:
            seconds = _seconds(error.retry_after)
            self._paused_until = time.monotonic() + seconds
            await outbox.postpone(message.id, utc_now() + timedelta(seconds=seconds), "retry_after")
            logger.warning("outbox_paused outbox_id=%d seconds=%.0f", message.id, seconds)
            return False
        except Forbidden:
            await outbox.mark_final(message.id, "blocked", "forbidden")
            await self._store.users.mark_blocked(message.chat_id)
            logger.info("outbox_blocked outbox_id=%d chat_id=%d", message.id, message.chat_id)
            return False
        except BadRequest as error:
            await outbox.mark_final(message.id, "failed", type(error).__name__)
            logger.warning("outbox_refused outbox_id=%d chat_id=%d", message.id, message.chat_id)
            return False
        except NetworkError as error:
            if message.attempts + 1 >= MAX_ATTEMPTS:
                await outbox.mark_final(message.id, "failed", type(error).__name__)
                logger.error("outbox_gave_up outbox_id=%d", message.id)
            else:
                backoff = timedelta(seconds=min(2 ** (message.attempts + 1), 300))
                await outbox.postpone(message.id, utc_now() + backoff, type(error).__name__)
                logger.warning("outbox_retry outbox_id=%d attempt=%d", message.id, message.attempts + 1)
            return False
        await outbox.mark_sent(message.id, sent.message_id)
        logger.info("outbox_sent outbox_id=%d chat_id=%d", message.id, message.chat_id)
        return True

    def _forget_old_chats(self) -> None:
        cutoff = time.monotonic() - PER_CHAT_SPACING_SECONDS
        for chat_id in [chat for chat, at in self._last_sent_to.items() if at < cutoff]:
            del self._last_sent_to[chat_id]


def _seconds(retry_after: float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
