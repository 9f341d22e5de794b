"""Shared access to Makker's one SQLite connection: serialised writes, plain reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite


class Database:
    """Wraps the connection so concurrent handlers never interleave two write transactions.

    aiosqlite gives one connection one thread; a transaction opened by one task would
    otherwise swallow another task's statements. Every write goes through `transaction()`.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def write(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        """One statement, which SQLite runs as a transaction of its own (the connection is in autocommit
        mode and the lock keeps any other transaction out): one round trip instead of three."""
        async with self._write_lock:
            return await self.connection.execute(sql, tuple(params))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """One round trip to the database thread (execute, fetch and close would be three): each trip
        costs a thread hand-over, which is most of the time a small query takes."""
        return list(await self.connection.execute_fetchall(sql, tuple(params)))

    async def close(self) -> None:
        await self.connection.close()
