"""The one dispatcher for everything Makker sends on its own initiative.

States of a row (bot/store/outbox.py, migrations/0004_outbox.sql):

    pending -> sending -> sent (with Telegram's message id)
                       -> failed (it can never succeed: bad request, missing catalogue key, unknown kind,
                                  or a retryable error MAX_ATTEMPTS times)
                       -> blocked (the person blocked Makker: all their rows still to send end so)
            -> expired (not_after passed before it could go: an offer that is no longer true is not sent late)
    sending at a crash -> unknown or pending again, chosen per row by `on_unknown`:
        'resend' (the default for conversation rows and check-ins: offers, relayed messages): sent again, at
            least once; the receiving side's effects are idempotent and a duplicate beats a lost message;
        'report' (the default for broadcasts): stays 'unknown', at most once, and group_report lists it for
            the coordinator, who can decide to send again.
    A send that timed out is treated the same way: Telegram may have it.

Dispatch: each tick claims the due head of every chat's queue (one row per chat in flight, so a chat's
order holds, also across retries) up to about two seconds of the global budget, and sends them
concurrently. The rate limiter (bot/rate_limiter.py) paces every call; a tick never waits for sends,
so it never overruns its interval. One chat's backlog never delays another chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.clock import utc_now
from bot.i18n import Catalogue
from bot.rate_limiter import OUTBOX_SEND
from bot.store import Store
from bot.store.outbox import Kind, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 300
SECONDS_CLAIMED_AHEAD = 2  # a tick claims up to this many seconds of the global budget


Render = Callable[[str, str, Mapping[str, Any]], str]  # (language, key, params) -> text


class Unsendable(Exception):
    """The row can never be sent as it is (unknown kind, missing catalogue key or parameter)."""


class OutboxDispatcher:
    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        *,
        per_second: float = 25,
        max_attempts: int = MAX_ATTEMPTS,
        render: Render | None = None,
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        # Peers' notices carry codes (an offer's summary, conversation numbers) that bot/peer_texts.py turns into
        # words; the plain catalogue does for everything else.
        self._text: Render = render or (lambda language, key, params: catalogue.text(language, key, **params))
        self._capacity = max(1, int(per_second * SECONDS_CLAIMED_AHEAD))
        self._max_attempts = max_attempts
        self._in_flight: set[asyncio.Task[bool]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def tick(self, bot: Bot) -> int:
        """Claim what is due and start sending it; returns how many sends were started."""
        room = self._capacity - len(self._in_flight)
        if room <= 0:
            return 0
        messages = await self._store.outbox.claim(utc_now(), room)
        for message in messages:
            task = asyncio.create_task(self._deliver(bot, message), name=f"outbox:{message.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(messages)

    async def drain(self, seconds: float | None = None) -> None:
        """Wait for the sends under way (at shutdown). After `seconds` the rest are cancelled: their rows stay
        'sending' and are settled at the next start like after a crash."""
        if self._in_flight:
            _, unfinished = await asyncio.wait(set(self._in_flight), timeout=seconds)
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.wait(unfinished)
                logger.warning("outbox_stopped_mid_send rows=%d", len(unfinished))

    async def dispatch_due(self, bot: Bot) -> int:
        """One tick, waiting for its sends; returns how many were sent. For tests and tools."""
        tasks = set(self._in_flight)
        await self.tick(bot)
        started = set(self._in_flight) - tasks
        if not started:
            return 0
        return sum(await asyncio.gather(*started))

    async def _deliver(self, bot: Bot, message: OutboxMessage) -> bool:
        """Send one row and record what became of it; True when it was sent."""
        outbox = self._store.outbox
        try:
            if message.blocked:
                await outbox.end_for_blocked(message.chat_id)
                return False
            if message.not_after is not None and utc_now() > message.not_after:
                await outbox.mark_final(message.id, "expired", "not_after")
                logger.info("outbox_expired outbox_id=%d", message.id)
                return False
            try:
                endpoint, payload = self._render(message)
            except Unsendable as error:
                await outbox.mark_final(message.id, "failed", f"unsendable:{error}")
                logger.error("outbox_unsendable outbox_id=%d reason=%s", message.id, error)
                return False
            result = await bot.do_api_request(endpoint, payload, rate_limit_args=OUTBOX_SEND)  # type: ignore[call-arg]
        except RetryAfter as error:  # the limiter paused everyone and retried already
            await outbox.retry_later(message.id, utc_now() + _as_delta(error.retry_after), "retry_after")
            return False
        except Forbidden:
            await self._store.users.mark_blocked(message.chat_id)
            ended = await outbox.end_for_blocked(message.chat_id)
            logger.info("outbox_blocked chat_id=%d rows=%d", message.chat_id, ended)
            return False
        except BadRequest as error:  # before NetworkError: PTB's BadRequest is one
            await outbox.mark_final(message.id, "failed", f"BadRequest:{error.message[:80]}")
            logger.warning("outbox_refused outbox_id=%d", message.id)
            return False
        except NetworkError as error:
            await self._retry_or_give_up(message, error)
            return False
        except Exception as error:  # a bug or an error Telegram never repeats differently: fail this row only
            await outbox.mark_final(message.id, "failed", type(error).__name__)
            logger.exception("outbox_failed outbox_id=%d", message.id)
            return False
        message_id = result.get("message_id") if isinstance(result, dict) else None
        await outbox.mark_sent(message.id, message_id)
        logger.debug("outbox_sent outbox_id=%d", message.id)
        return True

    async def _retry_or_give_up(self, message: OutboxMessage, error: NetworkError) -> None:
        outbox = self._store.outbox
        reason = type(error).__name__
        if isinstance(error, TimedOut) and message.on_unknown == "report":
            await outbox.mark_final(message.id, "unknown", reason)  # Telegram may have it: at most once
            logger.warning("outbox_unknown outbox_id=%d", message.id)
        elif message.attempts >= self._max_attempts:
            await outbox.mark_final(message.id, "failed", reason)
            logger.error("outbox_gave_up outbox_id=%d attempts=%d", message.id, message.attempts)
        else:
            backoff = timedelta(seconds=min(2**message.attempts, MAX_BACKOFF_SECONDS))
            await outbox.retry_later(message.id, utc_now() + backoff, reason)
            logger.warning("outbox_retry outbox_id=%d attempt=%d", message.id, message.attempts)

    def _render(self, message: OutboxMessage) -> tuple[str, dict[str, Any]]:
        """The Bot API method and its parameters, in the recipient's language."""
        language = self._catalogue.pick_language(message.language, message.client_language)
        payload: dict[str, Any] = {"chat_id": message.chat_id}
        try:
            if message.keyboard:
                payload["reply_markup"] = {"inline_keyboard": self._labelled(message.keyboard, language)}
            text = self._text(language, message.text_key, message.params) if message.text_key else None
        except (KeyError, IndexError, ValueError, AssertionError) as error:
            raise Unsendable(f"text:{type(error).__name__}") from None
        if message.kind == Kind.TEXT:
            if text is None:
                raise Unsendable("text:no_key")
            return "sendMessage", payload | {"text": text}
        if message.kind == Kind.COPY:
            if message.from_chat_id is None or message.source_message_id is None:
                raise Unsendable("copy:no_source")
            return "copyMessage", payload | {
                "from_chat_id": message.from_chat_id,
                "message_id": message.source_message_id,
            }
        if message.kind in (Kind.DOCUMENT, Kind.PHOTO):
            if not message.file_id:
                raise Unsendable("file:no_file_id")
            caption = {"caption": text} if text is not None else {}
            field = str(message.kind)
            method = "sendDocument" if message.kind == Kind.DOCUMENT else "sendPhoto"
            return method, payload | {field: message.file_id} | caption
        raise Unsendable(f"kind:{message.kind}")

    def _labelled(self, keyboard: list[list[dict[str, Any]]], language: str) -> list[list[dict[str, Any]]]:
        """A button stored with a catalogue key as its label gets the label in the recipient's language."""
        return [
            [
                {k: v for k, v in button.items() if k != "text_key"}
                | ({"text": self._catalogue.text(language, button["text_key"])} if "text_key" in button else {})
                for button in row
            ]
            for row in keyboard
        ]


def _as_delta(retry_after: float | timedelta) -> timedelta:
    return retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=float(retry_after))
