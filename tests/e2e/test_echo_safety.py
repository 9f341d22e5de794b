"""What a person typed is never echoed with bidi controls, and a free text must have something visible
(issue #10, finding 11)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.people import walk_to_free_text
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
RLO = "\u202e"
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown(api: FakeBotApi, chat_id: int) -> str:
    return "\n".join(str(call["params"].get("text", "")) for call in api.sent(chat_id) if call["ok"])


def test_a_right_to_left_override_is_not_echoed(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, 7601)
    person.mark = api.mark()
    api.send_text(7601, "/start", first_name=f"Maja{RLO}nesneH", language_code="da")
    person.wait("Giver du samtykke")
    person.tap("c:yes", "Hvem søger du støtte til?")
    person.tap("i:whom:pick:self", "Hvad handler det om?")
    person.tap("i:grp:tog:mental_health", "✅")
    person.tap("i:grp:done", "Hvor gammel er du?")
    person.tap("i:age:pick:25_39", "Hvor bor du?")
    person.say(f"Qwzx{RLO} er min by", "Jeg kunne ikke finde en kommune")
    text = shown(api, 7601)
    assert "Hej MajanesneH" in text, "the name is shown with its letters, without the override"
    assert "Qwzx er min by" in text, "the rest of the text is shown as typed"
    assert not BIDI_CONTROLS & set(text), "no bidi control reaches the chat"
    assert bot.stop() == 0


def test_a_free_text_of_only_invisible_characters_is_refused(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    person = Person(api, 7602)
    walk_to_free_text(person)
    person.say("\u200b\u200d\u2060\ufeff \u200b", "Skriv et par ord")
    time.sleep(0.3)
    with sqlite3.connect(bot.database) as db:
        (step,) = db.execute("SELECT step FROM intake_drafts WHERE user_id = 7602").fetchone()
    assert step == "text", "the question is asked again; nothing invisible was saved"
    person.say(f"At møde{RLO} andre", "Her er det, du har fortalt mig")
    summary = shown(api, 7602)
    assert "At møde andre" in summary and RLO not in summary
    assert bot.stop() == 0
