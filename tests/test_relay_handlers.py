"""The relay through PTB offline: copies with protect_content, threaded replies both ways, photos, edits,
a crisis text, /afslut, and the refusals (no open match, an ended match, a forged conversation number)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.buttons import OfferButton
from tests.conftest import BotHarness
from tests.test_offer_handlers import METTE, OTHER_PERSON, PERSON, ask, open_offer, press, send_outbox, t, world


async def matched(h: BotHarness) -> None:
    await world(h)
    await ask(h)
    offer = await open_offer(h)
    assert offer is not None
    await press(h, METTE, OfferButton(offer.id, "acc"))


def copies_to(h: BotHarness, chat_id: int) -> list[dict[str, Any]]:
    return [c.params for c in h.api.sent_to(chat_id) if c.method == "copyMessage"]


def _loads(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def message(h: BotHarness, user_id: int, **content: Any) -> dict[str, Any]:
    return h.updates.raw({"message": h.updates._message(user_id, "da", **content)})


async def test_text_and_photo_are_copied_protected_and_replies_thread_both_ways(harness: BotHarness) -> None:
    await matched(harness)
    first = message(harness, PERSON, text="Hej, tak fordi du vil tale med mig")
    await harness.feed(first)
    [copy] = copies_to(harness, METTE)
    assert copy["from_chat_id"] == PERSON and copy["message_id"] == first["message"]["message_id"]
    assert copy["protect_content"] is True
    await harness.feed(harness.updates.photo(PERSON))
    assert len(copies_to(harness, METTE)) == 2
    # The peer replies to the copy they got: the person's copy threads under the person's own message.
    copy_id = await harness.services.store.db.read(
        lambda c: c.execute(
            "SELECT to_message FROM relay_messages WHERE from_chat = ? AND from_message = ?",
            (PERSON, first["message"]["message_id"]),
        ).fetchone()[0]
    )
    reply = message(
        harness,
        METTE,
        text="Velkommen",
        reply_to_message={**message(harness, METTE, text="x")["message"], "message_id": copy_id},
    )
    await harness.feed(reply)
    [back] = copies_to(harness, PERSON)
    assert _loads(back["reply_parameters"])["message_id"] == first["message"]["message_id"]
    # And the person replies to that copy: it threads under the peer's original.
    back_id = await harness.services.store.db.read(
        lambda c: c.execute("SELECT to_message FROM relay_messages WHERE from_chat = ?", (METTE,)).fetchone()[0]
    )
    await harness.feed(
        message(
            harness,
            PERSON,
            text="Tak",
            reply_to_message={**message(harness, PERSON, text="x")["message"], "message_id": back_id},
        )
    )
    assert _loads(copies_to(harness, METTE)[-1]["reply_parameters"])["message_id"] == reply["message"]["message_id"]


async def test_a_replayed_message_is_copied_once(harness: BotHarness) -> None:
    await matched(harness)
    update = message(harness, PERSON, text="Hej")
    await harness.feed(update)
    await harness.feed({**update, "update_id": update["update_id"] + 1000})
    assert len(copies_to(harness, METTE)) == 1


async def test_a_crisis_text_is_relayed_and_the_peer_told_gently(harness: BotHarness) -> None:
    await matched(harness)
    await harness.feed(message(harness, PERSON, text="Jeg vil ikke leve mere"))
    assert "112" in "\n".join(harness.api.texts_to(PERSON)), "the writer gets the crisis message"
    assert len(copies_to(harness, METTE)) == 1
    await send_outbox(harness)
    assert harness.api.last_text(METTE) == t(harness, "da", "relay.crisis_shown", number=1)


@pytest.mark.parametrize("language", ["da", "en"])
async def test_no_open_match_and_an_ended_match_are_refused(harness: BotHarness, language: str) -> None:
    await matched(harness)
    await harness.feed(harness.updates.text(PERSON, "/afslut", language))
    assert harness.api.last_text(PERSON) == t(harness, language, "peer_match.ended_you", number=1)
    await send_outbox(harness)
    await harness.feed(harness.updates.text(METTE, "Er du der?", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.no_open_match")
    assert copies_to(harness, PERSON) == []
    await harness.feed(harness.updates.text(METTE, "/afslut 1", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.match_ended")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_forged_conversation_number_reveals_nothing(harness: BotHarness, language: str) -> None:
    await matched(harness)
    await harness.feed(harness.updates.text(METTE, "/afslut 42", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.not_found")


async def test_an_edit_follows_while_open_and_the_writer_is_told_after_the_end(harness: BotHarness) -> None:
    await matched(harness)
    original = message(harness, PERSON, text="Hej")
    await harness.feed(original)
    edited = {**original["message"], "text": "Hej igen", "edit_date": original["message"]["date"] + 1}
    await harness.feed(harness.updates.raw({"edited_message": edited}))
    [edit] = [c.params for c in harness.api.sent_to(METTE) if c.method == "editMessageText"]
    assert edit["text"] == "Hej igen"
    await harness.feed(harness.updates.text(PERSON, "/afslut"))
    await harness.feed(harness.updates.raw({"edited_message": {**edited, "text": "Hej tredje gang"}}))
    assert harness.api.last_text(PERSON) == t(harness, "da", "relay.edit_not_passed")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_peer_with_two_conversations_sees_which_and_answers_the_right_one(
    harness: BotHarness, language: str
) -> None:
    await matched(harness)
    await harness.services.store.users.note_client_language(METTE, language)
    await ask(harness, OTHER_PERSON)
    second = await open_offer(harness, OTHER_PERSON)
    assert second is not None and second.peer_user_id == METTE
    await press(harness, METTE, OfferButton(second.id, "acc"), language)
    await harness.feed(message(harness, OTHER_PERSON, text="Hej fra den anden"))
    label, copy = harness.api.sent_to(METTE)[-2:]
    assert label.params["text"] == t(harness, language, "peer_match.from_conversation", number=2)
    assert copy.method == "copyMessage" and copy.params["from_chat_id"] == OTHER_PERSON
    # Without a reply the peer is asked to choose; nothing is sent on a guess.
    await harness.feed(harness.updates.text(METTE, "Hvem af jer?", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.choose_conversation", numbers="#1, #2")
    assert copies_to(harness, PERSON) == [] and copies_to(harness, OTHER_PERSON) == []
    # A reply to the second conversation's copy goes to that person only, threaded.
    copy_id = await harness.services.store.db.read(
        lambda c: c.execute("SELECT to_message FROM relay_messages WHERE from_chat = ?", (OTHER_PERSON,)).fetchone()[0]
    )
    replied_to = {**harness.updates._message(METTE, language, text="x"), "message_id": copy_id}
    reply = harness.updates._message(METTE, language, text="Hej med dig", reply_to_message=replied_to)
    await harness.feed(harness.updates.raw({"message": reply}))
    assert copies_to(harness, PERSON) == []
    [answer] = copies_to(harness, OTHER_PERSON)
    assert answer["protect_content"] is True
