"""A peer's own commands through PTB offline, in Danish and English: /profil and its edits one answer at a time,
/pause (until a date) and /resume, /mine, the initiatives for peers, and the kind answer to everyone who is no
peer. Every refusal is here: a malformed, past or too distant date, a stale or forged button, an edit that would
leave no lived experience, a suspended peer, an applicant."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from bot import jobs
from bot.clock import local_today
from bot.context import MakkerContext
from bot.peer_application import Draft, Step
from bot.router import Kind
from bot.store import applications
from bot.store import matches as rows
from tests.conftest import ADMIN_ID, BotHarness
from tests.peer_world import application_answers
from tests.test_offer_handlers import ask, open_offer, send_outbox

PEER = 9101
OTHER_PEER = 9102
PERSON = 501
STRANGER = 777
ODENSE = 461


def t(h: BotHarness, language: str, key: str, **params: object) -> str:
    return h.services.catalogue.text(language, key, **params)


async def say(h: BotHarness, user: int, text: str, language: str = "da") -> str:
    return await h.say(user, text, language)


async def press(h: BotHarness, user: int, data: str, language: str = "da") -> None:
    await h.feed(h.updates.button(user, data, language_code=language))


def keyboard_data(h: BotHarness, user: int) -> list[str]:
    return [b["callback_data"] for row in h.api.last_keyboard(user) for b in row]


def last_alert(h: BotHarness) -> str:
    call = [c for c in h.api.calls if c.method == "answerCallbackQuery"][-1]
    assert call.params.get("show_alert") is True, call.params
    return call.params["text"]


def last_shown(h: BotHarness, user: int) -> str:
    """A sent or an edited message, whichever came last."""
    return [c for c in h.api.calls if c.params.get("chat_id") == user and "text" in c.params][-1].params["text"]


async def apply(h: BotHarness, user: int, **changes: object) -> int:
    """An application saved complete and submitted: pending with the coordinators."""
    peers = h.services.peers
    assert peers is not None
    await peers.start_application(user, "da")
    assert await peers.save_draft(user, Draft(Step.SUMMARY, application_answers(**changes)))
    submitted = await peers.submit(user)
    assert submitted.ok and submitted.application is not None
    return submitted.application.id


async def approved(h: BotHarness, user: int = PEER, **changes: object) -> None:
    """A peer as the application makes one: applied, approved by a coordinator."""
    peers = h.services.peers
    assert peers is not None
    application_id = await apply(h, user, **changes)
    assert (await peers.approve(ADMIN_ID, application_id)).ok


async def reach(h: BotHarness, user: int) -> set[tuple[str, str]]:
    """The search index of a peer: (target group, place) pairs; empty when they are never suggested."""
    found = await h.services.store.db.fetch_all(
        "SELECT r.target_group, r.place FROM peer_reach r JOIN peers p ON p.id = r.peer_id WHERE p.user_id = ?",
        (user,),
    )
    return {(row["target_group"], row["place"]) for row in found}


async def peer_row(h: BotHarness, user: int = PEER) -> Any:
    row = await h.services.store.db.fetch_one("SELECT * FROM peers WHERE user_id = ?", (user,))
    assert row is not None
    return row


# Who is no peer ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/profil", "/pause", "/resume", "/genoptag", "/peertilbud"])
async def test_someone_who_is_no_peer_is_told_kindly_how_to_become_one(harness: BotHarness, command: str) -> None:
    answer = await say(harness, STRANGER, command)
    assert answer == t(harness, "da", "peer_self.not_a_peer")
    assert "/peer" in answer and "/start" in answer


@pytest.mark.parametrize("command", ["/profile", "/pause", "/resume", "/for_peers"])
async def test_in_english_too(harness: BotHarness, command: str) -> None:
    assert await say(harness, STRANGER, command, "en") == t(harness, "en", "peer_self.not_a_peer")


async def test_an_applicant_hears_where_the_application_stands_and_may_see_the_initiatives_for_peers(
    harness: BotHarness,
) -> None:
    await apply(harness, PEER)
    answer = await say(harness, PEER, "/profil")
    today = local_today(harness.services.settings.zone).strftime("%d.%m.%Y")
    assert answer == t(harness, "da", "peer_self.applicant_pending", date=today)
    assert keyboard_data(harness, PEER) == ["pf:forpeers"]
    await press(harness, PEER, "pf:forpeers")
    assert "Peer-netværket Danmark" in harness.api.last_text(PEER)
    assert await say(harness, PEER, "/pause") == t(harness, "da", "peer_self.applicant_pending", date=today)
    assert await say(harness, PEER, "/mine") == t(harness, "da", "peer_self.mine.nothing_applicant")
    await press(harness, PEER, "pf:edit:exp")  # a button of a profile the applicant does not have yet
    assert last_alert(harness) == t(harness, "da", "peer_self.applicant_pending", date=today)


async def test_an_applicant_with_an_unsent_draft_is_pointed_back_to_it(harness: BotHarness) -> None:
    peers = harness.services.peers
    assert peers is not None
    await peers.start_application(PEER, "en")
    assert await say(harness, PEER, "/profile", "en") == t(harness, "en", "peer_self.applicant_draft")


# /profil ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_the_profile_shows_every_answer_and_the_buttons(harness: BotHarness, language: str) -> None:
    await approved(harness, relative_of=("substance_use",), organisation="Peer-netværket")
    text = await say(harness, PEER, "/profil" if language == "da" else "/profile", language)
    assert text.startswith(t(harness, language, "peer_self.profile.title"))
    step = t(harness, language, "peer_self.step.alias")
    assert f"{step}: Sol" in text
    assert t(harness, language, "taxonomy.target_group.mental_health") in text
    assert t(harness, language, "taxonomy.target_group.substance_use") in text
    assert "Køge" in text and "Peer-netværket" in text
    assert t(harness, language, "peer_self.profile.capacity", capacity=2, open=0) in text
    assert t(harness, language, "peer_self.profile.status_active") in text
    assert keyboard_data(harness, PEER) == ["pf:menu", "pf:pause", "pf:forpeers"]


async def test_the_edit_menu_lists_what_a_peer_can_change_but_not_what_a_coordinator_approved(
    harness: BotHarness,
) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:menu")
    data = keyboard_data(harness, PEER)
    assert "pf:edit:exp" in data and "pf:edit:area" in data and "pf:edit:cap" in data and "pf:show" in data
    assert "pf:edit:kind" not in data and "pf:edit:elig" not in data


async def test_an_edit_of_lived_experience_counts_for_new_offers_at_once_and_only_when_finished(
    harness: BotHarness,
) -> None:
    await approved(harness)
    assert ("substance_use", "m:259") not in await reach(harness, PEER)
    await press(harness, PEER, "pf:edit:exp")
    assert t(harness, "da", "peer_apply.question.exp") in harness.api.last_text(PEER)
    await press(harness, PEER, "pd:exp:tog:substance_use")
    assert t(harness, "da", "intake.button.selected", label="Misbrug") in json.dumps(
        harness.api.last_keyboard(PEER), ensure_ascii=False
    )
    assert ("substance_use", "m:259") not in await reach(harness, PEER), "a tick alone changes nothing yet"
    await press(harness, PEER, "pd:exp:done")
    shown = harness.api.last_text(PEER)
    assert shown.startswith(t(harness, "da", "peer.profile_saved")) and "Misbrug" in shown
    assert ("substance_use", "m:259") in await reach(harness, PEER), "indexed at once"
    assert ("mental_health", "m:259") in await reach(harness, PEER)
    assert await harness.services.profiles.draft(PEER) is None  # type: ignore[union-attr]


async def test_an_edit_that_leaves_no_lived_experience_is_refused_and_nothing_changes(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:exp", "en")
    await press(harness, PEER, "pd:exp:tog:mental_health", "en")
    await press(harness, PEER, "pd:exp:done", "en")
    assert harness.api.last_text(PEER).startswith(t(harness, "en", "peer_apply.hint.experience_needed"))
    assert json.loads((await peer_row(harness))["target_groups"]) == ["mental_health"]
    assert ("mental_health", "m:259") in await reach(harness, PEER)


async def test_an_edit_of_the_area_by_typing_a_municipality_and_a_region(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:area")
    assert (await harness.services.router.owner(PEER)).kind == Kind.PEER_PROFILE  # type: ignore[union-attr]
    await say(harness, PEER, "odense")
    assert t(harness, "da", "peer_self.edit.area_chosen", chosen="Køge, Odense") in harness.api.last_text(PEER)
    await say(harness, PEER, "Koge")  # a typed name that is chosen already takes it away again
    assert t(harness, "da", "peer_self.edit.area_chosen", chosen="Odense") in harness.api.last_text(PEER)
    await press(harness, PEER, "pd:area:online")
    await press(harness, PEER, "pd:area:done")
    assert harness.api.last_text(PEER).startswith(t(harness, "da", "peer.profile_saved"))
    places = {place for _, place in await reach(harness, PEER)}
    assert f"m:{ODENSE}" in places and "online" in places and "m:259" not in places
    assert await harness.services.router.owner(PEER) is None, "typed messages are no longer the edit's"


async def test_a_typed_name_that_fits_no_municipality_or_several(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:area", "en")
    assert await say(harness, PEER, "Atlantis", "en") == t(
        harness, "en", "peer_self.edit.area_unknown", text="Atlantis"
    )
    await say(harness, PEER, "Frederiks", "en")
    assert harness.api.last_text(PEER) == t(harness, "en", "peer_self.edit.area_several")
    assert all(data.startswith("pd:area:muni:") for data in keyboard_data(harness, PEER))


async def test_an_area_with_nothing_chosen_is_refused(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:area")
    await press(harness, PEER, "pd:area:muni:259")
    await press(harness, PEER, "pd:area:done")
    assert harness.api.last_text(PEER).startswith(t(harness, "da", "peer_apply.hint.area_needed"))
    assert "m:259" in {place for _, place in await reach(harness, PEER)}


async def test_a_new_name_is_typed_and_a_handle_is_refused(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:alias")
    assert t(harness, "da", "peer_apply.question.alias") in harness.api.last_text(PEER)
    answer = await say(harness, PEER, "@sol_official")
    assert answer.startswith(t(harness, "da", "peer_apply.hint.alias_no_handle"))
    assert (await peer_row(harness))["display_name"] == "Sol"
    await say(harness, PEER, "Solvej\u202e")
    assert (await peer_row(harness))["display_name"] == "Solvej"
    assert harness.api.last_text(PEER).startswith(t(harness, "da", "peer.profile_saved"))


async def test_a_crisis_message_while_a_name_is_asked_is_no_name(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:alias")
    await say(harness, PEER, "jeg vil slå mig selv ihjel i aften")
    assert (await peer_row(harness))["display_name"] == "Sol"
    assert harness.api.last_text(PEER).startswith(t(harness, "da", "intake.hint.after_crisis"))


async def test_the_organisation_can_be_skipped_and_the_capacity_chosen(harness: BotHarness) -> None:
    await approved(harness, organisation="SIND")
    await press(harness, PEER, "pf:edit:org")
    await press(harness, PEER, "pd:org:skip")
    assert (await peer_row(harness))["organisation"] is None
    await press(harness, PEER, "pf:edit:cap")
    await press(harness, PEER, "pd:cap:pick:4")
    row = await peer_row(harness)
    assert row["capacity"] == 4
    assert t(harness, "da", "peer_self.profile.capacity", capacity=4, open=0) in harness.api.last_text(PEER)


async def test_cancel_keeps_the_profile_and_stale_or_forged_buttons_change_nothing(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pd:lang:tog:en")  # no edit under way
    assert last_alert(harness) == t(harness, "da", "peer_self.edit.stale")
    await press(harness, PEER, "pf:edit:lang")
    await press(harness, PEER, "pd:exp:tog:violence")  # a button of another question
    assert last_alert(harness) == t(harness, "da", "peer_self.edit.stale")
    await press(harness, PEER, "pd:lang:tog:zz")  # forged: no such language
    assert harness.api.last_text(PEER).startswith(t(harness, "da", "peer_apply.hint.stale_button"))
    await press(harness, PEER, "pd:lang:pick:da")  # an action the question does not have
    await press(harness, PEER, "pd:lang:tog:en")
    await press(harness, PEER, "pd:lang:cancel")
    assert harness.api.last_text(PEER) == t(harness, "da", "peer_self.edit.cancelled")
    assert json.loads((await peer_row(harness))["languages"]) == ["da"]
    await press(harness, PEER, "pd:lang:done")
    assert last_alert(harness) == t(harness, "da", "peer_self.edit.stale")


async def test_someone_who_is_no_peer_cannot_press_their_way_into_an_edit(harness: BotHarness) -> None:
    await press(harness, STRANGER, "pf:edit:exp")
    assert last_alert(harness) == t(harness, "da", "peer_self.not_a_peer")
    await press(harness, STRANGER, "pf:pause", "en")
    assert last_alert(harness) == t(harness, "en", "peer_self.not_a_peer")
    assert await harness.services.profiles.draft(STRANGER) is None  # type: ignore[union-attr]


async def test_a_suspended_peer_sees_the_profile_but_cannot_edit_or_resume(harness: BotHarness) -> None:
    await approved(harness)
    assert (await harness.services.matches.suspend(ADMIN_ID, PEER, "test")).ok  # type: ignore[union-attr]
    text = await say(harness, PEER, "/profil")
    assert t(harness, "da", "peer_self.profile.status_suspended") in text
    assert keyboard_data(harness, PEER) == ["pf:forpeers"]
    await press(harness, PEER, "pf:edit:exp")
    assert harness.api.last_text(PEER) == t(harness, "da", "refusal.suspended")
    assert await say(harness, PEER, "/genoptag") == t(harness, "da", "refusal.suspended")
    assert await reach(harness, PEER) == set()


async def test_a_peer_in_a_conversation_gets_their_messages_back_to_it_after_an_edit(harness: BotHarness) -> None:
    await approved(harness)
    await ask(harness, PERSON)
    offer = await open_offer(harness, PERSON)
    assert offer is not None
    await press(harness, PEER, f"o:{offer.id}:acc")
    await press(harness, PEER, "pf:edit:alias")
    await say(harness, PEER, "Solvej")
    assert (await harness.services.router.owner(PEER)).kind == Kind.RELAY  # type: ignore[union-attr]


async def test_a_message_meant_for_the_conversation_is_relayed_when_no_typed_answer_is_asked(
    harness: BotHarness,
) -> None:
    await approved(harness)
    await ask(harness, PERSON)
    offer = await open_offer(harness, PERSON)
    assert offer is not None
    await press(harness, PEER, f"o:{offer.id}:acc")
    await press(harness, PEER, "pf:edit:alias")
    await press(harness, PEER, "pf:edit:lang")  # a question of buttons: typing goes to the conversation again
    assert (await harness.services.router.owner(PEER)).kind == Kind.RELAY  # type: ignore[union-attr]
    await press(harness, PEER, "pf:edit:org")
    await harness.services.profiles.cancel(PEER)  # type: ignore[union-attr]  # gone meanwhile (housekeeping)
    await say(harness, PEER, "Hej, hvordan går det?")
    copies = [c for c in harness.api.calls if c.method == "copyMessage"]
    assert copies and copies[-1].params["chat_id"] == PERSON
    assert (await harness.services.router.owner(PEER)).kind == Kind.RELAY  # type: ignore[union-attr]


# /pause and /resume -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_pause_until_resume_takes_the_peer_out_of_every_suggestion(harness: BotHarness, language: str) -> None:
    await approved(harness)
    answer = await say(harness, PEER, "/pause", language)
    assert answer == t(harness, language, "peer.paused")
    assert (await peer_row(harness))["status"] == "paused" and await reach(harness, PEER) == set()
    assert t(harness, language, "peer_self.profile.status_paused") in await say(harness, PEER, "/profil", language)
    assert keyboard_data(harness, PEER) == ["pf:menu", "pf:resume", "pf:forpeers"]
    resumed = await say(harness, PEER, "/resume" if language == "en" else "/genoptag", language)
    assert resumed == t(harness, language, "peer.resumed")
    assert (await peer_row(harness))["status"] == "approved" and await reach(harness, PEER)
    assert await say(harness, PEER, "/resume", language) == t(harness, language, "peer.already_active")


async def test_pause_until_a_date_ends_by_itself_on_that_date_even_after_a_restart(harness: BotHarness) -> None:
    await approved(harness)
    zone = harness.services.settings.zone
    last_day = local_today(zone) + timedelta(days=3)
    answer = await say(harness, PEER, f"/pause {last_day:%d.%m.%Y}")
    assert answer == t(harness, "da", "peer.paused_until", until=f"{last_day:%d.%m.%Y}")
    assert t(harness, "da", "peer_self.profile.status_paused_until", until=f"{last_day:%d.%m.%Y}") in await say(
        harness, PEER, "/profil"
    )
    row = await peer_row(harness)
    assert row["paused_until"] is not None, "a row in SQLite: the scheduler finds it after any restart"
    # The day after the last day has come: the job the scheduler runs every minute ends the pause.
    await harness.services.store.db.write(
        "UPDATE peers SET paused_until = ? WHERE user_id = ?", ("2000-01-01T00:00:00.000000Z", PEER)
    )
    await jobs.offers_due(MakkerContext(harness.application))
    assert (await peer_row(harness))["status"] == "approved" and await reach(harness, PEER)
    await send_outbox(harness)
    assert harness.api.last_text(PEER) == t(harness, "da", "peer.resumed_by_date")


@pytest.mark.parametrize(
    ("argument", "key"),
    [
        ("31.02.2027", "peer_self.pause.date_malformed"),
        ("næste uge", "peer_self.pause.date_malformed"),
        ("01.01.2020", "peer_self.pause.date_past"),
        ("2031-01-01", "peer_self.pause.date_too_far"),
    ],
)
@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_malformed_past_or_distant_date_is_answered_clearly_and_nothing_is_paused(
    harness: BotHarness, argument: str, key: str, language: str
) -> None:
    await approved(harness)
    assert await say(harness, PEER, f"/pause {argument}", language) == t(harness, language, key)
    assert (await peer_row(harness))["status"] == "approved"


async def test_pausing_from_the_profile_and_resuming_rematches_the_waiting_list(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:pause")
    assert harness.api.last_text(PEER) == t(harness, "da", "peer.paused")
    await ask(harness, PERSON)  # nobody fits while the only peer is paused: the request waits
    request = await harness.services.store.intake.open_request(PERSON)
    assert request is not None and request.waiting
    await press(harness, PEER, "pf:pause")  # an older message's button: the pause stays as it is
    assert harness.api.last_text(PEER) == t(harness, "da", "peer_self.profile.status_paused")
    await press(harness, PEER, "pf:resume")
    assert harness.api.last_text(PEER) == t(harness, "da", "peer.resumed")
    queued = await harness.services.store.db.fetch_all("SELECT text_key FROM outbox WHERE chat_id = ?", (PERSON,))
    assert "match.rematch_found" in [row["text_key"] for row in queued]


async def test_a_pause_sends_an_open_offer_on_to_the_next_peer(harness: BotHarness) -> None:
    await approved(harness)
    await approved(harness, OTHER_PEER, alias="Jonas")
    await ask(harness, PERSON)
    offer = await open_offer(harness, PERSON)
    assert offer is not None
    paused = offer.peer_user_id
    await say(harness, paused, "/pause")
    state = await harness.services.store.db.read(lambda c: rows.offer(c, offer.id))
    assert state is not None and state.state == "withdrawn"
    following = await open_offer(harness, PERSON)
    assert following is not None and following.peer_user_id != paused


# /mine ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "command"), [("da", "/mine"), ("en", "/mine"), ("en", "/matches")])
async def test_nothing_at_all_is_one_kind_line(harness: BotHarness, language: str, command: str) -> None:
    assert await say(harness, STRANGER, command, language) == t(harness, language, "peer_self.mine.nothing")
    await approved(harness)
    assert await say(harness, PEER, command, language) == t(harness, language, "peer_self.mine.nothing_peer")
    await say(harness, PEER, "/pause", language)
    assert await say(harness, PEER, command, language) == t(harness, language, "peer_self.mine.nothing_paused")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_an_offer_waiting_for_the_peer_is_listed_and_shown_again_without_the_persons_name(
    harness: BotHarness, language: str
) -> None:
    await approved(harness)
    await ask(harness, PERSON)
    offer = await open_offer(harness, PERSON)
    assert offer is not None
    await say(harness, PEER, "/mine", language)
    listing, again = harness.api.texts_to(PEER)[-2:]
    assert listing.startswith(t(harness, language, "peer_self.mine.title"))
    assert t(harness, language, "peer_self.mine.peer_offer", deadline="").split("{")[0][:20] in listing
    assert again.startswith(t(harness, language, "peer_offer.new", summary="", hours=1).split("\n")[0])
    assert keyboard_data(harness, PEER) == [f"o:{offer.id}:acc", f"o:{offer.id}:dec"]
    assert "Person501" not in listing + again and str(PERSON) not in listing + again
    # The person sees whom they asked, by the name the peer chose to show.
    person_text = await say(harness, PERSON, "/mine", language)
    assert "Sol" in person_text and t(harness, language, "peer_self.mine.title") in person_text


async def test_an_open_match_is_listed_for_both_sides_as_each_already_sees_it(harness: BotHarness) -> None:
    await approved(harness)
    await ask(harness, PERSON)
    offer = await open_offer(harness, PERSON)
    assert offer is not None
    await press(harness, PEER, f"o:{offer.id}:acc")
    today = local_today(harness.services.settings.zone).strftime("%d.%m.%Y")
    peer_view = await say(harness, PEER, "/mine")
    assert t(harness, "da", "peer_self.mine.peer_match", number=1, date=today) in peer_view
    assert "Person501" not in peer_view
    person_view = await say(harness, PERSON, "/mine")
    assert t(harness, "da", "peer_self.mine.person_match", name="Sol", date=today) in person_view
    assert str(PEER) not in person_view


async def test_a_waiting_request_is_listed_rather_than_nothing(harness: BotHarness) -> None:
    await ask(harness, PERSON)  # no peer at all: the request waits
    today = local_today(harness.services.settings.zone).strftime("%d.%m.%Y")
    answer = await say(harness, PERSON, "/mine")
    assert t(harness, "da", "peer_self.mine.person_waiting", date=today) in answer


# Initiatives for peers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "command"), [("da", "/peertilbud"), ("en", "/for_peers")])
async def test_a_peer_sees_the_initiatives_for_peers_with_what_the_catalogue_knows(
    harness: BotHarness, language: str, command: str
) -> None:
    await approved(harness)
    text = await say(harness, PEER, command, language)
    assert text.startswith(t(harness, language, "peer_self.for_peers.intro"))
    assert "Peer-netværket Danmark" in text and "Medarbejder med brugererfaring" in text
    checked = "14.08.2019" if language == "da" else "2019-08-14"
    assert t(harness, language, "match.catalogue_status.unknown", checked=checked) in text
    assert "Peers som brobyggere" not in text, "an initiative for people seeking support is not for peers"
    await press(harness, PEER, "pf:forpeers", language)
    assert harness.api.last_text(PEER) == text


async def test_no_initiative_for_peers_is_one_kind_line(harness: BotHarness) -> None:
    await approved(harness)
    await harness.services.store.db.write("UPDATE initiatives SET active = 0 WHERE audience = 'peers'")
    harness.services.store.initiatives._cache = None
    assert await say(harness, PEER, "/peertilbud") == t(harness, "da", "peer_self.for_peers.none")


# Help and the menu ------------------------------------------------------------------------------------------------


async def test_help_and_the_command_menu_name_the_new_commands(harness: BotHarness) -> None:
    text = await say(harness, STRANGER, "/help")
    for command in ("/mine", "/profil", "/pause", "/genoptag", "/peertilbud"):
        assert command in text
    english = await say(harness, STRANGER, "/help", "en")
    for command in ("/matches", "/profile", "/pause", "/resume", "/for_peers"):
        assert command in english
    menus = [c.params for c in harness.api.calls if c.method == "setMyCommands"]
    names = {json.dumps(params["commands"]) for params in menus}
    assert any('"mine"' in n and '"profil"' in n for n in names)
    assert any('"matches"' in n and '"profile"' in n for n in names)


def test_pause_dates_follow_the_calendar() -> None:
    from bot.pause_dates import MALFORMED, PAST, PauseDateError, parse_pause_date

    today = date(2026, 12, 1)
    assert parse_pause_date("24.12.2026", today) == date(2026, 12, 24)
    assert parse_pause_date("24-12-26", today) == date(2026, 12, 24)
    assert parse_pause_date("2026-12-24", today) == date(2026, 12, 24)
    assert parse_pause_date("1.12", today) == today, "today is the last day: the pause ends tonight"
    assert parse_pause_date("3.1.", today) == date(2027, 1, 3), "without a year: the next one"
    assert parse_pause_date("til 24. december 2026", today) == date(2026, 12, 24)
    assert parse_pause_date("24 dec", today) == date(2026, 12, 24)
    assert parse_pause_date("until December 24th, 2026", today) == date(2026, 12, 24)
    assert parse_pause_date("3. januar", today) == date(2027, 1, 3)
    for malformed in ("24.13.2026", "31. februar", "jul", "24 decembre 2026", "i morgen", "2026-12-24 og mere"):
        with pytest.raises(PauseDateError) as error:
            parse_pause_date(malformed, today)
        assert error.value.reason == MALFORMED, malformed
    with pytest.raises(PauseDateError) as past:
        parse_pause_date("30.11.2026", today)
    assert past.value.reason == PAST


async def test_the_edit_in_progress_is_erased_with_everything_else(harness: BotHarness) -> None:
    await approved(harness)
    await press(harness, PEER, "pf:edit:lang")
    await press(harness, PEER, "pd:lang:tog:en")
    assert await harness.services.profiles.draft(PEER) is not None  # type: ignore[union-attr]
    await harness.services.erase_person(PEER)
    assert await harness.services.store.db.fetch_all("SELECT * FROM peer_profile_edits") == []
    assert await harness.services.store.db.read(lambda c: applications.live(c, PEER)) is None
