"""The whole life of a match through the real process and the fake Bot API: two peers apply in the chat, a
coordinator approves both, a person does the intake and chooses a peer, the first peer declines, the second is
offered automatically and accepts; text, photos and threaded replies go both ways, a crisis text is relayed
(the writer gets the crisis help, the peer a gentle note), /afslut ends the match and frees the peer's place
(issue #12, "Must show")."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_ID, BotProcess
from tests.e2e.people import walk_to_free_text
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e

ANNA, BO, SOFIE = 8201, 8202, 8203
WAIT = 45  # seconds: generous, as other test runs share the machine's two cores


class Actor(Person):
    """A person in the Telegram app who is patient on a loaded machine."""

    def wait(self, contains: str) -> None:
        def shows(call: dict[str, Any]) -> bool:
            params = call["params"]
            visible = params.get("text", "") + json.dumps(params.get("reply_markup") or {}, ensure_ascii=False)
            return call["ok"] and call["chat_id"] == self.user_id and contains in visible

        self.api.wait_for(shows, timeout=WAIT, after=self.mark)

    def expect(self, contains: str, after: int) -> None:
        """Something Makker sends on its own (through the outbox), seen since `after`."""
        self.mark = after
        self.wait(contains)

    def button_data(self, starts: str, ends: str = "") -> str:
        for message in reversed(self.api.messages(self.user_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for key in row:
                    data = key.get("callback_data", "")
                    if data.startswith(starts) and data.endswith(ends):
                        return str(data)
        raise AssertionError(f"no button {starts}...{ends} in chat {self.user_id}")


def apply(peer: Actor, alias: str) -> None:
    """The whole application, as an applicant answers it in the app."""
    peer.say("/peer", "Giver du samtykke")
    peer.tap("pe:yes", "Hvilket navn vil du vise")
    peer.say(alias, "Er du lønnet peer eller frivillig peer?")
    peer.tap("pa:kind:pick:volunteer", "Hvilken organisation")
    peer.tap("pa:org:skip", "Hvad har du selv erfaring med?")
    peer.tap("pa:exp:tog:mental_health", "✅ Psykiske vanskeligheder")
    peer.tap("pa:exp:done", "Har du også erfaring som pårørende?")
    peer.tap("pa:rel:done", "Hvor gammel er du?")
    peer.tap("pa:age:pick:40_64", "Hvad er dit køn?")
    peer.tap("pa:gen:pick:woman", "Hvilke sprog kan du støtte på?")
    peer.tap("pa:lang:done", "Hvor kan du støtte?")
    peer.say("Køge", "Jeg har tilføjet Køge.")
    peer.tap("pa:area:done", "Hvordan vil du støtte?")
    peer.tap("pa:form:tog:one_to_one", "✅ Én-til-én med en peer")
    peer.tap("pa:form:done", "Hvordan kan en person komme i kontakt med dig?")
    peer.tap("pa:cont:tog:chat", "✅ Chat gennem Makker")
    peer.tap("pa:cont:done", "Hvor mange personer kan du støtte ad gangen?")
    peer.tap("pa:cap:pick:2", "Til sidst nogle udsagn")
    peer.tap("pa:elig:tog:recovery_year", "✅ 1")
    peer.tap("pa:elig:tog:never_known", "✅ 2")
    peer.tap("pa:elig:done", "Her er din ansøgning")
    peer.tap("pa:sum:submit", "Din ansøgning er gemt")


def application_id(bot: BotProcess, user_id: int) -> int:
    with sqlite3.connect(bot.database) as db:
        row = db.execute("SELECT id FROM peer_applications WHERE user_id = ?", (user_id,)).fetchone()
    assert row is not None
    return int(row[0])


def approve(coordinator: Actor, peer: Actor, number: int, alias: str) -> None:
    after = coordinator.api.mark()
    coordinator.say("/ansoegninger", "Ansøgninger, der venter på en afgørelse")
    coordinator.tap(f"ar:{number}:open", f"Ansøgning #{number} fra {alias}")
    coordinator.tap(f"ar:{number}:ok", f"{alias} er godkendt")
    peer.expect("Velkommen som peer i Makker!", after)


def relayed(api: FakeBotApi, to_chat: int, after: int) -> dict[str, Any]:
    """The copy Makker made for `to_chat`: copyMessage, protected."""
    call = api.wait_for(
        lambda c: c["ok"] and c["method"] == "copyMessage" and c["chat_id"] == to_chat, timeout=WAIT, after=after
    )
    assert call["params"].get("protect_content") in (True, "true"), "neither side can forward the other's words"
    return call


def reply_target(call: dict[str, Any]) -> int | None:
    reply = call["params"].get("reply_parameters")
    reply = json.loads(reply) if isinstance(reply, str) else reply
    return None if reply is None else int(reply["message_id"])


def bot_message(api: FakeBotApi, chat_id: int, message_id: int) -> dict[str, Any]:
    found = next(m for m in api.messages(chat_id) if m["message_id"] == message_id)
    return {key: value for key, value in found.items() if key not in {"raw_text"}}


def say_in_relay(api: FakeBotApi, user_id: int, fields: dict[str, Any], to_chat: int) -> tuple[int, dict[str, Any]]:
    """The user writes into the relay; returns their message id and the copy's call."""
    after = api.mark()
    update = api.send_message_fields(user_id, fields)
    return int(update["message"]["message_id"]), relayed(api, to_chat, after)


def photo_in_relay(api: FakeBotApi, user_id: int, to_chat: int) -> None:
    """The user sends a photo into the relay; it arrives on the other side as a photo."""
    after = api.mark()
    api.send_photo(user_id)
    copy = relayed(api, to_chat, after)
    assert bot_message(api, to_chat, copy["result"]["message_id"]).get("photo")


def test_two_peers_apply_are_approved_and_one_declines_the_other_accepts_talks_and_ends(
    api: FakeBotApi, bot: BotProcess
) -> None:
    bot.start()
    anna, bo, sofie, coordinator = (Actor(api, user) for user in (ANNA, BO, SOFIE, ADMIN_ID))

    # Application and approval, both peers through the chat. The coordinator has written to Makker before (Telegram
    # lets a bot write only to people who have), and is told of each application as it comes.
    coordinator.say("/ansoegninger", "Der er ingen ansøgninger, der venter på en afgørelse.")
    apply(anna, "Anna")
    apply(bo, "Bo")
    first, second = application_id(bot, ANNA), application_id(bot, BO)
    coordinator.expect(f"Ny ansøgning om at blive peer: #{first} fra Anna", 0)
    coordinator.expect(f"Ny ansøgning om at blive peer: #{second} fra Bo", 0)
    approve(coordinator, anna, first, "Anna")
    approve(coordinator, bo, second, "Bo")

    # The person's request; they choose Anna.
    walk_to_free_text(sofie)
    sofie.tap("i:text:skip", "Her er det, du har fortalt mig")
    sofie.tap("i:sum:confirm", "Her er mine forslag til dig")
    suggestions = sofie.last_message()
    assert "Anna" in suggestions["text"] and "Bo" in suggestions["text"], "both approved peers fit"
    choose_anna = next(
        key["callback_data"]
        for row in suggestions["reply_markup"]["inline_keyboard"]
        for key in row
        if "Anna" in key["text"]
    )
    after_choice = api.mark()
    sofie.tap(choose_anna, "Jeg har spurgt Anna")

    # Anna gets the offer and declines; Bo is offered automatically, and Sofie is told.
    anna.expect("En person, der søger støtte, vil gerne tale med dig", after_choice)
    assert "Sofie" not in anna.last_message()["text"], "the offer names nobody"
    anna.tap(anna.button_data("o:", ":dec"), "Jeg har ikke tid lige nu")
    after_decline = api.mark()
    anna.tap(anna.button_data("o:", ":dec:no_time"), "Tak, fordi du svarede")
    sofie.expect("Jeg har i stedet spurgt Bo", after_decline)
    bo.expect("En person, der søger støtte, vil gerne tale med dig", after_decline)
    after_accept = api.mark()
    bo.tap(bo.button_data("o:", ":acc"), "Forbindelsen er åbnet som Makker-samtale #1")
    sofie.expect("Godt nyt: Bo har sagt ja til at være din peer", after_accept)

    # Text and photo both ways, and replies that thread on both sides.
    hello_id, hello = say_in_relay(api, SOFIE, {"text": "Hej Bo, tak fordi du vil tale med mig"}, BO)
    photo_in_relay(api, SOFIE, BO)
    copy_of_hello = bot_message(api, BO, hello["result"]["message_id"])
    assert copy_of_hello["text"] == "Hej Bo, tak fordi du vil tale med mig"
    welcome_id, welcome = say_in_relay(api, BO, {"text": "Velkommen, Sofie", "reply_to_message": copy_of_hello}, SOFIE)
    assert reply_target(welcome) == hello_id, "Bo's reply threads under Sofie's own message"
    copy_of_welcome = bot_message(api, SOFIE, welcome["result"]["message_id"])
    _, thanks = say_in_relay(api, SOFIE, {"text": "Tak", "reply_to_message": copy_of_welcome}, BO)
    assert reply_target(thanks) == welcome_id, "Sofie's reply threads under Bo's own message"
    photo_in_relay(api, BO, SOFIE)

    # A crisis text: Sofie gets the crisis help, Bo the copy and a gentle note.
    after_crisis = api.mark()
    say_in_relay(api, SOFIE, {"text": "jeg vil ikke leve mere"}, BO)
    sofie.expect("Livslinien", after_crisis)
    bo.expect("Til orientering: personen i Makker-samtale #1", after_crisis)

    # Sofie ends the match; Bo is told only that it ended, and his place is free again.
    after_end = api.mark()
    sofie.say("/afslut", "Makker-samtale #1 er afsluttet")
    bo.expect("Din plads er fri til en ny", after_end)
    after_ended = api.mark()
    api.send_text(BO, "Er du der stadig?")
    api.wait_for_text(BO, "Du har ingen åben samtale", timeout=WAIT, after=after_ended)
    assert not [c for c in api.sent(SOFIE, "copyMessage") if c["index"] >= after_ended], "nothing is relayed"

    assert bot.stop() == 0
    with sqlite3.connect(bot.database) as db:
        peers = dict(db.execute("SELECT user_id, active_matches FROM peers").fetchall())
        states = db.execute("SELECT state FROM matches").fetchall()
        offers = dict(db.execute("SELECT peer_user_id, state FROM offers").fetchall())
    assert peers == {ANNA: 0, BO: 0}, "the ended match frees Bo's capacity"
    assert states == [("ended",)]
    assert offers == {ANNA: "declined", BO: "accepted"}
