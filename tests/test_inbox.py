"""The inbox: stored before handed over, handed over once, unreadable updates set aside, replays in order."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from telegram import Update

from bot.inbox import Inbox
from bot.store.database import HANDLING_UPDATE
from tests.conftest import ADMIN_ID, BotHarness

USER = 5_100_200


def inbox_for(harness: BotHarness, handed: list[Update]) -> Inbox:
    async def enqueue(update: Update) -> None:
        handed.append(update)
        await harness.application.process_update(update)

    return Inbox(harness.services.store, harness.application.bot, enqueue, [ADMIN_ID])


async def states(harness: BotHarness) -> dict[int, tuple[str, bool]]:
    rows = await harness.services.store.db.fetch_all("SELECT update_id, state, body IS NOT NULL AS kept FROM inbox")
    return {row["update_id"]: (row["state"], bool(row["kept"])) for row in rows}


async def test_the_same_update_twice_is_handed_over_once(harness: BotHarness) -> None:
    handed: list[Update] = []
    inbox = inbox_for(harness, handed)
    payload = harness.updates.text(USER, "/start")
    assert await inbox.accept([payload, payload]) == payload["update_id"]
    assert await inbox.accept([payload]) == payload["update_id"]
    assert [u.update_id for u in handed] == [payload["update_id"]]
    assert len(harness.api.texts_to(USER)) == 1


async def test_handled_updates_keep_their_id_but_not_their_content(harness: BotHarness) -> None:
    inbox = inbox_for(harness, [])
    payload = harness.updates.text(USER, "/help")
    await inbox.accept([payload])
    assert (await states(harness))[payload["update_id"]] == ("pending", True)
    inbox.handled(payload["update_id"])
    await inbox.flush()
    assert (await states(harness))[payload["update_id"]] == ("handled", False)


async def test_an_unreadable_update_is_set_aside_and_the_others_go_on(harness: BotHarness) -> None:
    handed: list[Update] = []
    inbox = inbox_for(harness, handed)
    poll = {"update_id": 40, "poll": {"id": "1", "question": "Hvor bor du, Køge?", "options": [{"text": "a"}]}}
    after = harness.updates.text(USER, "/help")
    after["update_id"] = 41
    await inbox.accept([poll, after])
    assert [u.update_id for u in handed] == [41]
    row = await harness.services.store.db.fetch_one("SELECT state, body, error FROM inbox WHERE update_id = 40")
    assert row is not None and row["state"] == "set_aside" and row["body"] is None
    assert "Køge" not in row["error"]
    reports = await harness.services.store.db.fetch_all("SELECT text_key, chat_id FROM outbox")
    assert [(r["text_key"], r["chat_id"]) for r in reports] == [("inbox.admin.set_aside", ADMIN_ID)]
    second = dict(poll, update_id=42)
    await inbox.accept([second])
    assert len(await harness.services.store.db.fetch_all("SELECT id FROM outbox")) == 1, "reported once"


async def test_a_write_while_handling_marks_the_update_applied_in_the_same_transaction(harness: BotHarness) -> None:
    inbox = inbox_for(harness, [])
    payload = harness.updates.text(USER, "/help")
    payload_id = payload["update_id"]

    async def write_nothing(update: Update) -> None:
        pass

    quiet = Inbox(harness.services.store, harness.application.bot, write_nothing, [])
    await quiet.accept([payload])
    token = HANDLING_UPDATE.set(payload_id)
    try:
        await harness.services.store.users.set_language(USER, "en")
    finally:
        HANDLING_UPDATE.reset(token)
    assert (await states(harness))[payload_id] == ("applied", True)
    assert inbox.was_applied_before_restart(payload_id) is False


async def test_writes_of_several_updates_in_one_batch_mark_exactly_their_updates_applied(
    harness: BotHarness,
) -> None:
    """The marks of a batch go in one statement; a piece that fails leaves its update 'pending', with no effect."""

    async def write_nothing(update: Update) -> None:
        pass

    payloads = [harness.updates.text(USER + n, "/help") for n in range(4)]
    await Inbox(harness.services.store, harness.application.bot, write_nothing, []).accept(payloads)
    db = harness.services.store.db

    async def write_for(n: int, sql: str) -> None:
        token = HANDLING_UPDATE.set(payloads[n]["update_id"])
        try:
            await db.write(sql, (USER + n,))
        finally:
            HANDLING_UPDATE.reset(token)

    before = db.hand_offs
    results = await asyncio.gather(
        write_for(0, "INSERT INTO users (user_id, language, created_at, updated_at) VALUES (?, 'da', 'x', 'x')"),
        write_for(1, "INSERT INTO users (user_id, language, created_at, updated_at) VALUES (?, 'en', 'x', 'x')"),
        write_for(2, "INSERT INTO no_such_table (user_id) VALUES (?)"),
        return_exceptions=True,
    )
    assert db.hand_offs - before == 1, "the three writes shared one hand-off"
    assert [isinstance(result, sqlite3.Error) for result in results] == [False, False, True]
    found = await states(harness)
    assert [found[p["update_id"]][0] for p in payloads] == ["applied", "applied", "pending", "pending"]
    users = await db.fetch_all("SELECT user_id FROM users WHERE user_id >= ? ORDER BY user_id", (USER,))
    assert [row["user_id"] for row in users] == [USER, USER + 1]


async def test_replay_hands_over_in_order_and_flags_applied_ones(harness: BotHarness) -> None:
    stored: list[Update] = []

    async def keep(update: Update) -> None:
        stored.append(update)

    first = Inbox(harness.services.store, harness.application.bot, keep, [])
    payloads = [harness.updates.text(USER, f"besked {n}") for n in range(3)]
    await first.accept(payloads)
    await harness.services.store.db.write(
        "UPDATE inbox SET state = 'applied' WHERE update_id = ?", (payloads[1]["update_id"],)
    )
    replayed: list[Update] = []

    async def collect(update: Update) -> None:
        replayed.append(update)

    after_crash = Inbox(harness.services.store, harness.application.bot, collect, [])
    assert await after_crash.replay() == 3
    assert [u.update_id for u in replayed] == [p["update_id"] for p in payloads]
    assert [after_crash.was_applied_before_restart(p["update_id"]) for p in payloads] == [False, True, False]


def test_the_migration_replaces_processed_updates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.db import MIGRATIONS_DIR

    sql = next(MIGRATIONS_DIR.glob("*_inbox.sql")).read_text()
    with sqlite3.connect(tmp_path / "x.sqlite3") as db:
        db.execute("CREATE TABLE processed_updates (update_id INTEGER PRIMARY KEY)")
        db.executescript(sql)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "inbox" in tables and "processed_updates" not in tables


async def test_when_setting_aside_fails_the_rest_of_the_batch_is_still_handed_over(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[Update] = []
    inbox = inbox_for(harness, handed)

    async def locked(update_id: int, error: str) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(harness.services.store.inbox, "set_aside", locked)
    poll = {"update_id": 60, "poll": {"id": "1", "question": "?", "options": [{"text": "a"}]}}
    after = harness.updates.text(USER, "/help")
    after["update_id"] = 61
    await inbox.accept([poll, after])
    assert [u.update_id for u in handed] == [61]
    assert (await states(harness))[60] == ("pending", True), "read again at the next start"


async def test_a_batch_stored_once_the_stop_began_stays_in_the_inbox(harness: BotHarness) -> None:
    """PTB's stop waits until every update in its queue was taken; one put there after its stop mark never was,
    and the stop waited forever. So once stopping, what is stored is left for the next start."""
    handed: list[Update] = []
    inbox = inbox_for(harness, handed)
    payload = harness.updates.text(USER, "/help")
    inbox.stop_handing_over()
    assert await inbox.accept([payload]) == payload["update_id"]
    assert handed == []
    assert (await states(harness))[payload["update_id"]] == ("pending", True)
    assert [row.update_id for row in await harness.services.store.inbox.unhandled()] == [payload["update_id"]]
