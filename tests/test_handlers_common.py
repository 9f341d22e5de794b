"""/start, /help, /language, guards and the error handler, through PTB offline."""

from __future__ import annotations

import asyncio
import json

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.flood import FloodGuard
from tests.conftest import ADMIN_ID, BotHarness
from tests.offline import to_update

USER = 101


async def test_start_answers_in_danish_by_default(harness: BotHarness) -> None:
    text = await harness.say(USER, "/start", language_code="de")
    assert text.startswith("Hej Person101, og velkommen til Makker")
    assert "112" in text and "/krise" in text


async def test_start_answers_in_english_for_an_english_client(harness: BotHarness) -> None:
    text = await harness.say(USER, "/start", language_code="en-GB")
    assert text.startswith("Hi Person101, and welcome to Makker")


async def test_help_lists_the_commands(harness: BotHarness) -> None:
    text = await harness.say(USER, "/help")
    assert "/start" in text and "/language" in text and "116 111" in text


async def test_language_choice_is_stored_and_used(harness: BotHarness) -> None:
    await harness.say(USER, "/language")
    buttons = [button["callback_data"] for row in harness.api.last_keyboard(USER) for button in row]
    assert buttons == ["lang:da", "lang:en"]
    await harness.press(USER, "lang:en")
    edits = [c for c in harness.api.calls if c.method == "editMessageText"]
    assert edits and edits[-1].params["text"].startswith("Fine, I will write to you in English")
    assert (await harness.services.store.users.get(USER)).language == "en"  # type: ignore[union-attr]
    assert (await harness.say(USER, "/start", language_code="da")).startswith("Hi ")


async def test_forged_language_button_gets_a_friendly_alert(harness: BotHarness) -> None:
    await harness.press(USER, "lang:xx")
    answer = [c for c in harness.api.calls if c.method == "answerCallbackQuery"][-1]
    assert "ikke længere aktiv" in answer.params["text"]
    assert await harness.services.store.users.get(USER) is None


async def test_unknown_button_is_answered_not_ignored(harness: BotHarness) -> None:
    await harness.press(USER, "something:old")
    answer = [c for c in harness.api.calls if c.method == "answerCallbackQuery"][-1]
    assert answer.params["show_alert"] is True


async def test_unknown_command_and_sticker_get_a_hint(harness: BotHarness) -> None:
    assert "kender jeg ikke" in await harness.say(USER, "/nonsense")
    await harness.feed(harness.updates.sticker(USER))
    assert "ingen samtale i gang" in harness.api.last_text(USER)


async def test_a_flood_gets_one_notice_its_last_message_an_answer_and_others_are_answered(
    harness: BotHarness,
) -> None:
    """Delivered at once, as Telegram hands over a burst: through the real per-person processor."""
    limit = 20
    harness.services.flood = FloodGuard(max_updates=limit, window_seconds=10)
    application = harness.application
    updates = [to_update(harness.updates.text(USER, f"hej {n}"), application.bot) for n in range(limit + 10)]
    updates[-1] = to_update(harness.updates.text(USER, "/help"), application.bot)
    await asyncio.gather(
        *(application.update_processor.process_update(u, application.process_update(u)) for u in updates)
    )
    texts = harness.api.texts_to(USER)
    # The burst's first 20, one notice and the last message; the bucket may refill a token or two while the
    # burst is handled on a slow machine, but most of the ten beyond the limit are held back.
    assert limit + 2 <= len(texts) <= limit + 4, "the burst's first 20, one notice, and the last message"
    assert sum("lidt hurtigt" in text for text in texts) == 1
    assert "/language" in texts[-1], "the /help that ended the flood is answered"
    assert (await harness.say(202, "/start")).startswith("Hej Person202")


def test_a_steady_brisk_pace_is_never_held_back_and_a_faster_one_is() -> None:
    guard = FloodGuard(max_updates=30, window_seconds=10)
    assert all(guard.check(1, n / 3, more_queued=True).allowed for n in range(300)), "3 a second for 100 s"
    verdicts = [guard.check(2, n / 20, more_queued=True) for n in range(200)]  # 20 a second for 10 s
    assert sum(v.allowed for v in verdicts) < 80 and sum(v.notify for v in verdicts) == 1


async def test_error_handler_tells_person_and_admin_without_message_text(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: Update, context: object) -> None:
        raise ValueError(update.message.text)  # type: ignore[union-attr]

    harness.application.handlers[0].insert(0, CommandHandler("broken", broken))
    await harness.say(USER, "/broken my health details")
    assert "gik noget galt" in harness.api.last_text(USER)
    assert "gemt" not in harness.api.last_text(USER), "nothing is said to be saved that may not be"
    assert "health details" not in caplog.text
    assert "handler_failed event=command error=ValueError" in caplog.text
    row = await harness.services.store.db.fetch_one("SELECT chat_id, text_key, params FROM outbox")
    assert row is not None and row["chat_id"] == ADMIN_ID and row["text_key"] == "admin.error"
    assert json.loads(row["params"])["error"] == "ValueError"
    await harness.say(USER, "/broken again")  # the same kind of error soon after: no second admin message
    rows = await harness.services.store.db.fetch_all("SELECT id FROM outbox")
    assert len(rows) == 1


@pytest.mark.parametrize(("status", "blocked"), [("kicked", True), ("member", False)])
async def test_blocking_and_unblocking_are_recorded(harness: BotHarness, status: str, blocked: bool) -> None:
    await harness.services.store.users.mark_blocked(USER)
    person = {"id": USER, "is_bot": False, "first_name": "P"}
    bot_user = {"id": 4242, "is_bot": True, "first_name": "Makker"}
    await harness.feed(
        harness.updates.raw(
            {
                "my_chat_member": {
                    "chat": {"id": USER, "type": "private", "first_name": "P"},
                    "from": person,
                    "date": 0,
                    "old_chat_member": {"status": "member", "user": bot_user},
                    "new_chat_member": {"status": status, "user": bot_user, "until_date": 0},
                }
            }
        )
    )
    record = await harness.services.store.users.get(USER)
    assert record is not None and (record.blocked_at is not None) is blocked


async def test_a_crisis_message_gets_through_even_in_a_flood(harness: BotHarness) -> None:
    harness.services.flood = FloodGuard(max_updates=3, window_seconds=10)
    for _ in range(5):
        await harness.feed(harness.updates.text(USER, "hej"))
    await harness.feed(harness.updates.text(USER, "jeg vil ikke leve mere"))
    assert "70 201 201" in harness.api.last_text(USER)
