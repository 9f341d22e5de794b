"""Choosing a peer, the peer's offer and its Accept / Decline buttons, expiry by the scheduler's job, and /delete
ending matches: through PTB offline, in Danish and English, with every refusal of the issue's Behaviour section."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import jobs
from bot.app import DISPATCHER_KEY
from bot.buttons import DECLINE_REASONS, OfferButton, pack
from bot.clock import to_db, utc_now
from bot.context import MakkerContext
from bot.intake import Step
from bot.offers import DeclineReason
from bot.store import matches as rows
from matching.geo import Area
from tests.conftest import ADMIN_ID, BotHarness
from tests.test_intake_handlers import walk_to
from tests.test_match_handlers import peer

PERSON = 501
OTHER_PERSON = 502
METTE = 9001
JONAS = 9002
STRANGER = 777


async def ask(h: BotHarness, person: int = PERSON) -> None:
    """The person finishes the intake and chooses the first suggestion, a peer."""
    await walk_to(h, Step.SUMMARY, user=person)
    await h.press(person, "i:sum:confirm")
    keyboard = [
        b["callback_data"]
        for call in reversed(h.api.sent_to(person))
        if call.params.get("reply_markup")
        for row in _markup(call)
        for b in row
    ]
    first = next(data for data in keyboard if data.startswith("m:"))
    await h.press(person, first)


def _markup(call: Any) -> list[list[dict[str, Any]]]:
    import json

    markup = call.params["reply_markup"]
    return (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]


async def world(h: BotHarness, *, capacity: int = 2) -> None:
    await h.services.store.peers.save(peer(METTE, capacity=capacity), "Mette")
    await h.services.store.peers.save(peer(JONAS, capacity=capacity, area=Area(online=True)), "Jonas")


async def open_offer(h: BotHarness, person: int = PERSON) -> rows.OfferRecord | None:
    def run(connection: Any) -> rows.OfferRecord | None:
        row = connection.execute("SELECT id FROM offers WHERE user_id = ? AND state = 'open'", (person,)).fetchone()
        return None if row is None else rows.offer(connection, row[0])

    return await h.services.store.db.read(run)


async def send_outbox(h: BotHarness) -> None:
    """Until every chat's queue is empty (one row per chat goes at a time, in order)."""
    while await h.application.bot_data[DISPATCHER_KEY].dispatch_due(h.application.bot):
        pass


async def press(h: BotHarness, user: int, button: object, language: str = "da") -> None:
    await h.feed(h.updates.button(user, pack(button), language_code=language))


def alert(h: BotHarness) -> str:
    call = [c for c in h.api.calls if c.method == "answerCallbackQuery"][-1]
    assert call.params.get("show_alert") is True, call.params
    return call.params["text"]


def t(h: BotHarness, language: str, key: str, **params: object) -> str:
    return h.services.catalogue.text(language, key, **params)


async def test_the_person_is_told_the_peer_was_asked_once_the_offer_and_its_notice_are_stored(
    harness: BotHarness,
) -> None:
    await world(harness)
    await ask(harness)
    answer = harness.api.last_text(PERSON)
    assert answer.startswith("Tak. Jeg har spurgt Mette") and "48 timer" in answer
    offer = await open_offer(harness)
    assert offer is not None and offer.peer_user_id == METTE
    queued = await harness.services.store.db.read(
        lambda c: c.execute("SELECT text_key, keyboard, priority FROM outbox WHERE chat_id = ?", (METTE,)).fetchall()
    )
    assert [row[0] for row in queued] == ["peer_offer.new"] and queued[0][2] == 0


@pytest.mark.parametrize("language", ["da", "en"])
async def test_the_peer_gets_an_anonymised_summary_and_the_buttons_in_their_language(
    harness: BotHarness, language: str
) -> None:
    await world(harness)
    await harness.services.store.users.note_client_language(METTE, language)
    await ask(harness)
    await send_outbox(harness)
    text = harness.api.last_text(METTE)
    assert text.startswith(t(harness, language, "peer_offer.new", summary="", hours=48).split("\n")[0])
    assert t(harness, language, "peer_offer.summary.self") in text
    assert "Person501" not in text and str(PERSON) not in text, "no name, no id"
    offer = await open_offer(harness)
    assert offer is not None
    [[accept, decline]] = harness.api.last_keyboard(METTE)
    assert accept == {"text": t(harness, language, "peer_offer.accept"), "callback_data": f"o:{offer.id}:acc"}
    assert decline == {"text": t(harness, language, "peer_offer.decline"), "callback_data": f"o:{offer.id}:dec"}


async def test_choosing_another_peer_while_one_is_asked_is_refused(harness: BotHarness) -> None:
    await world(harness)
    await ask(harness)
    peer_suggestions = await harness.services.store.db.read(
        lambda c: c.execute("SELECT id FROM suggestions WHERE user_id = ? AND kind = 'peer'", (PERSON,)).fetchall()
    )
    assert len(peer_suggestions) == 2
    for row in peer_suggestions:
        await harness.press(PERSON, f"m:{row[0]}")
    assert harness.api.last_text(PERSON) == t(harness, "da", "refusal.already_offered")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_accept_opens_a_match_and_both_are_told(harness: BotHarness, language: str) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    await press(harness, METTE, OfferButton(offer.id, "acc"), language)
    assert harness.api.last_text(METTE) == t(harness, language, "peer_match.opened_peer", number=1)
    assert any(c.method == "editMessageReplyMarkup" for c in harness.api.sent_to(METTE)), "the buttons go"
    await send_outbox(harness)
    assert harness.api.last_text(PERSON).startswith("Godt nyt: Mette har sagt ja")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_double_tap_or_a_second_device_changes_nothing_twice(harness: BotHarness, language: str) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    await press(harness, METTE, OfferButton(offer.id, "acc"), language)
    await harness.feed(harness.updates.button(METTE, pack(OfferButton(offer.id, "acc")), 77, language))
    assert alert(harness) == t(harness, language, "refusal.already_accepted", number=1)
    await press(harness, METTE, OfferButton(offer.id, "dec", "no_time"), language)
    assert alert(harness) == t(harness, language, "refusal.already_accepted", number=1)
    count = await harness.services.store.db.read(lambda c: c.execute("SELECT COUNT(*) FROM matches").fetchone()[0])
    assert count == 1


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_non_peer_or_another_peer_pressing_accept_is_refused(harness: BotHarness, language: str) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    for presser in (STRANGER, JONAS, PERSON):
        await press(harness, presser, OfferButton(offer.id, "acc"), language)
        assert alert(harness) == t(harness, language, "refusal.not_yours")
        await press(harness, presser, OfferButton(offer.id, "dec"), language)
        assert alert(harness) == t(harness, language, "refusal.not_yours")
    assert (await open_offer(harness)) is not None, "the offer is still open"


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_forged_offer_number_reveals_nothing(harness: BotHarness, language: str) -> None:
    await world(harness)
    await press(harness, METTE, OfferButton(987654, "acc"), language)
    assert alert(harness) == t(harness, language, "refusal.not_found")
    await harness.feed(harness.updates.button(METTE, "o:1:acc:x", language_code=language))
    assert alert(harness) == t(harness, language, "errors.stale_button")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_press_after_the_offer_expired_is_refused(harness: BotHarness, language: str) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    past = to_db(utc_now() - timedelta(minutes=1))
    await harness.services.store.db.transaction(
        lambda c: c.execute("UPDATE offers SET expires_at = ? WHERE id = ?", (past, offer.id))
    )
    await press(harness, METTE, OfferButton(offer.id, "acc"), language)
    assert alert(harness) == t(harness, language, "refusal.expired")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_accepting_beyond_capacity_is_refused(harness: BotHarness, language: str) -> None:
    await world(harness, capacity=1)
    await ask(harness)
    await ask(harness, OTHER_PERSON)
    first, second = await open_offer(harness), await open_offer(harness, OTHER_PERSON)
    assert first is not None and second is not None and second.peer_user_id == METTE
    await press(harness, METTE, OfferButton(first.id, "acc"), language)
    await press(harness, METTE, OfferButton(second.id, "acc"), language)
    assert alert(harness) == t(harness, language, "refusal.at_capacity", capacity=1)


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_suspended_peer_cannot_accept(harness: BotHarness, language: str) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    now = utc_now()
    await harness.services.store.db.transaction(lambda c: rows.suspend(c, METTE, "report", now))
    await press(harness, METTE, OfferButton(offer.id, "acc"), language)
    assert alert(harness) == t(harness, language, "refusal.suspended")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_decline_asks_why_then_the_next_peer_is_offered_and_the_person_told(
    harness: BotHarness, language: str
) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    await press(harness, METTE, OfferButton(offer.id, "dec"), language)
    edit = [c for c in harness.api.sent_to(METTE) if c.method == "editMessageReplyMarkup"][-1]
    reasons = [b["callback_data"] for row in _markup(edit) for b in row]
    assert reasons[: len(DECLINE_REASONS)] == [f"o:{offer.id}:dec:{reason}" for reason in DECLINE_REASONS]
    assert (await open_offer(harness)) is not None, "asking why changes nothing"
    await press(harness, METTE, OfferButton(offer.id, "dec", "knows_person"), language)
    assert harness.api.last_text(METTE) == t(harness, language, "peer_offer.declined_thanks")
    never = await harness.services.store.db.read(
        lambda c: c.execute("SELECT reason FROM never_pairs WHERE person_user_id = ?", (PERSON,)).fetchall()
    )
    assert [row[0] for row in never] == ["knows_person"]
    following = await open_offer(harness)
    assert following is not None and following.peer_user_id == JONAS
    await send_outbox(harness)
    assert harness.api.last_text(PERSON).startswith("Den peer, du valgte, kunne ikke")
    assert "Jonas" in harness.api.last_text(PERSON)


async def test_the_decline_reasons_of_the_buttons_are_the_services() -> None:
    assert set(DECLINE_REASONS) == {*DeclineReason.ALL, "none"}


async def test_the_due_offers_job_is_scheduled_once_every_minute(harness: BotHarness) -> None:
    found = harness.application.job_queue.get_jobs_by_name("offers:due")  # type: ignore[union-attr]
    assert len(found) == 1
    assert found[0].job.trigger.interval == timedelta(minutes=1)
    assert found[0].job.max_instances == 1 and found[0].job.id == "offers:due"


async def test_silence_ends_the_offer_and_the_job_offers_the_next_peer(harness: BotHarness) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    past = to_db(utc_now() - timedelta(seconds=1))
    await harness.services.store.db.transaction(
        lambda c: c.execute("UPDATE offers SET expires_at = ?, reminder_at = ? WHERE id = ?", (past, past, offer.id))
    )
    context = MakkerContext(harness.application)
    await jobs.offers_due(context)
    await jobs.offers_due(context)  # twice: nothing fires twice
    expired = await harness.services.store.db.read(lambda c: rows.offer(c, offer.id))
    assert expired is not None and expired.state == "expired"
    following = await open_offer(harness)
    assert following is not None and following.peer_user_id == JONAS
    await send_outbox(harness)
    texts = harness.api.texts_to(METTE)
    assert texts.count(t(harness, "da", "peer_offer.expired_peer")) == 1
    assert not any(text.startswith("Påmindelse") for text in texts), "no reminder for an offer already over"


async def test_delete_ends_the_match_and_tells_the_peer_only_that(harness: BotHarness) -> None:
    await world(harness)
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    await press(harness, METTE, OfferButton(offer.id, "acc"))
    await harness.say(PERSON, "/delete")
    yes = harness.api.last_keyboard(PERSON)[0][0]
    await harness.press(PERSON, yes["callback_data"])
    left = await harness.services.store.db.read(
        lambda c: c.execute("SELECT COUNT(*) FROM matches WHERE user_id = ?", (PERSON,)).fetchone()[0]
    )
    assert left == 0
    await send_outbox(harness)
    assert harness.api.last_text(METTE) == t(harness, "da", "peer_match.ended_for_peer", number=1)
    peer_state = await harness.services.store.db.read(lambda c: rows.peer_state(c, user_id=METTE))
    assert peer_state is not None and peer_state.open_matches == 0, "the capacity is freed"
    assert ADMIN_ID not in [c.params.get("chat_id") for c in harness.api.calls if c.method == "sendMessage"]
