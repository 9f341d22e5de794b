"""The intake through the real process: a whole walk, and a SIGKILL in the middle."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from tests.e2e.conftest import BotProcess
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e


class Person:
    """A person in the Telegram app: reads the bot's last question and taps its buttons."""

    def __init__(self, api: FakeBotApi, user_id: int) -> None:
        self.api = api
        self.user_id = user_id

    def last_message(self) -> dict[str, Any]:
        return self.api.messages(self.user_id)[-1]

    def wait(self, contains: str) -> None:
        """Wait until Makker shows the text, in a message or on a button (sent or edited)."""

        def shows(call: dict[str, Any]) -> bool:
            params = call["params"]
            visible = params.get("text", "") + json.dumps(params.get("reply_markup") or {}, ensure_ascii=False)
            return call["ok"] and call["chat_id"] == self.user_id and contains in visible

        self.api.wait_for(shows, timeout=15, after=self.mark)

    def say(self, text: str, expect: str) -> None:
        self.mark = self.api.mark()
        self.api.send_text(self.user_id, text, first_name="Sofie", language_code="da")
        self.wait(expect)

    def tap(self, data: str, expect: str) -> None:
        message = next(
            m for m in reversed(self.api.messages(self.user_id)) if data in json.dumps(m.get("reply_markup") or {})
        )
        self.mark = self.api.mark()
        self.api.press_button(self.user_id, message["message_id"], data)
        self.wait(expect)


def first_half(person: Person) -> None:
    person.say("/start", "Giver du samtykke")
    person.tap("c:yes", "Hvem søger du støtte til?")
    person.tap("i:whom:pick:relative", "Hvad handler det om for den, du er pårørende til?")
    person.tap("i:grp:tog:mental_health", "✅ Psykiske vanskeligheder")
    person.tap("i:grp:done", "Hvor gammel er du?")
    person.tap("i:age:pick:40_64", "Hvor bor du?")


def second_half(person: Person) -> None:
    person.say("aarhus", "Hvilken slags støtte")
    person.tap("i:form:tog:group_community", "✅ Gruppe eller fællesskab")
    person.tap("i:form:done", "Hvilke sprog")
    person.tap("i:lang:tog:en", "✅ Engelsk")
    person.tap("i:lang:done", "Har du et ønske om")
    person.tap("i:gen:pick:woman", "Hvordan vil du helst")
    person.tap("i:cont:tog:in_person", "✅ Møde ansigt til ansigt")
    person.tap("i:cont:done", "Til sidst")
    person.say("At møde andre pårørende", "Her er det, du har fortalt mig")
    person.tap("i:sum:confirm", "Din anmodning er gemt")


def saved_request(bot: BotProcess, user_id: int) -> sqlite3.Row:
    with sqlite3.connect(bot.database) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM support_requests WHERE user_id = ?", (user_id,)).fetchone()
    assert row is not None
    return row


def check(row: sqlite3.Row, groups: tuple[str, ...] = ("mental_health",)) -> None:
    """The request the walk above saves; `groups` for walks that toggle other target groups."""
    assert row["status"] == "open" and row["for_whom"] == "relative"
    assert json.loads(row["target_groups"]) == list(groups)
    assert row["age_band"] == "40_64" and row["municipality_code"] == 751
    assert json.loads(row["languages"]) == ["da", "en"] and row["gender_preference"] == "woman"
    assert row["free_text"] == "At møde andre pårørende"


def test_a_person_walks_the_whole_intake_and_chooses_a_suggestion(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, 6001)
    first_half(person)
    second_half(person)
    person.wait("Her er mine forslag til dig")
    suggestions = person.last_message()
    assert "Ligestillet støtte" in suggestions["text"], "the Central Denmark programme for relatives fits"
    first = suggestions["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    person.tap(first, "Hvor du kan spørge om peer-støtte i dag")  # an ended trial, shown as what it is
    assert bot.stop() == 0
    check(saved_request(bot, 6001))
    with sqlite3.connect(bot.database) as db:
        chosen = db.execute("SELECT kind FROM suggestions WHERE user_id = 6001 AND chosen_at IS NOT NULL").fetchall()
    assert chosen == [("initiative",)]


def test_sigkill_in_the_middle_and_the_person_continues_after_restart(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, 6002)
    first_half(person)
    bot.kill()  # SIGKILL: no shutdown, no flush
    bot.start()
    person.say("/start", "Vil du fortsætte")
    person.tap("r:continue", "Hvor bor du?")
    second_half(person)
    assert bot.stop() == 0
    check(saved_request(bot, 6002))
