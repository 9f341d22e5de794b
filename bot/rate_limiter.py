"""One rate limiter for every call Makker makes to Telegram: conversation replies and outbox sends alike.

Telegram allows a bot about 30 messages a second overall, one a second to a private chat for messages the
bot starts, and 20 a minute to a group; beyond that it answers 429 with a retry_after. PTB passes every
call except getUpdates through the ExtBot's rate limiter, so one object sees them all.

Telegram counts a call when it *arrives*, and a call may arrive any time between the moment the limiter lets
it go and the moment its answer is back: the event loop, the kernel or the network can hold it up, so calls
let go evenly can arrive bunched. What the limiter knows for certain is that order: let go <= arrived <=
answered. So each hard limit keeps a call's place in its window from the moment it is let go until a window's
length after its answer came back (or it failed). Then any calls that could possibly share one of Telegram's
windows held their places at the same instant, and the limiter never let more go: the limit holds however
late each call arrives (see `_HeldWindow`). The price is one round trip per call: a window of N calls a
second lets through at most N / (1 s + round trip) on average.

- a pace (OUTBOX_RATE_PER_SECOND, default 25) for calls that send or edit a message: they start evenly
  spaced, 1/25 s apart and 3% more; replies a person waits for go before outbox sends that wait for the same
  pace;
- a hard global window (TELEGRAM_GLOBAL_LIMIT, default 30, Telegram's limit; a pace set higher raises it):
  never more of those calls than that whose arrival could fall in one second (the pace keeps a broadcast at
  about 26 of 30, so the window only holds calls back when arrivals could bunch). Calls that deliver no
  message (answering a button press, getMe, the command menu) are neither paced nor held: Telegram's limits
  are on messages, and a restart that answers a hundred stale buttons must not hold back the replies;
- one outbox send a second per private chat (outbox sends say so with rate_limit_args, see OUTBOX_SEND),
  held the same way: an outbox send waits until no send to that chat is under way and the last one was
  answered more than a second ago, replies included; a reply inside a conversation is never slowed down;
- 20 calls a minute per group or channel, held the same way;
- a 429 pauses *every* call for its retry_after, and the call that met it is tried again after the pause,
  so a reply is delayed, never dropped (an outbox send up to `max_retries` times: the outbox retries its rows);
- a reply that meets a 5xx or a lost connection is tried again up to `max_retries` times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.shutdown import StoppingTimedOut

logger = logging.getLogger(__name__)

RateLimitArgs = dict[str, Any]
# What the outbox passes as rate_limit_args: the per-chat spacing applies to it.
OUTBOX_SEND: RateLimitArgs = {"outbox": True}

TELEGRAM_GLOBAL_LIMIT = 30  # calls a second Telegram lets a bot make
PACE_MARGIN = 1.03  # the pace is this much under the budget, so that it never catches up with itself in a burst
WINDOW_SLACK = 0.01  # a hundredth of a second added to every held window: the two clocks need not agree exactly
GLOBAL_WINDOW_SECONDS = 1.0 + WINDOW_SLACK
PER_CHAT_SECONDS = 1.0 + WINDOW_SLACK
GROUP_WINDOW_SECONDS = 60.0 + WINDOW_SLACK
GROUP_LIMIT = 20
CHATS_KEPT = 10_000  # private chats remembered before those answered more than a second ago are forgotten

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


class _HeldWindow:
    """At most `limit` calls that could arrive within one `period`, however late each one is on the way.

    A call holds a place from `start` until `period` after `finish`. Why that is enough: a call arrives at
    some moment a with start <= a <= finish, and two calls share one of the server's windows when their
    arrivals are less than `period` apart. Take any calls that share a window and the one among them started
    last, at s. Every other one started no later than s and arrived after (its own arrival) - period >
    s - period, so it finished after s - period: at s each of them still held its place. The limiter lets a
    call start only while fewer than `limit` places are held, so at most `limit` calls share any window.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.under_way = 0
        self.finished: deque[float] = deque()  # when calls finished, oldest first

    def held(self, now: float) -> int:
        while self.finished and self.finished[0] + self.period <= now:
            self.finished.popleft()
        return self.under_way + len(self.finished)

    def wait_needed(self, now: float) -> float:
        """0 when a call may start now; else how long until a place frees, inf while only calls under way
        hold them (the next to finish frees one)."""
        excess = self.held(now) - self.limit  # places to free, less one
        if excess < 0:
            return 0.0
        if excess < len(self.finished):
            return self.finished[excess] + self.period - now
        return float("inf")

    def start(self) -> None:
        self.under_way += 1

    def finish(self, now: float) -> None:
        self.under_way -= 1
        self.finished.append(now)

    def idle(self, now: float) -> bool:
        return self.held(now) == 0


class _ChatSends:
    """Sends to one private chat: how many are under way and when the last one was answered."""

    __slots__ = ("last_finished", "under_way")

    def __init__(self) -> None:
        self.under_way = 0
        self.last_finished = float("-inf")


class MakkerRateLimiter(BaseRateLimiter[RateLimitArgs]):
    def __init__(
        self,
        per_second: int = 25,
        *,
        global_limit: int = TELEGRAM_GLOBAL_LIMIT,
        max_retries: int = 5,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`clock` and `sleep` are the event loop's (time.monotonic, asyncio.sleep); tests pass a clock of their
        own. A pace above `global_limit` raises the window with it (benchmarks of the bookkeeping)."""
        self._spacing = PACE_MARGIN / per_second
        self._next_start = float("-inf")
        self._global = _HeldWindow(max(global_limit, per_second), GLOBAL_WINDOW_SECONDS)
        self._max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._paused_until = float("-inf")
        self._chats: dict[int | str, _ChatSends] = {}
        self._forget_above = CHATS_KEPT
        self._groups: dict[int | str, _HeldWindow] = {}
        self._replies_waiting = 0
        self._stop_deadline: float | None = None
        self._freed = asyncio.Event()  # set (and replaced) whenever a call finishes
        self.pauses = 0  # 429s met so far: tests and benchmarks read it
        self.window_full = 0  # times a call ready to go found the global window full: benchmarks read it

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
        return max(0.0, self._paused_until - self._clock())

    @property
    def global_limit(self) -> int:
        """Calls that may arrive within one second, however late each one is on the way."""
        return self._global.limit

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
        to_chat = chat_id if _is_private(chat_id) and _sends_to_a_chat(endpoint) else None
        retries = 0
        while True:
            group = None
            if counted:
                group = await self._acquire(chat_id, to_chat, outbox=outbox)
            else:
                await self._wait_out_pause()
            backoff = 0.0
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
                backoff = 0.25 * retries
            finally:
                if counted:
                    self._finish(to_chat, group)
            if backoff:  # after the places were given back: a call that is not under way holds nothing
                await self._sleep(min(backoff, self._give_up_if_stopping(self._clock())))

    async def _wait_out_pause(self) -> None:
        """Calls that deliver no message (answering a button, the command menu) are neither paced nor held in
        the windows (Telegram's limits are on messages: a restart that answers a hundred stale buttons must
        not hold back the replies behind them), but they still wait while a 429 pauses everything."""
        now = self._clock()
        wait = self._paused_until - now
        if wait > 0:
            await self._sleep(min(wait, self._give_up_if_stopping(now)))  # a later 429 is the next call's

    def _pause(self, seconds: float) -> None:
        self.pauses += 1
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def _acquire(self, chat_id: Any, to_chat: int | str | None, *, outbox: bool) -> _HeldWindow | None:
        """Wait until the call fits every limit, then take its places; returns the group window it holds."""
        if not outbox:
            self._replies_waiting += 1
        try:
            while True:
                now = self._clock()
                wait = self._wait_needed(chat_id, to_chat, now, outbox=outbox)
                if wait <= 0:
                    return self._start(chat_id, to_chat, now)
                if self._stop_deadline is not None and now + wait >= self._stop_deadline:
                    raise StoppingTimedOut("Makker is stopping: the call to Telegram was given up")
                if wait == float("inf"):
                    await self._freed.wait()  # only calls under way hold the places: the next to finish frees one
                else:
                    await self._sleep(wait)
        finally:
            if not outbox:
                self._replies_waiting -= 1

    def _wait_needed(self, chat_id: Any, to_chat: int | str | None, now: float, *, outbox: bool) -> float:
        """0 when the call may start now, else how long to wait before asking again (inf: until a call finishes)."""
        wait = self._paused_until - now
        if wait > 0:
            return wait
        if outbox and to_chat is not None:
            wait = self._chat_wait(to_chat, now)
            if wait > 0:
                return wait
        if outbox and self._replies_waiting:
            return 0.005  # a reply waits for the same budget: it goes first
        group = self._groups.get(chat_id) if chat_id is not None and not _is_private(chat_id) else None
        if group is not None:
            wait = group.wait_needed(now)
            if wait > 0:
                return wait
        wait = self._next_start - now
        if wait > 0:
            return wait
        wait = self._global.wait_needed(now)
        if wait > 0:
            self.window_full += 1
        return wait

    def _chat_wait(self, chat_id: int | str, now: float) -> float:
        sends = self._chats.get(chat_id)
        if sends is None:
            return 0.0
        if sends.under_way:
            return float("inf")
        return sends.last_finished + PER_CHAT_SECONDS - now

    def _start(self, chat_id: Any, to_chat: int | str | None, now: float) -> _HeldWindow | None:
        self._global.start()
        if to_chat is not None:
            sends = self._chats.get(to_chat)
            if sends is None:
                if len(self._chats) >= self._forget_above:
                    self._forget_chats(now)
                sends = self._chats[to_chat] = _ChatSends()
            sends.under_way += 1
        # A call that woke a little late keeps the schedule (no drift), but never by more than an eighth of
        # the spacing, which the margin absorbs.
        self._next_start = max(now - self._spacing / 8, self._next_start) + self._spacing
        if chat_id is None or _is_private(chat_id):
            return None
        group = self._groups.get(chat_id)
        if group is None:
            group = self._groups[chat_id] = _HeldWindow(GROUP_LIMIT, GROUP_WINDOW_SECONDS)
        group.start()
        return group

    def _finish(self, to_chat: int | str | None, group: _HeldWindow | None) -> None:
        """The call was answered or given up: from now on its places free after their windows."""
        now = self._clock()
        self._global.finish(now)
        if to_chat is not None:
            sends = self._chats.get(to_chat)
            if sends is not None:
                sends.under_way -= 1
                sends.last_finished = now
        if group is not None:
            group.finish(now)
        self._freed.set()
        self._freed = asyncio.Event()

    def _forget_chats(self, now: float) -> None:
        """Chats with nothing under way and no send answered within a second no longer hold anything back.
        The next clean-up waits until the dict has doubled, so a flood of fresh chats costs O(1) a call."""
        for chat, sends in list(self._chats.items()):
            if not sends.under_way and sends.last_finished + PER_CHAT_SECONDS <= now:
                del self._chats[chat]
        for group, window in list(self._groups.items()):
            if window.idle(now):
                del self._groups[group]
        self._forget_above = max(CHATS_KEPT, 2 * len(self._chats))


def _delivers_a_message(endpoint: str) -> bool:
    """Telegram's limits count the messages a bot sends and edits; answering a button press, getMe or the
    command menu is not a message to anyone."""
    return endpoint.startswith(("send", "copy", "forward", "edit"))


def _sends_to_a_chat(endpoint: str) -> bool:
    """A new message in the chat, which Telegram's one-a-second-per-chat counts (an edit or a chat action
    is not a new message)."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint != "sendChatAction"


def _is_private(chat_id: Any) -> bool:
    """Private chats have positive ids; groups and channels negative ones or an @name."""
    if isinstance(chat_id, int):
        return chat_id > 0
    if isinstance(chat_id, str):
        return chat_id.lstrip("-").isdigit() and not chat_id.startswith("-")
    return False


def _seconds(retry_after: float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
