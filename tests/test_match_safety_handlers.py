"""The contact exchange (/kontakt), block and report (/rapporter), the coordinators' suspension, and the refusals
of the issue's Behaviour section around them, through PTB offline in Danish and English."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.buttons import ContactButton, OfferButton, ReportButton, SuspendButton, pack
from bot.store import matches as rows
from tests.conftest import ADMIN_ID, BotHarness
from tests.test_match_handlers import peer
from tests.test_offer_handlers import METTE, PERSON, STRANGER, alert, ask, open_offer, press, send_outbox, t
from tests.test_relay_handlers import copies_to, matched, message


def command(h: BotHarness, user_id: int, text: str, language: str = "da", username: str | None = None) -> Any:
    update = h.updates.text(user_id, text, language)
    if username:
        update["message"]["from"]["username"] = username
    return update


def button(h: BotHarness, user_id: int, pressed: object, language: str = "da", username: str | None = None) -> Any:
    update = h.updates.button(user_id, pack(pressed), language_code=language)
    if username:
        update["callback_query"]["from"]["username"] = username
    return update


async def the_match(h: BotHarness) -> rows.MatchRecord:
    def run(connection: Any) -> rows.MatchRecord:
        found = rows.match(connection, connection.execute("SELECT MAX(id) FROM matches").fetchone()[0])
        assert found is not None
        return found

    return await h.services.store.db.read(run)


def callbacks(keyboard: list[list[dict[str, Any]]]) -> list[str]:
    return [b["callback_data"] for row in keyboard for b in row]


# The contact exchange ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_contacts_are_exchanged_only_when_both_agree_and_then_the_relay_ends(
    harness: BotHarness, language: str
) -> None:
    await matched(harness)
    match = await the_match(harness)
    await harness.feed(command(harness, PERSON, "/kontakt" if language == "da" else "/contact", language, "hemmelig"))
    assert harness.api.last_text(PERSON) == t(harness, language, "contact.choose")
    forms = harness.api.last_keyboard(PERSON)
    assert forms[0][0]["text"] == t(harness, language, "contact.form_username", username="hemmelig")
    assert callbacks(forms) == [f"k:{match.id}:yes:u", f"k:{match.id}:yes:l", f"k:{match.id}:no"]
    await harness.feed(button(harness, PERSON, ContactButton(match.id, "yes", "u"), language, "hemmelig"))
    assert harness.api.last_text(PERSON) == t(harness, language, "contact.waiting")
    await send_outbox(harness)
    assert harness.api.last_text(METTE) == t(harness, "da", "contact.asked_peer", number=1)
    assert "hemmelig" not in json.dumps([c.params for c in harness.api.sent_to(METTE)]), "nothing shared yet"
    assert callbacks(harness.api.last_keyboard(METTE)) == [f"k:{match.id}:yes", f"k:{match.id}:no"]
    # The peer says yes: first which form (Mette has no username, so only the link), then the exchange.
    await harness.feed(button(harness, METTE, ContactButton(match.id, "yes")))
    edit = [c for c in harness.api.sent_to(METTE) if c.method == "editMessageReplyMarkup"][-1]
    assert "hemmelig" not in json.dumps(edit.params)
    assert f"k:{match.id}:yes:u" not in json.dumps(edit.params), "no username to offer"
    await harness.feed(button(harness, METTE, ContactButton(match.id, "yes", "l")))
    assert harness.api.last_text(METTE) == t(harness, "da", "contact.exchanged_peer", number=1, contact="@hemmelig")
    await send_outbox(harness)
    assert harness.api.last_text(PERSON) == t(
        harness, language, "contact.exchanged_person", number=1, contact=f"tg://user?id={METTE}"
    )
    ended = await the_match(harness)
    assert ended.state == "ended" and ended.end_reason == "contacts_exchanged"
    peer_state = await harness.services.store.db.read(lambda c: rows.peer_state(c, user_id=METTE))
    assert peer_state is not None and peer_state.open_matches == 0, "the capacity is freed"
    # The relay has ended: nothing more is copied, and a stale or second press changes nothing.
    await harness.feed(harness.updates.text(PERSON, "Er du der?", language))
    assert copies_to(harness, METTE) == []
    await harness.feed(button(harness, METTE, ContactButton(match.id, "yes", "l"), language))
    assert alert(harness) == t(harness, language, "refusal.already_ended")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_no_shares_nothing_and_tells_the_one_who_asked(harness: BotHarness, language: str) -> None:
    await matched(harness)
    match = await the_match(harness)
    await harness.services.store.users.note_client_language(PERSON, language)
    await harness.feed(command(harness, PERSON, "/kontakt", language))
    assert callbacks(harness.api.last_keyboard(PERSON)) == [f"k:{match.id}:yes:l", f"k:{match.id}:no"]
    await harness.feed(button(harness, PERSON, ContactButton(match.id, "yes", "l"), language))
    await harness.feed(button(harness, PERSON, ContactButton(match.id, "yes", "l"), language))
    assert harness.api.last_text(PERSON) == t(harness, language, "contact.already_waiting"), "a double tap"
    await send_outbox(harness)
    await harness.feed(button(harness, METTE, ContactButton(match.id, "no")))
    assert harness.api.last_text(METTE) == t(harness, "da", "contact.declined_you", number=1)
    await send_outbox(harness)
    assert harness.api.last_text(PERSON) == t(harness, language, "contact.declined_person")
    assert str(PERSON) not in json.dumps([c.params for c in harness.api.sent_to(METTE)])
    still = await the_match(harness)
    assert still.state == "open" and still.person_contact is None
    await harness.feed(harness.updates.text(PERSON, "Så skriver vi her", language))
    assert len(copies_to(harness, METTE)) == 1, "the relay goes on"


@pytest.mark.parametrize("language", ["da", "en"])
async def test_contact_refusals_no_match_forged_number_stranger_and_a_missing_username(
    harness: BotHarness, language: str
) -> None:
    await harness.feed(command(harness, PERSON, "/kontakt", language))
    assert harness.api.last_text(PERSON) == t(harness, language, "refusal.no_open_match")
    await matched(harness)
    match = await the_match(harness)
    await harness.feed(command(harness, METTE, "/kontakt 42", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.not_found")
    await harness.feed(button(harness, STRANGER, ContactButton(match.id, "yes", "l"), language))
    assert alert(harness) == t(harness, language, "refusal.not_found")
    await harness.feed(button(harness, STRANGER, ContactButton(match.id, "yes"), language))
    assert alert(harness) == t(harness, language, "refusal.not_found")
    await harness.feed(button(harness, PERSON, ContactButton(match.id, "yes", "u"), language))
    assert alert(harness) == t(harness, language, "contact.no_username")
    assert (await the_match(harness)).person_shares_contact is False


# Block and report -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_report_ends_the_match_keeps_them_apart_and_brings_only_the_words_to_the_coordinators(
    harness: BotHarness, language: str
) -> None:
    await matched(harness)
    match = await the_match(harness)
    await harness.feed(command(harness, PERSON, "/rapporter" if language == "da" else "/report", language))
    assert harness.api.last_text(PERSON) == t(harness, language, "report.flow.ask_blocked")
    assert callbacks(harness.api.last_keyboard(PERSON)) == [f"rp:{match.id}:skip"]
    assert (await the_match(harness)).state == "ended", "the match ends at once"
    never = await harness.services.store.db.read(
        lambda c: c.execute("SELECT reason FROM never_pairs WHERE person_user_id = ?", (PERSON,)).fetchone()[0]
    )
    assert never == "blocked"
    # A photo is not a report; the person is asked for words.
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]
    await harness.feed(harness.updates.raw({"message": harness.updates._message(PERSON, language, photo=photo)}))
    assert harness.api.last_text(PERSON) == t(harness, language, "report.flow.text_only")
    assert copies_to(harness, METTE) == [], "nothing is relayed any more"
    await harness.feed(harness.updates.text(PERSON, "Han skrev grimme ting til mig", language))
    assert harness.api.last_text(PERSON) == t(harness, language, "report.thanks")
    await send_outbox(harness)
    [report] = [c.params for c in harness.api.sent_to(ADMIN_ID) if c.method == "sendMessage"]
    assert "Han skrev grimme ting til mig" in report["text"]
    assert str(PERSON) not in json.dumps(report) and str(METTE) not in json.dumps(report), "words, not ids"
    report_id = await harness.services.store.db.read(lambda c: c.execute("SELECT id FROM reports").fetchone()[0])
    assert callbacks(harness.api.last_keyboard(ADMIN_ID)) == [f"su:{report_id}"]
    # The peer is told only that the conversation ended.
    assert [text for text in harness.api.texts_to(METTE) if "Makker" in text][-1] == t(
        harness, "da", "peer_match.ended_for_peer", number=1
    )
    assert not any("grimme" in text for text in harness.api.texts_to(METTE))
    # Afterwards the person's messages go nowhere; the report's words were taken once.
    await harness.feed(harness.updates.text(PERSON, "Og en ting mere", language))
    assert await harness.services.store.db.read(lambda c: c.execute("SELECT COUNT(*) FROM reports").fetchone()[0]) == 1


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_report_without_words_keeps_the_block_and_tells_nobody_else(harness: BotHarness, language: str) -> None:
    await matched(harness)
    match = await the_match(harness)
    await harness.feed(command(harness, METTE, "/rapporter 1", language))
    assert harness.api.last_text(METTE) == t(harness, language, "report.flow.ask_blocked")
    await harness.feed(button(harness, METTE, ReportButton(match.id, "skip"), language))
    assert harness.api.last_text(METTE) == t(harness, language, "report.flow.skipped")
    await harness.feed(button(harness, METTE, ReportButton(match.id, "skip"), language))
    assert alert(harness) == t(harness, language, "report.flow.skip_stale"), "a double tap"
    await send_outbox(harness)
    assert [c for c in harness.api.sent_to(ADMIN_ID) if c.method == "sendMessage"] == []
    await harness.feed(harness.updates.text(METTE, "Hej?", language))
    assert harness.api.last_text(METTE) == t(harness, language, "router.no_owner")
    # An ended match can still be reported: what happened is no less true.
    await harness.feed(command(harness, METTE, "/rapporter 1", language))
    assert harness.api.last_text(METTE) == t(harness, language, "report.flow.ask_ended")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_report_refusals_nothing_to_report_and_a_forged_number(harness: BotHarness, language: str) -> None:
    await harness.feed(command(harness, PERSON, "/rapporter", language))
    assert harness.api.last_text(PERSON) == t(harness, language, "report.flow.no_match")
    await matched(harness)
    await harness.feed(command(harness, METTE, "/rapporter 42", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.not_found")
    assert (await the_match(harness)).state == "open", "a forged number ends nothing"


# Coordinators: suspension -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_only_coordinators_suspend(harness: BotHarness, language: str) -> None:
    await matched(harness)
    for name in ("/suspender", "/genaktiver"):
        await harness.feed(command(harness, METTE, f"{name} {PERSON}", language))
        assert harness.api.last_text(METTE) == t(harness, language, "refusal.not_coordinator")
    await harness.feed(command(harness, ADMIN_ID, "/suspender Mette", language))
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "suspension.command.usage")
    assert (await the_match(harness)).state == "open"
    await harness.feed(button(harness, METTE, SuspendButton(1), language))
    assert alert(harness) == t(harness, language, "refusal.not_coordinator")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_suspended_peer_loses_matches_kindly_is_not_relayed_and_gets_no_offers(
    harness: BotHarness, language: str
) -> None:
    await matched(harness)
    await harness.feed(command(harness, ADMIN_ID, f"/suspend {METTE} grænseoverskridende", language))
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "suspension.done")
    await send_outbox(harness)
    assert t(harness, "da", "suspension.you") in harness.api.texts_to(METTE)
    assert t(harness, "da", "peer_match.ended_for_person_waiting", name="Mette") in harness.api.texts_to(PERSON)
    await harness.feed(harness.updates.text(METTE, "Hej igen", language))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.suspended")
    assert copies_to(harness, PERSON) == []
    peer_state = await harness.services.store.db.read(lambda c: rows.peer_state(c, user_id=METTE))
    assert peer_state is not None and peer_state.suspended and not peer_state.available
    await harness.feed(command(harness, ADMIN_ID, f"/suspender {METTE}", language))
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "suspension.already")
    await harness.feed(command(harness, ADMIN_ID, f"/reactivate {METTE}", language))
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "suspension.lifted")


async def test_the_button_on_a_report_suspends_whoever_it_is_about(harness: BotHarness) -> None:
    await matched(harness)
    await harness.feed(command(harness, PERSON, "/rapporter"))
    await harness.feed(harness.updates.text(PERSON, "Hun truede mig"))
    report_id = await harness.services.store.db.read(lambda c: c.execute("SELECT id FROM reports").fetchone()[0])
    await harness.feed(button(harness, ADMIN_ID, SuspendButton(report_id)))
    assert harness.api.last_text(ADMIN_ID) == t(harness, "da", "suspension.command.done_report", user_id=METTE)
    assert await harness.services.store.db.read(lambda c: rows.is_suspended(c, METTE))
    assert not await harness.services.store.db.read(lambda c: rows.is_suspended(c, PERSON))
    await harness.feed(button(harness, ADMIN_ID, SuspendButton(report_id)))
    assert harness.api.last_text(ADMIN_ID) == t(harness, "da", "suspension.command.already_report", user_id=METTE)
    await harness.feed(button(harness, ADMIN_ID, SuspendButton(report_id + 100)))
    assert alert(harness) == t(harness, "da", "refusal.not_found")


# The rest of the Behaviour section --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_reply_into_an_ended_match_is_not_relayed_and_the_writer_told(
    harness: BotHarness, language: str
) -> None:
    await matched(harness)
    first = message(harness, PERSON, text="Hej")
    await harness.feed(first)
    copy_id = await harness.services.store.db.read(
        lambda c: c.execute("SELECT to_message FROM relay_messages").fetchone()[0]
    )
    await harness.feed(harness.updates.text(PERSON, "/afslut", language))
    # The peer answers the ended conversation by replying to its message.
    factory = harness.updates
    replied_to = {**factory._message(METTE, language, text="x"), "message_id": copy_id}
    reply = factory._message(METTE, language, text="Tak for snakken", reply_to_message=replied_to)
    await harness.feed(factory.raw({"message": reply}))
    assert harness.api.last_text(METTE) == t(harness, language, "refusal.match_ended")
    assert copies_to(harness, PERSON) == []


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_minor_is_never_connected_one_to_one_with_an_adult_peer(harness: BotHarness, language: str) -> None:
    await harness.services.store.peers.save(peer(METTE), "Mette")
    await ask(harness)
    offer = await open_offer(harness)
    assert offer is not None
    # The request turns out to be a minor's (an edited age): Accept is refused, and no match opens.
    await harness.services.store.db.transaction(
        lambda c: c.execute("UPDATE support_requests SET age_band = 'under_18' WHERE user_id = ?", (PERSON,))
    )
    await press(harness, METTE, OfferButton(offer.id, "acc"), language)
    assert alert(harness) == t(harness, language, "refusal.minor")
    assert await harness.services.store.db.read(lambda c: c.execute("SELECT COUNT(*) FROM matches").fetchone()[0]) == 0
    # And choosing a peer (a stored peer suggestion pressed again) makes no offer for a minor.
    await harness.services.store.db.transaction(
        lambda c: c.execute("UPDATE offers SET state = 'withdrawn' WHERE id = ?", (offer.id,))
    )
    suggestion = await harness.services.store.db.read(
        lambda c: c.execute("SELECT id FROM suggestions WHERE user_id = ? AND kind = 'peer'", (PERSON,)).fetchone()[0]
    )
    await harness.feed(harness.updates.button(PERSON, f"m:{suggestion}", language_code=language))
    assert harness.api.last_text(PERSON) == t(harness, language, "refusal.minor")
    assert await open_offer(harness) is None


# Privacy --------------------------------------------------------------------------------------------------------


async def exported(h: BotHarness, user_id: int) -> dict[str, Any]:
    await h.feed(command(h, user_id, "/mydata"))
    document = [c for c in h.api.calls if c.method == "sendDocument" and c.params.get("chat_id") == user_id][-1]
    return json.loads(document.files["document"][1])


async def test_mydata_shows_the_contact_one_gave_never_the_others_and_delete_erases_it(harness: BotHarness) -> None:
    await matched(harness)
    match = await the_match(harness)
    await harness.feed(button(harness, PERSON, ContactButton(match.id, "yes", "u"), username="hemmelig"))
    [mine] = (await exported(harness, PERSON))["matches"]
    assert mine["person_contact"] == "@hemmelig" and mine["peer_user_id"] is None
    [theirs] = (await exported(harness, METTE))["matches"]
    assert theirs["person_contact"] is None and theirs["user_id"] is None, "not shared before both said yes"
    await harness.feed(command(harness, PERSON, "/delete"))
    await harness.press(PERSON, harness.api.last_keyboard(PERSON)[0][0]["callback_data"])
    left = await harness.services.store.db.read(
        lambda c: c.execute("SELECT COUNT(*) FROM matches WHERE person_contact IS NOT NULL").fetchone()[0]
    )
    assert left == 0
