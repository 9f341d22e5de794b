"""Stopping within five seconds, whatever state the network is in.

PTB stops in order: the updater (one last getUpdates to confirm what was fetched), the updates being
handled, the running jobs, then the connections. Each call to Telegram may wait its full timeouts (5 s
by default), and a handler or the outbox may make several in a row, so with Telegram unreachable a
SIGTERM took 25 s. Here a stop signal gives every call to Telegram, in flight or still to come, a common
deadline: what has not been answered by then fails as a timeout (the update's state is saved already,
state before speech), and the rest of the shutdown runs on. Updates not yet started are left for the
restart (bot/update_processor.py), except crisis messages, which are still answered.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextvars import ContextVar
from typing import Any

from telegram.error import TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.update_processor import PerUserUpdateProcessor

logger = logging.getLogger(__name__)

# From the stop signal, how long calls to Telegram may still take: the rest of the 5 s is for the
# database and closing the connections.
CALLS_GRACE_SECONDS = 2.5
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


# Whether a call made while handling the current update (each update has its own task, so its own context) showed
# the person something: a message sent or edited, or one given up while on its way.
_SHOWN: ContextVar[bool] = ContextVar("shown_to_the_person", default=False)


class StoppingTimedOut(TimedOut):
    """A call to Telegram given up because Makker is stopping: nothing to report, nobody to blame.

    `may_have_arrived`: the request was on its way when it was given up, so Telegram may have acted on it.
    """

    def __init__(self, message: str | None = None, *, may_have_arrived: bool = False) -> None:
        super().__init__(message)
        self.may_have_arrived = may_have_arrived


def reply_may_have_arrived(error: StoppingTimedOut) -> bool:
    """For the update being handled, given up at a stop: may the person have seen a reply to it already?
    Then answering it again after the restart needs care (handlers/replay.py)."""
    return error.may_have_arrived or _SHOWN.get()


def _shows_a_message(url: str) -> bool:
    """sendMessage, editMessageText, copyMessage ...: calls the person sees (not a button's answer, not getUpdates)."""
    return url.rsplit("/", 1)[-1].startswith(("send", "copy", "forward", "edit"))


class BoundedRequest(HTTPXRequest):
    """PTB's HTTPX request with a deadline that `stop_by` sets for every call, including those under way.

    Each call runs inside asyncio.timeout_at, which costs no task and no timer until a deadline is set.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: float | None = None
        self._in_flight: set[asyncio.Timeout] = set()

    def stop_by(self, deadline: float) -> None:
        """`deadline` in the event loop's clock: calls under way and to come end by then."""
        self._deadline = deadline
        for timeout in self._in_flight:
            when = timeout.when()
            timeout.reschedule(deadline if when is None else min(when, deadline))

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._deadline is not None and asyncio.get_running_loop().time() >= self._deadline:
            raise StoppingTimedOut("Makker is stopping: the call to Telegram was not made")
        try:
            async with asyncio.timeout_at(self._deadline) as timeout:
                self._in_flight.add(timeout)
                try:
                    code, payload = await super().do_request(
                        url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
                    )
                finally:
                    self._in_flight.discard(timeout)
        except TimeoutError:
            shows = _shows_a_message(url)
            raise StoppingTimedOut(
                "Makker is stopping: the call to Telegram was given up on its way", may_have_arrived=shows
            ) from None
        if code == 200 and _shows_a_message(url):
            _SHOWN.set(True)
        return code, payload


def install_stop_signals(application: Application, requests: tuple[BaseRequest, ...]) -> None:
    """Replace PTB's handlers for SIGINT and SIGTERM with ones that first set the calls' deadline.

    Called from post_init, when the loop runs; PTB's own handlers cover a signal that comes earlier.
    """
    from bot.rate_limiter import MakkerRateLimiter  # here: the rate limiter imports StoppingTimedOut from here

    bounded = [request for request in requests if isinstance(request, BoundedRequest)]
    if not bounded:  # an offline request (tests): no network to bound, and the test runner keeps its signals
        return
    loop = asyncio.get_running_loop()

    def stop(signal_number: signal.Signals) -> None:
        logger.info("stopping signal=%s", signal_number.name)
        deadline = loop.time() + CALLS_GRACE_SECONDS
        for request in bounded:
            request.stop_by(deadline)
        limiter = getattr(application.bot, "rate_limiter", None)
        if isinstance(limiter, MakkerRateLimiter):  # loop.time() is time.monotonic(), the limiter's clock
            limiter.stop_by(deadline)
        if isinstance(application.update_processor, PerUserUpdateProcessor):
            application.update_processor.stop_starting()
        if _fully_started(application):
            application.stop_running()
        elif not starting:  # PTB would miss the stop now: it is ended once the start is complete
            starting.add(loop.create_task(_stop_once_started(application), name="stop-once-started"))

    starting: set[asyncio.Task[None]] = set()

    for signal_number in STOP_SIGNALS:
        try:
            loop.add_signal_handler(signal_number, stop, signal_number)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals on this platform
            logger.debug("stop_signal_not_installed signal=%s", signal_number.name)


def _fully_started(application: Application) -> bool:
    """PTB's start is complete: the application runs and its job queue (started last) too."""
    job_queue = application.job_queue
    return application.running and (job_queue is None or job_queue.scheduler.running)


async def _stop_once_started(application: Application) -> None:
    """A stop signal while Makker is still starting (the updater's first calls, the inbox's replay, PTB's
    start): PTB's stop_running then only sets a mark that nothing reads any more, or stops the loop under a
    coroutine that is not done, and the bot ran on forever with every call refused. So the start is let
    finish (quickly: its calls are refused now) and then ended as PTB's own signal handler ends it, which
    runs the same orderly shutdown."""
    while not _fully_started(application):  # noqa: ASYNC110 - PTB offers no event for it
        await asyncio.sleep(0.02)
    asyncio.get_running_loop().call_soon(_end_start)  # raised by a callback, not kept by this task


def _end_start() -> None:
    raise SystemExit
