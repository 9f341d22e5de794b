"""The life of a match at the service level: offer, accept or decline, silence, end, and every refusal."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db import MIGRATIONS_DIR, connect, migrate
from bot.matches import build_match_service
from bot.outcomes import Refusal
from bot.store import Store
from bot.store import matches as rows
from bot.store.database import Database
from matching.geo import default_geography
from tests.peer_world import COORDINATOR, Clock, World, request_answers
from tests.test_match_handlers import peer
from tests.test_matching_store import need

PERSON, OTHER_PERSON, THIRD_PERSON = 7_100_000_001, 7_100_000_002, 7_100_000_003
PEER_A, PEER_B, STRANGER = 7_200_000_001, 7_200_000_002, 7_300_000_001


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    opened = await World.open(tmp_path / "m.sqlite3", Clock())
    try:
        yield opened
    finally:
        await opened.close()


async def offered(world: World, person: int = PERSON, peer_user: int = PEER_A, name: str = "Mette") -> tuple[int, int]:
    """A person with a request chooses a peer: returns (peer_id, offer_id)."""
    peer_id = await world.peer(peer_user, name)
    await world.person(person)
    result = await world.matches.choose_peer(person, await world.suggestion(person, peer_id))
    assert result.ok and result.offer is not None, result
    return peer_id, result.offer.id


async def test_choosing_a_peer_offers_the_request_anonymised(world: World) -> None:
    _, offer_id = await offered(world)
    [notice] = await world.outbox(PEER_A)
    assert notice["text_key"] == "peer_offer.new" and notice["dedup_key"] == f"offer:{offer_id}:new"
    params = json.loads(notice["params"])
    assert params["offer_id"] == offer_id and params["groups"] == ["mental_health"] and params["hours"] == 48
    [[accept, decline]] = json.loads(notice["keyboard"])
    assert accept == {"text_key": "peer_offer.accept", "callback_data": f"o:{offer_id}:acc"}
    assert decline == {"text_key": "peer_offer.decline", "callback_data": f"o:{offer_id}:dec"}
    assert notice["priority"] == 0 and notice["not_after"] is None
    text = notice["params"]
    assert "Hemmelig" not in text and "Vestergade" not in text and str(PERSON) not in text, "no free text, no id"
    offer = await world.store.db.read(lambda c: rows.offer(c, offer_id))
    assert offer is not None and offer.expires_at > offer.reminder_at


async def test_one_open_offer_per_request_and_the_same_choice_twice_changes_nothing(world: World) -> None:
    peer_id, offer_id = await offered(world)
    other_peer = await world.peer(PEER_B, "Jens")
    await world.matchmaker.match(
        await world.store.intake.open_request(PERSON),  # type: ignore[arg-type]
        world.clock().date(),
    )
    again = await world.matches.choose_peer(PERSON, await world.suggestion(PERSON, peer_id))
    assert again.ok and again.reply == "peer_offer.person_already_asked" and again.notices == ()
    assert again.offer is not None and again.offer.id == offer_id
    other = await world.matches.choose_peer(PERSON, await world.suggestion(PERSON, other_peer))
    assert other.refusal is Refusal.ALREADY_OFFERED
    assert len(await world.outbox(PEER_A)) == 1 and await world.outbox(PEER_B) == []


async def test_a_forged_or_foreign_suggestion_is_refused(world: World) -> None:
    peer_id = await world.peer(PEER_A, "Mette")
    await world.person(PERSON)
    await world.person(OTHER_PERSON)
    theirs = await world.suggestion(OTHER_PERSON, peer_id)
    assert (await world.matches.choose_peer(PERSON, theirs)).refusal is Refusal.NOT_FOUND
    assert (await world.matches.choose_peer(PERSON, 999_999)).refusal is Refusal.NOT_FOUND


async def test_accept_opens_a_match_and_tells_the_person(world: World) -> None:
    peer_id, offer_id = await offered(world)
    result = await world.matches.accept(offer_id, PEER_A)
    assert result.ok and result.match is not None and result.params == {"number": 1}
    assert await world.keys_to(PERSON) == ["peer_match.opened_person"]
    peer = await world.store.peers.get(peer_id)
    assert peer is not None and peer.active_matches == 1
    assert await world.offer_state(offer_id) == "accepted"


async def test_a_double_tap_or_second_device_accepts_once(world: World) -> None:
    _, offer_id = await offered(world)
    first = await world.matches.accept(offer_id, PEER_A)
    second = await world.matches.accept(offer_id, PEER_A)
    assert first.ok and second.refusal is Refusal.ALREADY_ACCEPTED and second.params == {"number": 1}
    assert await world.keys_to(PERSON) == ["peer_match.opened_person"]
    count = await world.store.db.fetch_one("SELECT COUNT(*) AS n FROM matches")
    assert count is not None and count["n"] == 1
    assert (await world.matches.decline(offer_id, PEER_A)).refusal is Refusal.ALREADY_ACCEPTED


async def test_a_non_peer_or_another_peer_pressing_accept_is_refused(world: World) -> None:
    _, offer_id = await offered(world)
    await world.peer(PEER_B, "Jens")
    assert (await world.matches.accept(offer_id, STRANGER)).refusal is Refusal.NOT_YOURS
    assert (await world.matches.accept(offer_id, PEER_B)).refusal is Refusal.NOT_YOURS
    assert (await world.matches.accept(offer_id, PERSON)).refusal is Refusal.NOT_YOURS
    assert (await world.matches.accept(424_242, PEER_A)).refusal is Refusal.NOT_FOUND
    assert await world.offer_state(offer_id) == "open"


async def test_accepting_beyond_capacity_is_refused(world: World) -> None:
    peer_id = await world.peer(PEER_A, "Mette", capacity=1)
    offers = []
    for person in (PERSON, OTHER_PERSON):
        await world.person(person)
        result = await world.matches.choose_peer(person, await world.suggestion(person, peer_id))
        assert result.offer is not None
        offers.append(result.offer.id)
    assert (await world.matches.accept(offers[0], PEER_A)).ok
    refused = await world.matches.accept(offers[1], PEER_A)
    assert refused.refusal is Refusal.AT_CAPACITY and refused.params == {"capacity": 1}
    assert await world.offer_state(offers[1]) == "open", "the peer may still decline it, or free a place"
    request = await world.store.intake.open_request(THIRD_PERSON)
    assert request is None
    await world.person(THIRD_PERSON)
    third = await world.store.intake.open_request(THIRD_PERSON)
    assert third is not None and peer_id not in await world.candidates_for(third), "a full peer is not suggested"


async def test_a_button_pressed_after_the_offer_expired_is_refused(world: World) -> None:
    _, offer_id = await offered(world)
    world.clock.advance(hours=48, seconds=1)
    assert (await world.matches.accept(offer_id, PEER_A)).refusal is Refusal.EXPIRED, "before the job has run"
    await world.matches.run_due()
    assert await world.offer_state(offer_id) == "expired"
    assert (await world.matches.accept(offer_id, PEER_A)).refusal is Refusal.EXPIRED
    assert (await world.matches.decline(offer_id, PEER_A)).refusal is Refusal.EXPIRED


async def test_a_suspended_or_paused_peer_cannot_accept(world: World) -> None:
    _, offer_id = await offered(world)
    await world.store.db.transaction(lambda c: rows.suspend(c, PEER_A, "test", world.clock()))
    assert (await world.matches.accept(offer_id, PEER_A)).refusal is Refusal.SUSPENDED
    await world.store.db.transaction(lambda c: rows.lift_suspension(c, PEER_A))
    await world.store.db.write("UPDATE peers SET status = 'paused' WHERE user_id = ?", (PEER_A,))
    assert (await world.matches.accept(offer_id, PEER_A)).refusal is Refusal.PAUSED


async def test_a_minor_is_never_connected_one_to_one(world: World) -> None:
    peer_id = await world.peer(PEER_A, "Mette")
    request = await world.person(PERSON, age_band="under_18")
    assert peer_id not in await world.candidates_for(request), "matching never suggests a peer to a minor"
    forged = await world.store.db.write(
        "INSERT INTO suggestions (request_id, user_id, kind, candidate, position, score, reasons, created_at)"
        " VALUES (?, ?, 'peer', ?, 1, 1.0, '[]', 'x')",
        (request.id, PERSON, str(peer_id)),
    )
    assert (await world.matches.choose_peer(PERSON, forged.lastrowid or 0)).refusal is Refusal.MINOR
    _, offer_id = await offered(world, OTHER_PERSON, PEER_B, "Jens")
    await world.store.db.write("UPDATE support_requests SET age_band = 'under_18' WHERE user_id = ?", (OTHER_PERSON,))
    assert (await world.matches.accept(offer_id, PEER_B)).refusal is Refusal.MINOR


async def test_decline_keeps_the_two_apart_and_offers_the_next_best_peer(world: World) -> None:
    _, offer_id = await offered(world)
    peer_b = await world.peer(PEER_B, "Jens")
    result = await world.matches.decline(offer_id, PEER_A, "knows_person")
    assert result.ok and result.reply == "peer_offer.declined_thanks"
    assert [n.key for n in result.notices] == ["peer_offer.new", "peer_offer.person_next_asked"]
    assert result.notices[0].chat_id == PEER_B and result.notices[1].chat_id == PERSON
    assert await world.keys_to(PERSON) == ["peer_offer.person_next_asked"]
    never = await world.store.db.read(lambda c: rows.never_paired(c, PEER_A, PERSON))
    assert never, "'I know this person' keeps them apart in either direction"
    request = await world.store.intake.open_request(PERSON)
    assert request is not None
    assert await world.candidates_for(request) == {peer_b}, "the declining peer is never suggested again"
    declined = await world.store.db.fetch_one("SELECT decline_reason FROM offers WHERE id = ?", (offer_id,))
    assert declined is not None and declined["decline_reason"] == "knows_person"
    assert "knows" not in json.dumps([dict(r) for r in await world.outbox(PERSON)]), "the reason is never shown"


async def test_when_nobody_is_left_the_request_waits(world: World) -> None:
    _, offer_id = await offered(world)
    result = await world.matches.decline(offer_id, PEER_A)
    assert [n.key for n in result.notices] == ["peer_offer.person_waiting"]
    request = await world.store.intake.open_request(PERSON)
    assert request is not None and request.waiting
    assert (await world.matches.run_due()).offered == 0, "the next-offer mark is cleared: nothing happens twice"


async def test_silence_expires_with_one_reminder_at_half_time(world: World) -> None:
    await offered(world)
    await world.peer(PEER_B, "Jens")
    world.clock.advance(hours=23, minutes=59)
    assert (await world.matches.run_due()).reminded == 0
    world.clock.advance(minutes=2)
    first = await world.matches.run_due()
    assert first.reminded == 1 and [n.key for n in first.notices] == ["peer_offer.reminder"]
    assert first.notices[0].not_after is not None
    assert (await world.matches.run_due()).reminded == 0, "one reminder only"
    world.clock.advance(hours=24)
    expired = await world.matches.run_due()
    assert (expired.expired, expired.offered) == (1, 1)
    # The reminder was never sent (nothing sends in this test), and once the offer expired it was no longer true.
    assert await world.keys_to(PEER_A) == ["peer_offer.new", "peer_offer.expired_peer"]
    assert await world.keys_to(PEER_B) == ["peer_offer.new"]
    assert await world.keys_to(PERSON) == ["peer_offer.person_next_asked"]
    again = await world.matches.run_due()
    assert (again.expired, again.offered, again.reminded) == (0, 0, 0)


async def test_a_reminder_no_longer_true_is_dropped(world: World) -> None:
    _, offer_id = await offered(world)
    world.clock.advance(hours=25)
    assert (await world.matches.accept(offer_id, PEER_A)).ok
    assert (await world.matches.run_due()).reminded == 0
    assert "peer_offer.reminder" not in await world.keys_to(PEER_A)


async def test_a_queued_reminder_is_taken_back_when_the_peer_answers(world: World) -> None:
    _, offer_id = await offered(world)
    world.clock.advance(hours=25)
    assert (await world.matches.run_due()).reminded == 1
    assert "peer_offer.reminder" in await world.keys_to(PEER_A)
    await world.matches.decline(offer_id, PEER_A)
    assert "peer_offer.reminder" not in await world.keys_to(PEER_A), "an unsent reminder is no longer true"


async def test_expiry_survives_a_restart_and_fires_once(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "restart.sqlite3"
    world = await World.open(path, clock)
    _, offer_id = await offered(world)
    await world.peer(PEER_B, "Jens")
    await world.close()

    clock.advance(hours=30)
    world = await World.open(path, clock)
    assert (await world.matches.run_due()).reminded == 1
    await world.close()

    clock.advance(hours=30)
    world = await World.open(path, clock)
    run = await world.matches.run_due()
    assert (run.reminded, run.expired, run.offered) == (0, 1, 1)
    await world.close()

    world = await World.open(path, clock)
    run = await world.matches.run_due()
    assert (run.reminded, run.expired, run.offered) == (0, 0, 0), "nothing fires twice after a restart"
    assert await world.keys_to(PEER_A) == ["peer_offer.new", "peer_offer.expired_peer"]
    assert await world.offer_state(offer_id) == "expired"
    await world.close()


async def test_a_crash_between_expiry_and_the_next_offer_loses_nothing(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "crash.sqlite3"
    world = await World.open(path, clock)
    _, offer_id = await offered(world)
    await world.peer(PEER_B, "Jens")
    clock.advance(hours=49)
    offer = await world.store.db.read(lambda c: rows.offer(c, offer_id))
    assert offer is not None
    await world.store.db.transaction(lambda c: world.matches._expire(c, offer, clock()))  # then "kill -9"
    await world.close()

    world = await World.open(path, clock)
    run = await world.matches.run_due()
    assert (run.expired, run.offered) == (0, 1)
    assert await world.keys_to(PEER_B) == ["peer_offer.new"]
    await world.close()


async def test_ending_frees_capacity_and_tells_the_other_side_only_that(world: World) -> None:
    peer_id, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    assert (await world.matches.end_match(STRANGER, match.id)).refusal is Refusal.NOT_FOUND
    before = world.rematches
    ended = await world.matches.end_match(PEER_A, match.id, "no_time")
    assert ended.ok and [(n.chat_id, n.key) for n in ended.notices] == [(PERSON, "peer_match.ended_for_person_waiting")]
    assert "no_time" not in json.dumps([n.params for n in ended.notices])
    assert world.rematches == before + 1, "freed capacity matches the waiting list again"
    peer = await world.store.peers.get(peer_id)
    assert peer is not None and peer.active_matches == 0
    assert (await world.matches.end_match(PERSON, match.id)).refusal is Refusal.ALREADY_ENDED
    request = await world.store.intake.open_request(PERSON)
    assert request is not None and request.waiting and peer_id not in await world.candidates_for(request)


async def test_the_person_ending_closes_their_request(world: World) -> None:
    _, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    ended = await world.matches.end_match(PERSON, match.id, "done")
    assert [(n.chat_id, n.key, dict(n.params)) for n in ended.notices] == [
        (PEER_A, "peer_match.ended_for_peer", {"number": 1})
    ]
    assert await world.store.intake.open_request(PERSON) is None


async def test_report_reaches_coordinators_in_the_reporters_words_and_a_block_ends_the_match(world: World) -> None:
    _, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    result = await world.matches.report(PERSON, match.id, "  Han skrev grimme ting  ", block=True)
    assert result.ok and result.reply == "report.thanks_blocked"
    [to_coordinator] = await world.outbox(COORDINATOR)
    params = json.loads(to_coordinator["params"])
    assert params["text"] == "Han skrev grimme ting" and str(PERSON) not in to_coordinator["params"]
    assert str(PEER_A) not in to_coordinator["params"], "the coordinator gets the words, not the ids"
    assert await world.keys_to(PEER_A) == ["peer_offer.new", "peer_match.ended_for_peer"]
    assert (await world.matches.report(STRANGER, match.id, "x", block=False)).refusal is Refusal.NOT_FOUND
    suspended = await world.matches.suspend_reported(COORDINATOR, params["report_id"])
    assert suspended.ok and await world.store.db.read(lambda c: rows.is_suspended(c, PEER_A))


async def test_suspending_a_peer_ends_matches_kindly_and_passes_offers_on(world: World) -> None:
    peer_id, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    await world.person(OTHER_PERSON)
    second = await world.matches.choose_peer(OTHER_PERSON, await world.suggestion(OTHER_PERSON, peer_id))
    assert second.offer is not None
    await world.peer(PEER_B, "Jens")
    assert (await world.matches.suspend(PEER_B, PEER_A, "x")).refusal is Refusal.NOT_COORDINATOR
    result = await world.matches.suspend(COORDINATOR, PEER_A, "grænseoverskridende")
    assert result.ok
    assert "peer_match.ended_for_person_waiting" in await world.keys_to(PERSON)
    assert await world.keys_to(OTHER_PERSON) == ["peer_offer.person_next_asked"], "the open offer went to the next peer"
    assert await world.keys_to(PEER_B) == ["peer_offer.new"]
    assert await world.offer_state(second.offer.id) == "withdrawn"
    request = await world.store.intake.open_request(THIRD_PERSON)
    assert request is None
    third = await world.person(THIRD_PERSON)
    assert peer_id not in await world.candidates_for(third), "a suspended peer is never suggested"
    assert (await world.peers.resume(PEER_A)).refusal is Refusal.SUSPENDED


async def test_a_suspended_person_gets_no_peer(world: World) -> None:
    peer_id = await world.peer(PEER_A, "Mette")
    await world.person(PERSON)
    await world.matches.suspend(COORDINATOR, PERSON, "x")
    result = await world.matches.choose_peer(PERSON, await world.suggestion(PERSON, peer_id))
    assert result.refusal is Refusal.SUSPENDED


async def test_delete_by_the_person_ends_their_match_and_erases_them(world: World) -> None:
    peer_id, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    await world.store.db.transaction(
        lambda c: rows.record_relayed(c, rows.RelayedMessage(match.id, PERSON, 10, PEER_A, 20), world.clock())
    )
    result = await world.matches.erase_person(PERSON)
    assert [(n.chat_id, n.key) for n in result.notices] == [(PEER_A, "peer_match.ended_for_peer")]
    peer = await world.store.peers.get(peer_id)
    assert peer is not None and peer.active_matches == 0
    for table in ("offers", "matches", "relay_messages", "never_pairs", "support_requests"):
        left = await world.store.db.fetch_all(f"SELECT * FROM {table}")
        assert all(str(PERSON) not in json.dumps(dict(row)) for row in left), table


async def test_delete_by_the_peer_sends_open_offers_on_and_the_person_waits(world: World) -> None:
    _, offer_id = await offered(world)
    await world.matches.accept(offer_id, PEER_A)
    _, second_offer = await offered(world, OTHER_PERSON, PEER_A, "Mette")
    await world.matches.erase_person(PEER_A)
    assert await world.keys_to(PERSON) == ["peer_match.opened_person", "peer_match.ended_for_person_waiting"]
    assert await world.keys_to(OTHER_PERSON) == ["peer_offer.person_waiting"]
    assert await world.store.peers.get(1) is None
    assert await world.outbox(PEER_A) == []
    left = await world.store.db.fetch_one("SELECT COUNT(*) AS n FROM offers WHERE id = ?", (second_offer,))
    assert left is not None and left["n"] == 0


async def test_contacts_are_exchanged_only_when_both_agree(world: World) -> None:
    _, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    first = await world.matches.agree_contact(PERSON, match.id, "@hemmelig")
    assert first.reply == "contact.waiting" and [n.key for n in first.notices] == ["contact.asked_peer"]
    assert "hemmelig" not in json.dumps([dict(n.params) for n in first.notices]), "nothing shared before both agree"
    again = await world.matches.agree_contact(PERSON, match.id, "@hemmelig")
    assert again.reply == "contact.already_waiting" and again.notices == (), "a double tap asks nobody again"
    both = await world.matches.agree_contact(PEER_A, match.id, f"tg://user?id={PEER_A}")
    assert both.reply == "contact.exchanged_peer" and both.params == {"number": 1, "contact": "@hemmelig"}
    assert [(n.chat_id, n.key, dict(n.params)) for n in both.notices] == [
        (PERSON, "contact.exchanged_person", {"number": 1, "contact": f"tg://user?id={PEER_A}"})
    ]
    ended = await world.store.db.read(lambda c: rows.match(c, match.id))
    assert ended is not None and ended.state == "ended" and ended.end_reason == "contacts_exchanged"
    assert (await world.matches.agree_contact(PERSON, match.id, "@x")).refusal is Refusal.ALREADY_ENDED
    assert (await world.matches.agree_contact(STRANGER, match.id, "@x")).refusal is Refusal.NOT_FOUND


async def test_a_no_to_the_contact_exchange_forgets_both_answers_and_tells_the_one_who_asked(world: World) -> None:
    _, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    await world.matches.agree_contact(PERSON, match.id, "@hemmelig")
    declined = await world.matches.decline_contact(PEER_A, match.id)
    assert declined.reply == "contact.declined_you"
    assert [(n.chat_id, n.key) for n in declined.notices] == [(PERSON, "contact.declined_person")]
    forgotten = await world.store.db.read(lambda c: rows.match(c, match.id))
    assert forgotten is not None and forgotten.person_contact is None and not forgotten.person_shares_contact
    # An old "yes" from the peer now only asks the person again: nothing is shared on the withdrawn answer.
    later = await world.matches.agree_contact(PEER_A, match.id, "@sol")
    assert later.reply == "contact.waiting" and [n.key for n in later.notices] == ["contact.asked_person"]


async def test_overview_lists_offers_and_matches_in_both_roles(world: World) -> None:
    _, offer_id = await offered(world)
    mine = await world.matches.overview(PEER_A)
    assert [o.id for o in mine.offers_to_me] == [offer_id] and mine.matches == ()
    assert [o.id for o in (await world.matches.overview(PERSON)).my_offers] == [offer_id]
    await world.matches.accept(offer_id, PEER_A)
    assert len((await world.matches.overview(PERSON)).matches) == 1


async def test_a_block_needs_no_words_and_a_report_needs_some(world: World) -> None:
    _, offer_id = await offered(world)
    match = (await world.matches.accept(offer_id, PEER_A)).match
    assert match is not None
    assert (await world.matches.report(PEER_A, match.id, "   ", block=False)).refusal is Refusal.INCOMPLETE
    blocked = await world.matches.report(PEER_A, match.id, "", block=True)
    assert blocked.reply == "report.blocked" and await world.outbox(COORDINATOR) == []
    assert [(n.chat_id, n.key) for n in blocked.notices] == [(PERSON, "peer_match.ended_for_person_waiting")]
    assert await world.store.db.read(lambda c: rows.never_paired(c, PERSON, PEER_A))
    assert (await world.matches.report(PEER_A, match.id, "", block=True)).refusal is Refusal.ALREADY_ENDED
    later = await world.matches.report(PERSON, match.id, "Det, der skete, var ikke i orden", block=False)
    assert later.ok, "a report may concern an ended match"


async def test_the_service_as_the_bot_builds_it_follows_the_settings(world: World) -> None:
    settings = Settings(bot_token="1:A", admin_ids=(COORDINATOR,), offer_timeout_hours=6, _env_file=None)  # type: ignore[call-arg]
    service = build_match_service(world.store, world.matchmaker, settings)
    assert service.timeout_hours == 6 and service.is_coordinator(COORDINATOR) and not service.is_coordinator(PEER_A)
    await world.person(PERSON)
    assert (await world.store.intake.open_request(PERSON)).waiting  # type: ignore[union-attr]
    await world.peer(PEER_A, "Mette")
    await service._peer_available()
    assert await world.keys_to(PERSON) == ["match.rematch_found"]


async def test_two_devices_pressing_at_the_same_moment_open_one_match(world: World) -> None:
    _, offer_id = await offered(world)
    first, second = await asyncio.gather(world.matches.accept(offer_id, PEER_A), world.matches.accept(offer_id, PEER_A))
    assert sorted([first.ok, second.ok]) == [False, True]
    assert {first.refusal, second.refusal} == {None, Refusal.ALREADY_ACCEPTED}
    assert await world.keys_to(PERSON) == ["peer_match.opened_person"]


async def test_accept_and_decline_at_the_same_moment_decide_once(world: World) -> None:
    _, offer_id = await offered(world)
    accepted, declined = await asyncio.gather(
        world.matches.accept(offer_id, PEER_A), world.matches.decline(offer_id, PEER_A)
    )
    assert accepted.ok and declined.refusal is Refusal.ALREADY_ACCEPTED
    assert await world.offer_state(offer_id) == "accepted"


async def test_simultaneous_accepts_never_exceed_capacity(world: World) -> None:
    peer_id = await world.peer(PEER_A, "Mette", capacity=1)
    offers = []
    for person in (PERSON, OTHER_PERSON, THIRD_PERSON):
        await world.person(person)
        result = await world.matches.choose_peer(person, await world.suggestion(person, peer_id))
        assert result.offer is not None
        offers.append(result.offer.id)
    results = await asyncio.gather(*(world.matches.accept(offer, PEER_A) for offer in offers))
    assert [r.ok for r in results].count(True) == 1
    assert {r.refusal for r in results if not r.ok} == {Refusal.AT_CAPACITY}
    open_matches = await world.store.db.fetch_one("SELECT COUNT(*) AS n FROM matches WHERE state = 'open'")
    assert open_matches is not None and open_matches["n"] == 1


async def test_the_next_offer_is_made_once_however_many_race_for_it(world: World) -> None:
    _, offer_id = await offered(world)
    await world.peer(PEER_B, "Jens")
    world.clock.advance(hours=49)
    offer = await world.store.db.read(lambda c: rows.offer(c, offer_id))
    assert offer is not None
    await world.store.db.transaction(lambda c: world.matches._expire(c, offer, world.clock()))
    results = await asyncio.gather(
        world.matches.offer_next(offer.request_id),
        world.matches.offer_next(offer.request_id),
        world.matches.run_due(),
    )
    assert [r.offer is not None for r in results[:2]].count(True) + results[2].offered == 1
    assert await world.keys_to(PEER_B) == ["peer_offer.new"]
    assert await world.keys_to(PERSON) == ["peer_offer.person_next_asked"]
    open_offers = await world.store.db.fetch_one("SELECT COUNT(*) AS n FROM offers WHERE state = 'open'")
    assert open_offers is not None and open_offers["n"] == 1


async def test_the_candidate_query_itself_leaves_out_suspended_and_never_again_peers(world: World) -> None:
    kept = await world.peer(PEER_A, "Mette")
    suspended = await world.peer(PEER_B, "Jens")
    known = await world.peer(STRANGER, "Lise")
    await world.store.db.transaction(lambda c: rows.suspend(c, PEER_B, "x", world.clock()))
    await world.store.db.transaction(lambda c: rows.add_never_pair(c, STRANGER, PERSON, "knows_person", world.clock()))
    found = {p.peer_id for p in await world.store.peers.candidates(need(person_id=PERSON), world.clock().date())}
    assert found == {kept, known}, "suspension is honoured in SQL, not only by the peer's status"
    assert await world.store.peers.exclusions(PERSON) == frozenset({known}), "never-again pairs hold both ways"
    assert suspended not in found


async def test_peers_saved_before_this_migration_carry_on(tmp_path: Path) -> None:
    """A database from before the peers' migration keeps its peers, who stay suggestible and can be offered."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name.endswith("_peers.sql"):
            break
        shutil.copy(path, earlier / path.name)
    path = tmp_path / "old.sqlite3"
    connection = await connect(path)
    await migrate(connection, earlier)
    before = Store(Database(connection), default_geography())
    peer_id = await before.peers.save(peer(PEER_A), "Mette")
    await before.close()
    world = World(await Store.open(path, default_geography()), Clock())  # migrates the rest
    try:
        assert await world.peers.view(PEER_A) is not None
        await world.person(PERSON)
        result = await world.matches.choose_peer(PERSON, await world.suggestion(PERSON, peer_id))
        assert result.ok and result.offer is not None
        assert (await world.matches.accept(result.offer.id, PEER_A)).ok
    finally:
        await world.close()


async def test_an_offer_for_a_request_the_person_replaced_ends_when_the_peer_answers(world: World) -> None:
    _, offer_id = await offered(world)
    await world.store.intake.confirm(PERSON, request_answers())  # a new intake replaces the request
    assert (await world.matches.accept(offer_id, PEER_A)).refusal is Refusal.NO_LONGER_OPEN
    assert await world.offer_state(offer_id) == "withdrawn"
    world.clock.advance(hours=49)
    assert (await world.matches.run_due()).expired == 0, "nothing left to expire"
    assert "peer_offer.expired_peer" not in await world.keys_to(PEER_A)
