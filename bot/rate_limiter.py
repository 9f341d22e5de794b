"""One rate limiter for every call Makker makes to Telegram: conversation replies and outbox sends alike.

Telegram allows a bot about 30 messages a second overall, one a second to a private chat for messages the
bot starts, and 20 a minute to a group; beyond that it answers 429 with a retry_after. PTB passes every
call except getUpdates through the ExtBot's rate limiter, so one object sees them all:

- a global budget (OUTBOX_RATE_PER_SECOND, default 25) for calls that send or edit a message (answering a
  button press is not counted): they start evenly spaced, 1/25 s apart and 4% more,
  so that Telegram's one-second windows never see more even when some calls are a little late on the way;
  replies a person waits for go before outbox sends that wait for the same budget;
- one outbox send a second per private chat (outbox sends say so with rate_limit_args, see OUTBOX_SEND);
  a reply inside a conversation is not slowed down by it;
- 20 calls a minute per group or channel;
- a 429 pauses *every* call for its retry_after, and the call that met it is tried again after the pause,
  so a reply is delayed, never dropped (an outbox send up to `max_retries` times: the outbox retries its rows);
- a reply that meets a 5xx or a lost connection is tried again up to `max_retries` times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.shutdown import StoppingTimedOut

logger = logging.getLogger(__name__)

RateLimitArgs = dict[str, Any]
# What the outbox passes as rate_limit_args: the per-chat spacing applies to it.
OUTBOX_SEND: RateLimitArgs = {"outbox": True}

SPACING_MARGIN = 1.04  # a little over Telegram's second per budget, so that jitter on the way does not break its count
PER_CHAT_SECONDS = 1.05
GROUP_WINDOW_SECONDS = 61.0
GROUP_LIMIT = 20


class _Window:
    """At most `limit` starts in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.starts: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.starts and self.starts[0] <= now - self.period:
            self.starts.popleft()
        if len(self.starts) < self.limit:
            return 0.0
        return self.starts[0] + self.period - now

    def take(self, now: float) -> None:
        self.starts.append(now)


class MakkerRateLimiter(BaseRateLimiter[RateLimitArgs]):
    def __init__(self, per_second: int = 25, *, max_retries: int = 5) -> None:
        self._spacing = SPACING_MARGIN / per_second
        self._next_start = 0.0
        self._max_retries = max_retries
        self._paused_until = 0.0
        self._last_outbox_send: dict[int, float] = {}
        self._groups: dict[int | str, _Window] = {}
        self._replies_waiting = 0
        self._stop_deadline: float | None = None
        self.pauses = 0  # 429s met so far: tests and benchmarks read it

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def stop_by(self, deadline: float) -> None:
        """Makker is stopping (bot/shutdown.py): a call that cannot start before `deadline` (time.monotonic) is
        given up at once instead of waiting its turn, since the request would refuse it anyway. Without this,
        hundreds of replies queued for the budget were given up one spacing apart, and a stop took 10 s."""
        self._stop_deadline = deadline

    def _give_up_if_stopping(self, now: float) -> float:
        """How long a wait may last before the stop deadline; raises once it has passed."""
        if self._stop_deadline is None:
            return float("inf")
        if now >= self._stop_deadline:
            raise StoppingTimedOut("Makker is stopping: the call to Telegram was given up")
        return self._stop_deadline - now

    @property
    def paused_for(self) -> float:
        """Seconds left of the current 429 pause (0 when none)."""
        return max(0.0, self._paused_until - time.monotonic())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        outbox = bool(rate_limit_args and rate_limit_args.get("outbox"))
        chat_id = data.get("chat_id")
        counted = _delivers_a_message(endpoint)
        retries = 0
        while True:
            if counted:
                await self._acquire(chat_id, outbox)
            else:
                await self._wait_out_pause()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = _seconds(error.retry_after)
                self._pause(seconds)
                logger.warning("telegram_429 endpoint=%s retry_after=%.0f retry=%d", endpoint, seconds, retries)
                # The outbox keeps its own rows and retries; a reply in a conversation is tried until it goes
                # out or Makker stops (then its update stays in the inbox), so a person's state never moves
                # past what they were shown.
                if outbox and retries >= self._max_retries:
                    raise
                retries += 1
            except NetworkError as error:
                # Telegram's 5xx and lost connections (not BadRequest, Forbidden or a timeout, whose request
                # may have arrived): a reply is tried again a few times, a quarter of a second apart and more.
                if outbox or type(error) is not NetworkError or retries >= self._max_retries:
                    raise
                retries += 1
                logger.warning("telegram_unavailable endpoint=%s retry=%d", endpoint, retries)
                await asyncio.sleep(min(0.25 * retries, self._give_up_if_stopping(time.monotonic())))

    async def _wait_out_pause(self) -> None:
        """Calls that deliver no message (answering a button, the command menu) are not counted, but they
        still wait while a 429 pauses everything."""
        now = time.monotonic()
        wait = self._paused_until - now
        if wait > 0:
            await asyncio.sleep(min(wait, self._give_up_if_stopping(now)))  # a later 429 is the next call's

    def _pause(self, seconds: float) -> None:
        self.pauses += 1
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def _acquire(self, chat_id: Any, outbox: bool) -> None:
        """Wait until the call fits every limit, then count it."""
        if not outbox:
            self._replies_waiting += 1
        try:
            while True:
                now = time.monotonic()
                wait = self._paused_until - now
                if wait <= 0 and outbox:
                    wait = self._per_chat_wait(chat_id, now)
                    if wait <= 0 and self._replies_waiting:
                        wait = 0.005  # a reply waits for the same budget: it goes first
                if wait <= 0:
                    wait = self._group_wait(chat_id, now)
                if wait <= 0:
                    wait = self._next_start - now
                if wait <= 0:
                    self._take(chat_id, outbox, now)
                    return
                if self._stop_deadline is not None and now + wait >= self._stop_deadline:
                    raise StoppingTimedOut("Makker is stopping: the call to Telegram was given up")
                await asyncio.sleep(wait)
        finally:
            if not outbox:
                self._replies_waiting -= 1

    def _per_chat_wait(self, chat_id: Any, now: float) -> float:
        if not _is_private(chat_id):
            return 0.0
        last = self._last_outbox_send.get(chat_id)
        return 0.0 if last is None else last + PER_CHAT_SECONDS - now

    def _group_wait(self, chat_id: Any, now: float) -> float:
        if chat_id is None or _is_private(chat_id):
            return 0.0
        window = self._groups.get(chat_id)
        return 0.0 if window is None else window.wait_needed(now)

    def _take(self, chat_id: Any, outbox: bool, now: float) -> None:
        # A call that woke a little late keeps the schedule (no drift), but never by more than
        # an eighth of the spacing, which the margin absorbs: Telegram's second still sees at most the budget.
        self._next_start = max(now - self._spacing / 8, self._next_start) + self._spacing
        if chat_id is None:
            return
        if _is_private(chat_id):
            if outbox:
                self._last_outbox_send[chat_id] = now
                if len(self._last_outbox_send) > 10_000:
                    self._forget_chats(now)
        else:
            self._groups.setdefault(chat_id, _Window(GROUP_LIMIT, GROUP_WINDOW_SECONDS)).take(now)

    def _forget_chats(self, now: float) -> None:
        for chat, at in list(self._last_outbox_send.items()):
            if at < now - PER_CHAT_SECONDS:
                del self._last_outbox_send[chat]
        for group, window in list(self._groups.items()):
            if window.wait_needed(now) <= 0 and not window.starts:
                del self._groups[group]


def _delivers_a_message(endpoint: str) -> bool:
    """Telegram's limits count the messages a bot sends and edits; answering a button press, getMe or the
    command menu is not a message to anyone."""
    return endpoint.startswith(("send", "copy", "forward", "edit"))


def _is_private(chat_id: Any) -> bool:
    """Private chats have positive ids; groups and channels negative ones or an @name."""
    if isinstance(chat_id, int):
        return chat_id > 0
    if isinstance(chat_id, str):
        return chat_id.lstrip("-").isdigit() and not chat_id.startswith("-")
    return False


def _seconds(retry_after: float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
