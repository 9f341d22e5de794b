"""The outbox and the rate limiter through the real process: a 429 on a reply, a SIGKILL while sending."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e

USER = 4711


def test_a_429_on_a_conversation_reply_delays_it_and_never_loses_it(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, USER)
    person.say("/start", "Giver du samtykke")
    api.inject("editMessageText", 429, retry_after=1, times=3)
    person.tap("c:yes", "Hvem søger du støtte til?")  # after three 429s and their pauses
    refused = [call for call in api.sent(USER, "editMessageText") if call["status"] == 429]
    assert len(refused) == 3
    # The conversation is where the person was shown it is: the next answer leads to the next question.
    person.tap("i:whom:pick:relative", "Hvad handler det om for den, du er pårørende til?")
    assert bot.stop() == 0


def _queue(bot: BotProcess, chat_id: int, priority: int, on_unknown: str, group: str | None) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with sqlite3.connect(bot.database) as db:
        db.execute(
            "INSERT INTO outbox (chat_id, kind, text_key, priority, on_unknown, group_id, not_before, created_at)"
            " VALUES (?, 'text', 'flood.notice', ?, ?, ?, ?, ?)",
            (chat_id, priority, on_unknown, group, now, now),
        )


def test_a_sigkill_while_sending_resends_conversation_rows_and_reports_broadcast_rows(
    api: FakeBotApi, bot: BotProcess
) -> None:
    offered, broadcast_to = USER, USER + 1
    api.add_users([offered, broadcast_to])
    bot.start()
    api.slow_methods["sendMessage"] = 60.0  # Telegram received the sends but has not answered yet
    mark = api.mark()
    _queue(bot, offered, 0, "resend", None)
    _queue(bot, broadcast_to, 2, "report", "news")
    for chat in (offered, broadcast_to):
        api.wait_for(lambda call, c=chat: call["method"] == "sendMessage" and call["chat_id"] == c, after=mark)
    bot.kill()
    with sqlite3.connect(bot.database) as db:
        assert [row[0] for row in db.execute("SELECT status FROM outbox ORDER BY id")] == ["sending", "sending"]
    api.slow_methods.clear()
    mark = api.mark()
    bot.start()
    api.wait_for(lambda call: call["method"] == "sendMessage" and call["chat_id"] == offered, after=mark)
    assert bot.stop() == 0
    assert len(api.sent(offered, "sendMessage")) == 2, "at least once: sent again"
    assert len(api.sent(broadcast_to, "sendMessage")) == 1, "at most once: not sent again"
    with sqlite3.connect(bot.database) as db:
        statuses = db.execute("SELECT chat_id, status FROM outbox ORDER BY id").fetchall()
    assert statuses == [(offered, "sent"), (broadcast_to, "unknown")]
