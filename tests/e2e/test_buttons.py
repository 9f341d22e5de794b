"""Stale, forged and message-less button presses through the real process (issue #10, point 6)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_ID, BotProcess
from tests.e2e.test_intake import Person, first_half, second_half
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e

GENERIC_ERROR = "der gik noget galt"
HELP_TEXT = "/help – denne hjælp"  # in /help's answer, which serves as the point after which a press is fully handled


def start(bot: BotProcess) -> None:
    bot.extra_env["FLOOD_MAX_UPDATES"] = "1000"  # a whole intake and its checks come faster than a person types
    bot.start()


def button_data(person: Person, message: dict[str, Any], starts_with: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data", "").startswith(starts_with):
                return str(button["callback_data"])
    raise AssertionError(f"no button {starts_with!r} on message {message['message_id']}")


def press_and_settle(api: FakeBotApi, person: Person, message_id: int, data: str) -> list[dict[str, Any]]:
    """Press, then wait until the person's next update (/help) is answered: updates of one person are handled
    in order, so by then the press and any error it caused are done. Returns the calls made meanwhile."""
    mark = api.mark()
    api.press_button(person.user_id, message_id, data)
    person.say("/help", HELP_TEXT)
    return api.sent()[mark:]


def answers_to(calls: list[dict[str, Any]], query_id: str) -> list[dict[str, Any]]:
    return [
        c for c in calls if c["method"] == "answerCallbackQuery" and c["params"].get("callback_query_id") == query_id
    ]


def texts(calls: list[dict[str, Any]], chat_id: int) -> list[str]:
    return [str(c["params"].get("text", "")) for c in calls if c["chat_id"] == chat_id and "text" in c["params"]]


def counts(bot: BotProcess, user_id: int) -> tuple[int, int]:
    with sqlite3.connect(bot.database) as db:
        consents = db.execute("SELECT COUNT(*) FROM consents WHERE user_id = ?", (user_id,)).fetchone()[0]
        requests = db.execute(
            "SELECT COUNT(*) FROM support_requests WHERE user_id = ? AND status = 'open'", (user_id,)
        ).fetchone()[0]
    return consents, requests


def test_a_stale_no_thanks_from_an_earlier_start_asks_before_erasing(api: FakeBotApi, bot: BotProcess) -> None:
    start(bot)
    person = Person(api, 6101)
    person.say("/start", "Giver du samtykke")
    earlier = api.messages(person.user_id)[-1]
    first_half(person)  # a second /start, consent on that message, and on through the intake
    second_half(person)
    assert counts(bot, person.user_id) == (1, 1)

    calls = press_and_settle(api, person, earlier["message_id"], button_data(person, earlier, "c:no"))
    assert any("Vil du slette alt" in text for text in texts(calls, person.user_id)), "asked again"
    assert not any("ikke gemt noget om dig" in text for text in texts(calls, person.user_id))
    assert counts(bot, person.user_id) == (1, 1), "the consent and the confirmed request are still there"
    assert bot.stop() == 0


def test_a_stale_continue_after_the_intake_was_finished_is_answered_once(api: FakeBotApi, bot: BotProcess) -> None:
    start(bot)
    person = Person(api, 6102)
    first_half(person)
    person.say("/start", "Vil du fortsætte")
    resume = api.messages(person.user_id)[-1]
    second_half(person)  # finished on other messages

    mark = api.mark()
    update = api.press_button(person.user_id, resume["message_id"], "r:continue")
    person.say("/help", HELP_TEXT)
    calls = api.sent()[mark:]
    answers = answers_to(calls, update["callback_query"]["id"])
    assert len(answers) == 1 and answers[0]["ok"], "one answer, accepted by Telegram"
    assert "ikke længere aktiv" in answers[0]["params"]["text"]
    assert not any(GENERIC_ERROR in text for text in texts(calls, person.user_id)), "nothing failed"
    assert texts(calls, ADMIN_ID) == [], "no error for the coordinators"
    assert bot.stop() == 0


def press_forged(api: FakeBotApi, person: Person, message_id: int, data: str) -> None:
    """One answer, a friendly one (an alert), and nothing failed."""
    mark = api.mark()
    update = api.press_button(person.user_id, message_id, data)
    person.say("/help", HELP_TEXT)
    calls = api.sent()[mark:]
    answers = answers_to(calls, update["callback_query"]["id"])
    assert len(answers) == 1 and answers[0]["ok"] and answers[0]["params"].get("show_alert") is True, data
    assert not any(GENERIC_ERROR in text for text in texts(calls, person.user_id)), data


def test_forged_digits_in_an_intake_button_get_a_friendly_answer(api: FakeBotApi, bot: BotProcess) -> None:
    start(bot)
    person = Person(api, 6103)
    first_half(person)  # at the municipality question
    question = api.messages(person.user_id)[-1]
    for data in ("i:mun:pick:²", "i:mun:pick:" + "9" * 23, "i:mun:pick:0259"):
        press_forged(api, person, question["message_id"], data)
    person.say("aarhus", "Hvilken slags støtte")  # the intake goes on as before
    assert texts(api.sent(), ADMIN_ID) == [], "no error for the coordinators"
    assert bot.stop() == 0


def test_a_23_digit_suggestion_number_gets_a_friendly_answer(api: FakeBotApi, bot: BotProcess) -> None:
    start(bot)
    person = Person(api, 6105)
    first_half(person)
    second_half(person)
    person.wait("Her er mine forslag til dig")
    suggestions = api.messages(person.user_id)[-1]
    for data in ("m:" + "1" * 23, "m:²"):
        press_forged(api, person, suggestions["message_id"], data)
    assert texts(api.sent(), ADMIN_ID) == [], "no error for the coordinators"
    assert bot.stop() == 0


def test_a_press_without_a_message_is_answered_and_ignored(api: FakeBotApi, bot: BotProcess) -> None:
    start(bot)
    user_id = 6104
    person = Person(api, user_id)
    person.say("/help", HELP_TEXT)  # the person exists for the fake Bot API
    mark = api.mark()
    query = {
        "id": "7700000000000001",
        "from": {"id": user_id, "is_bot": False, "first_name": "Sofie", "language_code": "da"},
        "inline_message_id": "AAAAinline",
        "chat_instance": "-42",
        "data": "c:yes",
    }
    api.push_update({"callback_query": query})
    person.say("/help", HELP_TEXT)
    calls = api.sent()[mark:]
    answers = answers_to(calls, query["id"])
    assert len(answers) == 1 and answers[0]["ok"]
    assert [text for text in texts(calls, user_id) if HELP_TEXT not in text] == [], "nothing but /help's answer"
    assert counts(bot, user_id) == (0, 0), "no consent stored from a press nobody could see the question of"
    assert texts(api.sent(), ADMIN_ID) == []
    assert bot.stop() == 0
