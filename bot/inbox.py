"""The durable inbox: every update is in SQLite before Telegram hears it arrived, and is handled from there.

How "exactly once" is kept (tests/e2e/test_kill_anywhere.py kills the bot at random moments to prove it):

- An update is written to the `inbox` table, the whole polling batch in one transaction, before the next
  getUpdates offset (or the webhook's 200) tells Telegram it was received. A redelivered update finds its
  id there and is not handled again: the inbox is the dedup record too.
- While an update is handled, every write transaction also marks it 'applied', in the same transaction
  (bot/store/database.py, HANDLING_UPDATE). Handlers save state before they speak, so an update is either
  'pending' (none of its effects is stored) or 'applied' (its effect is stored, and its reply may or may
  not have gone out).
- After it was handled it is marked 'handled' and its content is dropped; these marks are not awaited by
  the handler: they go with the next batch's transaction, or after MARK_DELAY when no batch comes.
- At start-up the unhandled rows are handled first, in update order, so in per-person order. A 'pending'
  one is handled as if new. An 'applied' one must not be applied again: instead the person is shown
  where they are now (handlers/replay.py), which is the reply they may have missed. A handler that writes
  twice is 'applied' after its first write; the one that does (confirm: the request is saved, then matched)
  has its second step finished by that view, which matches a request that has no suggestions yet.

So a crash can repeat a reply (sent, not yet marked) but never an effect, and never loses one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update

from bot.clock import utc_now
from bot.store import Store

logger = logging.getLogger(__name__)

RawUpdate = dict[str, Any]
Enqueue = Callable[[Update], Awaitable[None]]
_REPORT_KEY = "inbox.admin.set_aside"
# How long a handled mark may wait for the next batch to carry it. A crash in that time makes the update
# replay: 'pending' ones (no writes) are answered again, 'applied' ones show the person where they are.
MARK_DELAY = 0.2


class Inbox:
    """Stores what Telegram delivers, hands it to the Application, and remembers what was handled."""

    def __init__(self, store: Store, bot: Bot, enqueue: Enqueue, admin_ids: tuple[int, ...] | list[int]) -> None:
        self._store = store
        self._bot = bot
        self._enqueue = enqueue
        self._admin_ids = list(admin_ids)
        self._replaying: set[int] = set()  # 'applied' updates handed over again after a restart
        self._handled: list[int] = []
        self._left_unhandled: set[int] = set()  # given up at a stop: left for the next start
        self._in_doubt: list[int] = []  # of those, ones whose reply the person may have seen: marked at the stop
        self._replaying_in_doubt: set[int] = set()  # such updates handed over again after a restart
        self._flusher: asyncio.Task[None] | None = None
        self._handing_over = True

    async def accept(self, raw_updates: list[RawUpdate]) -> int:
        """Store the batch, then hand over what is new. Returns the highest update id stored.

        Raises what the database raises: then nothing of the batch is stored, and the caller must not
        tell Telegram that it was received.
        """
        rows: list[tuple[int, str]] = []
        for raw in raw_updates:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int):
                rows.append((update_id, json.dumps(raw, ensure_ascii=False, separators=(",", ":"))))
        if not rows:
            return 0
        marks, self._handled = self._handled, []
        try:
            new = set(await self._store.inbox.receive(rows, marks))
        except BaseException:
            self._handled[:0] = marks
            raise
        for duplicate in sorted({update_id for update_id, _ in rows} - new):
            logger.info("duplicate_update update_id=%d", duplicate)
        for raw in raw_updates:
            if isinstance(raw, dict) and raw.get("update_id") in new:
                new.discard(raw["update_id"])  # once, even if the batch holds it twice
                await self._hand_over(raw["update_id"], raw)
        return max(update_id for update_id, _ in rows)

    async def hand_over_unstored(self, raw_updates: list[RawUpdate]) -> int:
        """The database has refused this batch for a while: hand it over all the same, so that nobody waits
        without an answer; their handlers meet the same fault and say honestly that nothing was saved. These
        updates are not in the inbox, so a crash before they are handled loses them. Returns the newest id."""
        seen: set[int] = set()
        for raw in raw_updates:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int) and update_id not in seen:
                seen.add(update_id)
                await self._hand_over(update_id, raw)
        if seen:
            logger.warning("inbox_handed_over_unstored count=%d", len(seen))
        return max(seen, default=0)

    async def replay(self) -> int:
        """Hand over what a crash left unhandled, oldest first; returns how many."""
        unhandled = await self._store.inbox.unhandled()
        for row in unhandled:
            if row.applied:
                self._replaying.add(row.update_id)
            if row.reply_in_doubt:
                self._replaying_in_doubt.add(row.update_id)
            await self._hand_over(row.update_id, json.loads(row.body or "{}"))
        if unhandled:
            logger.info("inbox_replayed count=%d applied=%d", len(unhandled), len(self._replaying))
        return len(unhandled)

    def was_applied_before_restart(self, update_id: int) -> bool:
        """True for an update whose effect was stored before a crash: it must not be applied again."""
        return update_id in self._replaying

    def leave_unhandled(self, update_id: int, *, reply_in_doubt: bool = False) -> None:
        """Its reply was given up because Makker is stopping: the update stays in the inbox, and the next
        start handles it again (or, if its effect was stored, shows the person where they are).

        `reply_in_doubt`: a reply to it went out, or was on its way when it was given up, so the person may have
        seen it; the mark is written at the stop (flush) and the next start answers with care (handlers/replay.py).
        """
        self._left_unhandled.add(update_id)
        if reply_in_doubt:
            self._in_doubt.append(update_id)

    def reply_in_doubt(self, update_id: int) -> bool:
        """True for an update left at a stop after the person may have seen a reply to it."""
        return update_id in self._replaying_in_doubt

    def handled(self, update_id: int) -> None:
        """Called once the Application is done with an update; the marks are written in batches."""
        if update_id in self._left_unhandled:
            self._left_unhandled.discard(update_id)
            return
        self._replaying.discard(update_id)
        self._replaying_in_doubt.discard(update_id)
        self._handled.append(update_id)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_later(), name="inbox:marks")

    async def flush(self) -> None:
        """Write the outstanding marks, once; at shutdown, so that nothing handled is handled again.

        If the database refuses, the updates stay unhandled in the inbox and the next start replays them.
        """
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            await asyncio.wait({self._flusher})
        await self._flush_marks(retry=False)
        if self._in_doubt:
            try:
                await self._store.inbox.mark_reply_in_doubt(self._in_doubt)
                self._in_doubt = []
            except Exception as error:  # then the next start answers them as before: maybe twice, never not
                logger.warning("inbox_doubt_marks_failed count=%d error=%s", len(self._in_doubt), type(error).__name__)

    async def _flush_later(self) -> None:
        await asyncio.sleep(MARK_DELAY)
        await self._flush_marks(retry=True)

    async def _flush_marks(self, *, retry: bool) -> None:
        while self._handled:
            batch, self._handled = self._handled, []
            try:
                await self._store.inbox.mark_handled(batch)
            except Exception as error:  # the database is locked or failing: keep them for the next try
                logger.warning("inbox_marks_failed count=%d error=%s", len(batch), type(error).__name__)
                self._handled[:0] = batch
                if not retry:
                    return
                await asyncio.sleep(1)

    def stop_handing_over(self) -> None:
        """Makker is stopping: what is stored from now on stays in the inbox for the next start."""
        self._handing_over = False

    async def _hand_over(self, update_id: int, raw: RawUpdate) -> None:
        if not self._handing_over:
            return
        try:
            update = Update.de_json(raw, self._bot)
        except Exception as error:  # anything PTB cannot read must never stop the others
            await self._set_aside(update_id, error)
            return
        await self._enqueue(update)

    async def _set_aside(self, update_id: int, error: Exception) -> None:
        """Keep the id and the reason (never the content), and tell the coordinators once an hour at most.

        Never raises: the rest of the batch is stored already and must still be handed over. If the database
        refuses now, the row stays 'pending' and the next start tries to read it again.
        """
        logger.error("update_set_aside update_id=%d error=%s", update_id, type(error).__name__)
        window = utc_now().strftime("%Y%m%d%H")
        try:
            await self._store.inbox.set_aside(update_id, f"{type(error).__name__}: {error}"[:300])
            for admin_id in self._admin_ids:
                await self._store.outbox.enqueue(
                    admin_id,
                    _REPORT_KEY,
                    {"update_id": update_id, "error": type(error).__name__},
                    dedup_key=f"update-set-aside:{admin_id}:{window}",
                )
        except Exception as failure:
            logger.warning("update_set_aside_not_saved update_id=%d error=%s", update_id, type(failure).__name__)
