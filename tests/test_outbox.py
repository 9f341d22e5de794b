"""The outbox dispatcher against the offline Bot API: sent, paused on 429, blocked on 403, retried on 5xx."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utc_now
from bot.outbox import OutboxDispatcher
from tests.conftest import BotHarness


async def rows(harness: BotHarness) -> list[dict[str, object]]:
    found = await harness.services.store.db.fetch_all("SELECT chat_id, status, attempts, last_error FROM outbox")
    return [dict(row) for row in found]


def dispatcher(harness: BotHarness) -> OutboxDispatcher:
    return OutboxDispatcher(harness.services.store, harness.services.catalogue)


async def test_due_messages_are_rendered_in_the_recipients_language_and_sent(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await harness.services.choose_language(1, "en")
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(2, "flood.notice")
    await outbox.enqueue(3, "flood.notice", not_before=utc_now() + timedelta(hours=1))
    assert await dispatcher(harness).dispatch_due(harness.application.bot) == 2
    assert harness.api.last_text(1).startswith("You are writing")
    assert harness.api.last_text(2).startswith("Du skriver")
    assert harness.api.texts_to(3) == []
    assert [row["status"] for row in await rows(harness)] == ["sent", "sent", "pending"]


async def test_dedup_key_queues_once(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    assert await outbox.enqueue(1, "flood.notice", dedup_key="k")
    assert not await outbox.enqueue(1, "flood.notice", dedup_key="k")
    assert len(await rows(harness)) == 1


async def test_one_message_a_second_per_chat(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(1, "help.text")
    assert await dispatcher(harness).dispatch_due(harness.application.bot) == 1
    assert [row["status"] for row in await rows(harness)] == ["sent", "pending"]


async def test_retry_after_pauses_all_sending(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(2, "flood.notice")
    harness.api.fail_next["sendMessage"] = (
        429,
        "Too Many Requests: retry after 30",
        {"parameters": {"retry_after": 30}},
    )
    sender = dispatcher(harness)
    assert await sender.dispatch_due(harness.application.bot) == 0
    assert [row["status"] for row in await rows(harness)] == ["pending", "pending"]
    assert await sender.dispatch_due(harness.application.bot) == 0, "still paused"
    assert len([c for c in harness.api.calls if c.method == "sendMessage"]) == 1


async def test_forbidden_marks_the_row_and_the_person_blocked(harness: BotHarness) -> None:
    await harness.services.choose_language(1, "da")
    await harness.services.store.outbox.enqueue(1, "flood.notice")
    harness.api.fail_next["sendMessage"] = (403, "Forbidden: bot was blocked by the user", {})
    await dispatcher(harness).dispatch_due(harness.application.bot)
    assert (await rows(harness))[0]["status"] == "blocked"
    assert (await harness.services.store.users.get(1)).blocked_at is not None  # type: ignore[union-attr]


async def test_a_bad_request_fails_for_good_and_a_server_error_is_retried(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(1, "flood.notice")
    harness.api.fail_next["sendMessage"] = (400, "Bad Request: chat not found", {})
    await dispatcher(harness).dispatch_due(harness.application.bot)
    await outbox.enqueue(2, "flood.notice")
    harness.api.fail_next["sendMessage"] = (502, "Bad Gateway", {})
    await dispatcher(harness).dispatch_due(harness.application.bot)
    first, second = await rows(harness)
    assert first["status"] == "failed"
    assert second["status"] == "pending" and second["attempts"] == 1 and second["last_error"] == "NetworkError"
