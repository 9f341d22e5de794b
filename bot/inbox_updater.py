"""Makker's own getUpdates loop and webhook server, in place of PTB's Updater's.

PTB's Updater confirms updates (the next offset) before they are handled, and stops for good at an
update it cannot parse. Here the raw JSON of each batch goes to the inbox (bot/inbox.py) first, and
only then is the next offset asked for, or the webhook answered 200; parsing happens after storing,
so an unreadable update is set aside alone. Crisis first aid (handlers/first_aid.py) looks at every
raw update as it arrives, before and independently of the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import InvalidToken, TelegramError, TimedOut
from telegram.ext import Updater
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.shutdown import StoppingTimedOut

if TYPE_CHECKING:
    from bot.inbox import Inbox
    from handlers.first_aid import CrisisFirstAid

logger = logging.getLogger(__name__)
# Bot.get_updates parses what it fetches, and an update it cannot parse would stop the loop before it is
# stored; so the raw JSON is asked for with do_api_request, about which PTB warns.
warnings.filterwarnings("ignore", message=r".*Bot\.getUpdates.*", module=__name__)

BATCH_LIMIT = 100
# While a batch is being stored (a locked database can take seconds), Telegram is asked again with the
# old offset this often, so that crisis messages that arrive meanwhile are still answered at once.
PEEK_INTERVAL = 0.25
MAX_BACKOFF = 30.0
# How long a batch may wait for a database that refuses to store it before it is handed over unstored: its
# handlers then meet the same fault and tell each person honestly that nothing was saved.
UNSTORED_AFTER_SECONDS = 5.0


def _value(argument: Any) -> Any:
    """PTB passes its DefaultValue wrappers for arguments left out."""
    return getattr(argument, "value", argument)


class InboxUpdater(Updater):
    """Wired in post_init: `inbox` and `first_aid` exist only once the database is open."""

    def __init__(self, bot: Bot, update_queue: asyncio.Queue[object]) -> None:
        super().__init__(bot, update_queue)
        self.inbox: Inbox | None = None
        self.first_aid: CrisisFirstAid | None = None
        self._task: asyncio.Task[None] | None = None
        self._storing: asyncio.Task[int] | None = None
        self._server: Any = None

    # ---------------------------------------------------------------------------------- polling

    async def start_polling(  # type: ignore[override]
        self,
        poll_interval: float = 0.0,
        timeout: float | timedelta = 10,  # noqa: ASYNC109 - PTB's Updater signature
        bootstrap_retries: int = 0,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        error_callback: Any = None,
    ) -> asyncio.Queue[object]:
        if self.running:
            raise RuntimeError("already running")
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(_value(timeout))
        try:
            await self.bot.delete_webhook()
        except TelegramError as error:
            logger.warning("delete_webhook_failed error=%s", type(error).__name__)
        await self._inbox().replay()
        self._running = True
        self._task = asyncio.get_running_loop().create_task(
            self._poll(seconds, list(allowed_updates) if allowed_updates else None), name="inbox:polling"
        )
        return self.update_queue

    async def _poll(self, long_poll: float, allowed_updates: list[str] | None) -> None:
        offset: int | None = None
        storing: asyncio.Task[int] | None = None
        batch: list[dict[str, Any]] = []
        batch_since = 0.0
        backoff = 0.0
        while self.running:
            wait = 0.0 if storing is not None else long_poll
            arguments: dict[str, Any] = {"timeout": wait, "limit": BATCH_LIMIT}
            if offset is not None:
                arguments["offset"] = offset
            if allowed_updates is not None:
                arguments["allowed_updates"] = allowed_updates
            try:
                raw = await self.bot.do_api_request("getUpdates", api_kwargs=arguments, read_timeout=wait + 10)
                backoff = 0.0
            except StoppingTimedOut:
                return  # Makker is stopping: every further call would be refused at once
            except TimedOut:
                continue
            except InvalidToken:
                logger.critical("polling_stopped error=InvalidToken")
                return
            except TelegramError as error:
                backoff = min(MAX_BACKOFF, backoff * 2 or 1.0)
                logger.warning("get_updates_failed error=%s retry_in=%.0fs", type(error).__name__, backoff)
                await asyncio.sleep(backoff)
                continue
            updates = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
            self._first_aid(updates)
            if storing is None and updates:
                if not batch:
                    batch_since = time.monotonic()
                batch = updates
                storing = asyncio.get_running_loop().create_task(self._inbox().accept(updates), name="inbox:store")
                self._storing = storing
            if storing is None:
                continue
            await asyncio.wait({storing}, timeout=PEEK_INTERVAL)
            if not storing.done():
                continue  # still storing: ask again with the same offset, for first aid only
            try:
                newest = storing.result()
            except Exception as error:  # the database refused: nothing was stored, ask for the same batch again
                logger.warning("inbox_store_failed error=%s", type(error).__name__)
                if time.monotonic() - batch_since < UNSTORED_AFTER_SECONDS:
                    await asyncio.sleep(0.5)
                else:  # nobody may wait without an answer for as long as the database is down
                    newest = await self._inbox().hand_over_unstored(batch)
                    offset = newest + 1 if newest else offset
                    batch = []
            else:
                batch = []
                if newest:
                    offset = newest + 1
            storing = None

    # ---------------------------------------------------------------------------------- webhook

    async def start_webhook(  # type: ignore[override]
        self,
        listen: Any = "127.0.0.1",
        port: Any = 80,
        url_path: str = "",
        cert: Any = None,
        key: Any = None,
        bootstrap_retries: int = 0,
        webhook_url: str | None = None,
        allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: Any = None,
    ) -> asyncio.Queue[object]:
        if self.running:
            raise RuntimeError("already running")
        await self._inbox().replay()
        routes = [(rf"/?{url_path.strip('/')}/?", _WebhookHandler, {"updater": self, "secret": secret_token})]
        self._server = HTTPServer(WebApplication(routes))  # type: ignore[arg-type]
        self._server.listen(int(_value(port)), address=str(_value(listen)))
        self._running = True
        if webhook_url:
            await self.bot.set_webhook(
                url=webhook_url,
                allowed_updates=allowed_updates,
                secret_token=secret_token,
                max_connections=max_connections,
            )
        return self.update_queue

    async def receive_one(self, raw: dict[str, Any]) -> None:
        """A webhook delivery: first aid, then stored; raises when it could not be stored."""
        self._first_aid([raw])
        await self._inbox().accept([raw])

    # ---------------------------------------------------------------------------------- stopping

    async def stop(self) -> None:
        """Stop fetching; updates not yet started stay in the inbox for the next start."""
        if not self.running:
            raise RuntimeError("not running")
        self._running = False
        # Nothing more goes to the Application: PTB's stop waits until every update in its queue was taken, and
        # one put there after its stop mark (a batch whose storing ended late, a webhook delivery under way) is
        # never taken, so the stop waited forever. What is stored stays in the inbox for the next start.
        self._inbox().stop_handing_over()
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._storing is not None:  # not told to Telegram: stored or not, the update comes again or is replayed
            self._storing.cancel()
            await asyncio.wait({self._storing})
            if not self._storing.cancelled():
                self._storing.exception()  # seen: a database fault here is the next start's to meet
            self._storing = None
        left = 0
        while not self.update_queue.empty():
            self.update_queue.get_nowait()
            self.update_queue.task_done()
            left += 1
        if left:
            logger.info("inbox_left_for_next_start count=%d", left)

    def _inbox(self) -> Inbox:
        if self.inbox is None:
            raise RuntimeError("the inbox is wired in post_init")
        return self.inbox

    def _first_aid(self, updates: list[dict[str, Any]]) -> None:
        if self.first_aid is not None:
            for raw in updates:
                self.first_aid.check(raw)


class _WebhookHandler(RequestHandler):
    """Answers 200 only once the update is stored; Telegram retries anything else."""

    def initialize(self, updater: InboxUpdater, secret: str | None) -> None:
        self.updater = updater
        self.secret = secret

    async def post(self) -> None:
        if self.secret and self.request.headers.get("X-Telegram-Bot-Api-Secret-Token") != self.secret:
            self.set_status(403)
            return
        try:
            raw = json.loads(self.request.body)
        except ValueError:
            raw = None
        if not isinstance(raw, dict):
            self.set_status(400)
            return
        try:
            await self.updater.receive_one(raw)
        except Exception as error:
            logger.warning("inbox_store_failed error=%s", type(error).__name__)
            self.set_status(503)
            return
        self.set_status(200)
