"""Every sentence true (issue #10, finding 4): nothing is called saved when it was not, nobody is told
they wait when nothing waits, no list is announced that does not follow, and a peer is not said to be
told what nobody tells them."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.e2e.conftest import ADMIN_ID, BotProcess
from tests.e2e.people import save_peer, walk_to_free_text
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e


def texts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [call["params"].get("text", "") for call in api.sent(chat_id) if call["ok"]]


def test_an_answer_the_database_refused_is_not_called_saved(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(ADMIN_ID, "/help")  # the coordinator has started the bot, so Makker may write to them
    api.wait_for_text(ADMIN_ID, "/mydata")
    person = Person(api, 7101)
    person.say("/start", "Giver du samtykke")
    holder = sqlite3.connect(bot.database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the database longer than the busy timeout
        mark = api.mark()
        consent = next(m for m in reversed(api.messages(7101)) if "c:yes" in str(m.get("reply_markup")))
        api.press_button(7101, consent["message_id"], "c:yes")
        answer = api.wait_for_text(7101, "kunne ikke gemme", timeout=40, after=mark)
        report = api.wait_for_text(ADMIN_ID, "fejl-id", timeout=40, after=mark)
    finally:
        holder.close()
    assert "gemt" not in answer["params"]["text"].replace("kunne ikke gemme", "")
    assert "er gemt" not in " ".join(texts_to(api, 7101))
    assert "OperationalError" in report["params"]["text"] and "7101" not in report["params"]["text"]
    with sqlite3.connect(bot.database) as db:
        assert db.execute("SELECT COUNT(*) FROM consents WHERE user_id = 7101").fetchone() == (0,)
    time.sleep(2)
    reports = [text for text in texts_to(api, ADMIN_ID) if "fejl-id" in text]
    assert len(reports) == 1, "one report for the coordinators, not one per failed write"
    # What the person was told to do works: the same tap again, now that the database is free.
    person.tap("c:yes", "Hvem søger du støtte til?")
    assert bot.stop() == 0


def test_a_minor_with_nothing_that_fits_is_not_told_of_a_waiting_list(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, 7102)
    walk_to_free_text(person, group="vision_loss", age="under_18", town="Tønder")
    person.tap("i:text:skip", "Her er det, du har fortalt mig")
    person.tap("i:sum:confirm", "Din anmodning er gemt")
    time.sleep(1)
    answer = texts_to(api, 7102)[-1]
    assert "venteliste" not in answer
    assert not answer.rstrip().endswith(":"), "no list is announced that does not follow"
    assert "116 111" in answer
    with sqlite3.connect(bot.database) as db:
        assert db.execute("SELECT waiting_since FROM support_requests WHERE user_id = 7102").fetchone() == (None,)
    assert bot.stop() == 0


def test_choosing_a_peer_says_the_peer_was_asked_only_once_the_offer_is_stored(
    api: FakeBotApi, bot: BotProcess
) -> None:
    assert bot.database.parent.mkdir(parents=True) is None
    save_peer(bot.database, "Mette")
    bot.start()
    person = Person(api, 7103)
    walk_to_free_text(person)
    person.tap("i:text:skip", "Her er det, du har fortalt mig")
    person.tap("i:sum:confirm", "Vælg Mette")
    suggestions = next(m for m in reversed(api.messages(7103)) if "Vælg Mette" in str(m.get("reply_markup")))
    data = next(
        button["callback_data"]
        for row in suggestions["reply_markup"]["inline_keyboard"]
        for button in row
        if "Mette" in button["text"]
    )
    person.tap(data, "Mette")
    answer = texts_to(api, 7103)[-1]
    assert "Jeg har spurgt Mette" in answer and "48 timer" in answer
    with sqlite3.connect(bot.database) as db:
        chosen = db.execute("SELECT kind FROM suggestions WHERE user_id = 7103 AND chosen_at IS NOT NULL").fetchall()
        offers = db.execute("SELECT state FROM offers WHERE user_id = 7103").fetchall()
        asked = db.execute("SELECT text_key FROM outbox WHERE text_key = 'peer_offer.new'").fetchall()
    assert chosen == [("peer",)] and offers == [("open",)], "what the reply says happened has happened"
    assert asked == [("peer_offer.new",)], "the peer's offer is queued with it"
    assert bot.stop() == 0
