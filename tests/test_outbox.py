"""The outbox against the offline Bot API: order per chat, poison rows, blocked people, crashes, priorities,
expiry, languages and the kinds of message."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import to_db, utc_now
from bot.outbox import OutboxDispatcher
from bot.store.outbox import Kind, Priority
from tests.conftest import BotHarness


async def rows(harness: BotHarness) -> list[dict[str, object]]:
    found = await harness.services.store.db.fetch_all(
        "SELECT id, chat_id, text_key, status, attempts, last_error, message_id FROM outbox ORDER BY id"
    )
    return [dict(row) for row in found]


def dispatcher(harness: BotHarness, per_second: float = 25) -> OutboxDispatcher:
    return OutboxDispatcher(harness.services.store, harness.services.catalogue, per_second=per_second)


def sends(harness: BotHarness) -> list[tuple[int, str]]:
    """(chat, text) of every sendMessage, in order."""
    return [(c.params["chat_id"], c.params["text"]) for c in harness.api.calls if c.method == "sendMessage"]


async def make_retry_due(harness: BotHarness) -> None:
    """Time travel: every backing-off row may be tried now."""
    now = to_db(utc_now())
    await harness.services.store.db.write("UPDATE outbox SET retry_at = ? WHERE retry_at IS NOT NULL", (now,))


async def test_due_messages_are_sent_and_future_ones_wait(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(2, "flood.notice")
    await outbox.enqueue(3, "flood.notice", not_before=utc_now() + timedelta(hours=1))
    assert await dispatcher(harness).dispatch_due(harness.application.bot) == 2
    assert harness.api.texts_to(3) == []
    found = await rows(harness)
    assert [row["status"] for row in found] == ["sent", "sent", "pending"]
    assert all(isinstance(row["message_id"], int) for row in found[:2]), "Telegram's message id is kept"


async def test_dedup_key_queues_once(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    assert await outbox.enqueue(1, "flood.notice", dedup_key="k")
    assert not await outbox.enqueue(1, "flood.notice", dedup_key="k")
    assert len(await rows(harness)) == 1


async def test_one_chats_order_holds_across_retries_and_other_chats_go_on(harness: BotHarness) -> None:
    outbox, bot = harness.services.store.outbox, harness.application.bot
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(1, "help.text")
    await outbox.enqueue(2, "flood.notice")
    harness.api.fail_next["sendMessage"] = (502, "Bad Gateway", {})
    sender = dispatcher(harness, per_second=0.5)  # one row a tick, so that the 502 meets chat 1's first
    assert await sender.dispatch_due(bot) == 0, "chat 1's first message failed"
    assert await sender.dispatch_due(bot) == 1, "chat 2 goes on"
    first, second, other = await rows(harness)
    assert first["status"] == "pending" and first["attempts"] == 1 and first["last_error"] == "NetworkError"
    assert second["status"] == "pending" and other["status"] == "sent"
    assert await sender.dispatch_due(bot) == 0, "chat 1's second message waits behind its first, backing off"
    await make_retry_due(harness)
    assert await sender.dispatch_due(bot) == 1
    assert await sender.dispatch_due(bot) == 1
    to_chat_1 = [text for chat, text in sends(harness) if chat == 1]
    assert to_chat_1[-2].startswith("Du skriver")
    assert to_chat_1[-1] == harness.services.catalogue.text("da", "help.text")
    assert [row["status"] for row in await rows(harness)] == ["sent", "sent", "sent"]


async def test_a_retryable_error_gives_up_after_the_attempts(harness: BotHarness) -> None:
    outbox, bot = harness.services.store.outbox, harness.application.bot
    await outbox.enqueue(1, "flood.notice")
    sender = OutboxDispatcher(harness.services.store, harness.services.catalogue, max_attempts=2)
    for _ in range(2):
        harness.api.fail_next["sendMessage"] = (500, "Internal Server Error", {})
        await make_retry_due(harness)
        await sender.dispatch_due(bot)
    (row,) = await rows(harness)
    assert row["status"] == "failed" and row["attempts"] == 2


async def test_a_poison_row_fails_once_and_the_rest_are_sent(harness: BotHarness) -> None:
    outbox, bot = harness.services.store.outbox, harness.application.bot
    await outbox.enqueue(1, "no.such.key")
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(2, "flood.notice")
    await outbox.add_many([])  # an empty broadcast is harmless
    await harness.services.store.db.write(
        "INSERT INTO outbox (chat_id, kind, not_before, created_at) VALUES (3, 'copy', ?, ?)",
        (to_db(utc_now()), to_db(utc_now())),
    )
    sender = dispatcher(harness)
    assert await sender.dispatch_due(bot) == 1
    poison, _, other, copy_without_source = await rows(harness)
    assert poison["status"] == "failed" and str(poison["last_error"]).startswith("unsendable")
    assert copy_without_source["status"] == "failed"
    assert other["status"] == "sent"
    assert await sender.dispatch_due(bot) == 1, "the poison row no longer holds its chat"
    assert (await rows(harness))[1]["status"] == "sent"
    assert await sender.dispatch_due(bot) == 0, "failed rows are never tried again"


async def test_a_bad_request_fails_for_good(harness: BotHarness) -> None:
    await harness.services.store.outbox.enqueue(1, "flood.notice")
    harness.api.fail_next["sendMessage"] = (400, "Bad Request: chat not found", {})
    await dispatcher(harness).dispatch_due(harness.application.bot)
    (row,) = await rows(harness)
    assert row["status"] == "failed" and row["attempts"] == 1


async def test_forbidden_blocks_the_person_and_ends_their_pending_rows(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    for key in ("flood.notice", "help.text", "flood.notice"):
        await outbox.enqueue(1, key)
    await outbox.enqueue(2, "flood.notice")
    harness.api.fail_next["sendMessage"] = (403, "Forbidden: bot was blocked by the user", {})
    sender = dispatcher(harness, per_second=0.5)  # one row a tick, so that the 403 meets chat 1's first
    assert await sender.dispatch_due(harness.application.bot) == 0
    assert await sender.dispatch_due(harness.application.bot) == 1
    assert [row["status"] for row in await rows(harness)] == ["blocked", "blocked", "blocked", "sent"]
    assert (await harness.services.store.users.get(1)).blocked_at is not None  # type: ignore[union-attr]
    await outbox.enqueue(1, "flood.notice")
    await sender.dispatch_due(harness.application.bot)
    assert (await rows(harness))[-1]["status"] == "blocked", "a blocked person is not written to"
    assert len(harness.api.texts_to(1)) == 1, "only the attempt that met the 403"


async def test_rows_in_flight_at_a_crash_are_resent_or_reported_per_kind(harness: BotHarness) -> None:
    store = harness.services.store
    await store.outbox.enqueue(1, "flood.notice")  # a conversation row: at least once
    await store.outbox.enqueue(2, "flood.notice", priority=Priority.BROADCAST, group_id="b1")  # at most once
    await store.outbox.enqueue(3, "flood.notice", priority=Priority.BROADCAST, group_id="b1")
    claimed = await store.outbox.claim(utc_now(), 2)  # marked 'sending'; the process dies before an answer
    assert {message.chat_id for message in claimed} == {1, 2}
    assert await store.outbox.recover_after_crash() == (1, 1)
    assert [row["status"] for row in await rows(harness)] == ["pending", "unknown", "pending"]
    await dispatcher(harness).dispatch_due(harness.application.bot)
    assert [row["status"] for row in await rows(harness)] == ["sent", "unknown", "sent"]
    assert harness.api.texts_to(2) == [], "an unknown broadcast row is not sent again"
    assert await store.outbox.group_report("b1") == {"unknown": [2], "sent": [3]}


async def test_priorities_put_conversation_before_check_ins_before_broadcasts(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(10, "flood.notice", priority=Priority.BROADCAST)
    await outbox.enqueue(11, "flood.notice", priority=Priority.CHECK_IN)
    await outbox.enqueue(12, "flood.notice", priority=Priority.CONVERSATION)
    # Within one chat too: an offer queued after a broadcast goes first.
    await outbox.enqueue(13, "help.text", priority=Priority.BROADCAST)
    await outbox.enqueue(13, "flood.notice", priority=Priority.CONVERSATION)
    sender = dispatcher(harness, per_second=1)  # two rows a tick
    assert await sender.dispatch_due(harness.application.bot) == 2
    assert {chat for chat, _ in sends(harness)} == {12, 13}
    assert harness.api.last_text(13).startswith("Du skriver")
    await sender.dispatch_due(harness.application.bot)
    assert {chat for chat, _ in sends(harness)[2:]} == {11, 10}, "the check-in, then the oldest broadcast"


async def test_a_row_past_not_after_expires_instead_of_going_late(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(1, "flood.notice", not_after=utc_now() - timedelta(seconds=1))
    await outbox.enqueue(1, "help.text", not_after=utc_now() + timedelta(hours=1))
    sender = dispatcher(harness)
    assert await sender.dispatch_due(harness.application.bot) == 0
    assert await sender.dispatch_due(harness.application.bot) == 1
    assert [row["status"] for row in await rows(harness)] == ["expired", "sent"]
    assert harness.api.texts_to(1) == [harness.services.catalogue.text("da", "help.text")]


async def test_the_recipients_language_chosen_else_client_else_default(harness: BotHarness) -> None:
    english_client, chose_danish, unknown = 1, 2, 3
    for person in (english_client, chose_danish):
        await harness.feed(harness.updates.text(person, "/start", "en"))
        await harness.feed(harness.updates.button(person, "c:yes", language_code="en"))
        await harness.feed(harness.updates.text(person, "hello", "en"))  # seen with an English client
    await harness.services.choose_language(chose_danish, "da")
    harness.api.calls.clear()
    for person in (english_client, chose_danish, unknown):
        await harness.services.store.outbox.enqueue(person, "flood.notice")
    await dispatcher(harness).dispatch_due(harness.application.bot)
    assert harness.api.last_text(english_client).startswith("You are writing")
    assert harness.api.last_text(chose_danish).startswith("Du skriver")
    assert harness.api.last_text(unknown).startswith("Du skriver")


async def test_writing_once_stores_no_client_language(harness: BotHarness) -> None:
    await harness.say(5, "hello", "en")
    assert await harness.services.store.users.get(5) is None


async def test_copies_documents_photos_and_keyboards(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    keyboard = [[{"text": "Ja", "callback_data": "x:yes"}]]
    await outbox.enqueue_copy(1, 77, 5, keyboard=keyboard)
    await outbox.enqueue_file(2, Kind.DOCUMENT, "file-1", "privacy.file_caption")
    await outbox.enqueue_file(3, Kind.PHOTO, "photo-1")
    await outbox.enqueue(4, "flood.notice", keyboard=keyboard)
    assert await dispatcher(harness).dispatch_due(harness.application.bot) == 4
    by_method = {call.method: call.params for call in harness.api.calls}
    assert by_method["copyMessage"]["from_chat_id"] == 77 and by_method["copyMessage"]["message_id"] == 5
    assert "Ja" in str(by_method["copyMessage"]["reply_markup"])
    assert by_method["sendDocument"]["document"] == "file-1" and by_method["sendDocument"]["caption"]
    assert by_method["sendPhoto"]["photo"] == "photo-1" and "caption" not in by_method["sendPhoto"]
    assert "x:yes" in str(by_method["sendMessage"]["reply_markup"])


async def test_sent_rows_are_pruned_after_the_retention(harness: BotHarness) -> None:
    outbox = harness.services.store.outbox
    await outbox.enqueue(1, "flood.notice")
    await outbox.enqueue(2, "flood.notice", not_before=utc_now() + timedelta(days=1))
    await dispatcher(harness).dispatch_due(harness.application.bot)
    assert await outbox.prune(utc_now() - timedelta(days=1)) == 0, "sent just now: kept"
    assert await outbox.prune(utc_now() + timedelta(seconds=1)) == 1
    assert [row["chat_id"] for row in await rows(harness)] == [2], "a pending row is never pruned"
