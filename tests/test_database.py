"""Group commit: concurrent work shares hand-offs to the database thread, yet each piece keeps its own
outcome, a failing piece takes nothing else with it, and a write is committed before its await returns."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import connect
from bot.store.database import Database, Written


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(await connect(tmp_path / "makker.sqlite3"))
    await database.write("CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, body TEXT UNIQUE)")
    yield database
    await database.close()


def committed_rows(path: Path) -> list[tuple[int, str]]:
    """What another connection sees: only committed data."""
    with sqlite3.connect(path) as other:
        return other.execute("SELECT owner, body FROM notes ORDER BY owner").fetchall()


async def test_concurrent_writes_share_hand_offs_and_are_committed_when_awaited(db: Database, tmp_path: Path) -> None:
    before = db.hand_offs

    async def note(owner: int) -> int:
        written = await db.write("INSERT INTO notes (owner, body) VALUES (?, ?)", (owner, f"note {owner}"))
        assert (owner, f"note {owner}") in committed_rows(tmp_path / "makker.sqlite3")
        assert written.lastrowid is not None
        return written.rowcount

    assert await asyncio.gather(*(note(owner) for owner in range(50))) == [1] * 50
    assert db.hand_offs - before <= 2  # the first alone, the other 49 queued behind it
    assert len(committed_rows(tmp_path / "makker.sqlite3")) == 50


async def test_a_failing_piece_fails_alone_and_leaves_no_half_write(db: Database, tmp_path: Path) -> None:
    await db.write("INSERT INTO notes (owner, body) VALUES (1, 'taken')")

    def half_then_fail(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO notes (owner, body) VALUES (2, 'half')")
        connection.execute("INSERT INTO notes (owner, body) VALUES (2, 'taken')")  # UNIQUE fails

    results = await asyncio.gather(
        db.write("INSERT INTO notes (owner, body) VALUES (3, 'before')"),
        db.transaction(half_then_fail),
        db.fetch_all("SELECT body FROM nowhere"),
        db.write("INSERT INTO notes (owner, body) VALUES (4, 'after')"),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert isinstance(results[2], sqlite3.OperationalError)
    assert committed_rows(tmp_path / "makker.sqlite3") == [(1, "taken"), (3, "before"), (4, "after")]


async def test_a_read_in_the_same_batch_sees_earlier_writes(db: Database) -> None:
    written, rows = await asyncio.gather(
        db.write("INSERT INTO notes (owner, body) VALUES (7, 'seen')"),
        db.fetch_all("SELECT owner FROM notes"),
    )
    assert written.rowcount == 1
    assert [row["owner"] for row in rows] == [7]


async def test_work_queued_before_close_is_finished(tmp_path: Path) -> None:
    db = Database(await connect(tmp_path / "makker.sqlite3"))
    await db.write("CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, body TEXT UNIQUE)")
    pending = asyncio.ensure_future(db.write("INSERT INTO notes (owner, body) VALUES (9, 'last')"))
    await asyncio.sleep(0)
    await db.close()
    assert (await pending).rowcount == 1
    assert committed_rows(tmp_path / "makker.sqlite3") == [(9, "last")]


async def test_work_after_close_fails_with_an_error(tmp_path: Path) -> None:
    db = Database(await connect(tmp_path / "makker.sqlite3"))
    await db.close()
    with pytest.raises(ValueError):
        await db.fetch_all("SELECT 1")


async def test_when_a_commit_fails_only_the_piece_that_caused_it_fails(db: Database, tmp_path: Path) -> None:
    """A deferred foreign key is checked at COMMIT: the batch's COMMIT fails, and so does the piece's own."""
    await db.write("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
    await db.write(
        "CREATE TABLE children (id INTEGER PRIMARY KEY,"
        " parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    results = await asyncio.gather(
        db.write("INSERT INTO notes (owner, body) VALUES (1, 'kept')"),
        db.write("INSERT INTO children (parent_id) VALUES (99)"),
        db.write("INSERT INTO notes (owner, body) VALUES (2, 'kept too')"),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert [type(result) for result in (results[0], results[2])] == [Written, Written]
    assert committed_rows(tmp_path / "makker.sqlite3") == [(1, "kept"), (2, "kept too")]


async def test_callers_are_not_left_waiting_when_the_database_task_is_cancelled(db: Database) -> None:
    def slow(connection: sqlite3.Connection) -> int:
        time.sleep(0.2)
        return 1

    first = asyncio.ensure_future(db.read(slow))
    await asyncio.sleep(0.05)
    queued_later = asyncio.ensure_future(db.fetch_all("SELECT 1"))
    await asyncio.sleep(0)
    assert db._runner is not None
    db._runner.cancel()
    for caller in (first, queued_later):
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(caller, 1)
    await asyncio.wait_for(db.close(), 2)
