"""Makker's one SQLite connection, with group commit: whatever handlers ask of the database while
one batch runs goes to the database thread together in the next batch.

Every call to aiosqlite is a hand-off to its worker thread and back. On a small server that hand-off
costs more than the SQL (bench/README.md, "Updates": 0.11-0.15 ms of CPU for a `SELECT 1` on two cores),
and a busy bot would make hundreds a second. So each piece of work is a plain function of the sqlite3 connection,
queued here; one hand-off runs the whole queue in one transaction. When a piece fails, that
transaction is rolled back and every piece runs again in a transaction of its own, so one failing
piece never takes the others with it; a piece must therefore touch nothing but the connection.
A caller's await returns only after the transaction holding its write has committed: state before
speech holds.

aiosqlite has no public call that runs a function in its thread, so `_hand_off` uses
`Connection._execute`; tests/test_database.py fails if a new aiosqlite changes that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
logger = logging.getLogger(__name__)
Work = Callable[[sqlite3.Connection], T]

# The Telegram update being handled in this task, if any (bot/update_processor.py sets it). A write made
# while handling it marks it 'applied' in the inbox in the same transaction, so that a replay after a
# crash never applies it twice (bot/inbox.py). The marks of a whole batch go in one statement: each
# statement hands the GIL to the event loop and back, so one a batch costs far less than one a write.
HANDLING_UPDATE: ContextVar[int | None] = ContextVar("handling_update", default=None)
_MARK_APPLIED = "UPDATE inbox SET state = 'applied' WHERE state = 'pending' AND update_id IN ({})"
_MARKS_PER_STATEMENT = 500  # far below SQLite's limit of bound parameters


@dataclass(frozen=True)
class Written:
    """What a single write statement did."""

    rowcount: int
    lastrowid: int | None


@dataclass
class _Queued:
    work: Work[Any]
    writes: bool
    future: asyncio.Future[Any]
    applies: int | None = None  # the update this write is the effect of: marked 'applied' with it


@dataclass
class _Outcome:
    value: Any = None
    error: Exception | None = None


class Database:
    """Queues work for the database thread; see the module docstring for why."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._queue: list[_Queued] = []
        self._runner: asyncio.Task[None] | None = None
        self.hand_offs = 0  # batches run so far: tests and benchmarks read it

    async def read(self, work: Work[T]) -> T:
        """Run `work`, which only reads; several queries in one piece of work cost one hand-off."""
        return await self._submit(work, writes=False)

    async def transaction(self, work: Work[T]) -> T:
        """Run `work` atomically: all its statements are kept, or none of them when it raises."""
        return await self._submit(work, writes=True, applies=HANDLING_UPDATE.get())

    async def write(self, sql: str, params: Iterable[Any] = ()) -> Written:
        values = tuple(params)

        def run(connection: sqlite3.Connection) -> Written:
            cursor = connection.execute(sql, values)
            return Written(cursor.rowcount, cursor.lastrowid)

        return await self.transaction(run)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        values = tuple(params)
        return await self.read(lambda connection: connection.execute(sql, values).fetchall())

    async def checkpoint(self) -> None:
        """Copy the WAL into the database file and truncate it; a reader elsewhere may keep it from
        completing, and then the next checkpoint finishes the work (never an error for the caller)."""

        # Straight to aiosqlite, not into a batch: a checkpoint cannot run inside the batch's transaction,
        # and aiosqlite's one thread runs it between batches, when no transaction is open.
        try:
            async with self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                await cursor.fetchall()
        except sqlite3.Error as error:
            logger.warning("checkpoint_failed error=%s", type(error).__name__)

    async def close(self) -> None:
        """Finish what is queued, then close."""
        while self._runner is not None:
            await asyncio.wait({self._runner})  # returns however the runner ended
        await self.connection.close()

    async def _submit(self, work: Work[T], *, writes: bool, applies: int | None = None) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Queued(work, writes, future, applies))
        if self._runner is None:
            self._runner = loop.create_task(self._run_queue(), name="database")
        return await future

    async def _run_queue(self) -> None:
        batch: list[_Queued] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    outcomes = await self._hand_off(batch)
                except Exception as error:  # aiosqlite refused it (the connection is closed): nothing ran
                    outcomes = [_Outcome(error=error) for _ in batch]
                for queued, outcome in zip(batch, outcomes, strict=True):
                    if queued.future.done():  # the caller was cancelled; its write, if any, stands
                        continue
                    if outcome.error is not None:
                        queued.future.set_exception(outcome.error)
                    else:
                        queued.future.set_result(outcome.value)
        except BaseException:  # cancelled at shutdown: nobody may wait forever for an answer
            for queued in [*batch, *self._queue]:
                queued.future.cancel()
            self._queue = []
            raise
        finally:
            self._runner = None

    async def _hand_off(self, batch: list[_Queued]) -> list[_Outcome]:
        self.hand_offs += 1
        return await self.connection._execute(_run_batch, self.connection._conn, batch)


def _run_batch(connection: sqlite3.Connection, batch: list[_Queued]) -> list[_Outcome]:
    """In the database thread: the whole batch in one transaction, or, when a piece of it fails, every
    piece in a transaction of its own, so that the failure stays with the piece that caused it.

    Every statement hands the GIL back and has to win it again from the busy event loop, so the common
    case runs no statement beyond the pieces' own, BEGIN, COMMIT and one for the batch's 'applied' marks (no
    savepoint per piece).
    """
    if len(batch) > 1:
        with contextlib.suppress(sqlite3.Error):  # BEGIN or COMMIT failed, nothing was kept: each piece alone
            outcomes = _run_together(connection, batch)
            if all(outcome.error is None for outcome in outcomes):
                return outcomes
    return [_run_alone(connection, queued) for queued in batch]


def _run_alone(connection: sqlite3.Connection, queued: _Queued) -> _Outcome:
    """One piece in its own transaction; whatever fails, BEGIN and COMMIT included, is that piece's outcome."""
    try:
        return _run_together(connection, [queued])[0]
    except sqlite3.Error as error:
        return _Outcome(error=error)


def _run_together(connection: sqlite3.Connection, batch: list[_Queued]) -> list[_Outcome]:
    """The pieces in one transaction, kept only if none of them fails; a failing piece ends the run."""
    writes = any(queued.writes for queued in batch)
    if writes:
        connection.execute("BEGIN IMMEDIATE")
    outcomes: list[_Outcome] = []
    try:
        for queued in batch:
            try:
                outcomes.append(_Outcome(queued.work(connection)))
            except Exception as error:
                outcomes.append(_Outcome(error=error))
                break
        if writes and outcomes[-1].error is None:
            _mark_applied(connection, batch)
            connection.execute("COMMIT")
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    return outcomes


def _mark_applied(connection: sqlite3.Connection, batch: list[_Queued]) -> None:
    """Mark the updates whose effects the batch holds 'applied', in its transaction (see HANDLING_UPDATE)."""
    applied = sorted({queued.applies for queued in batch if queued.applies is not None})
    for start in range(0, len(applied), _MARKS_PER_STATEMENT):
        chunk = applied[start : start + _MARKS_PER_STATEMENT]
        connection.execute(_MARK_APPLIED.format(",".join("?" * len(chunk))), chunk)
