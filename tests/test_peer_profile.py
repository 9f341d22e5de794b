"""Editing a peer's profile without Telegram: the profile read back as the application's answers, an edit saved
only when finished, and effective for the very next request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import peer_application as pa
from bot.peer_application import Draft, Step
from bot.peer_profile import EDITABLE, ProfileEditor, answers_of
from tests.peer_world import COORDINATOR, Clock, World, application_answers

PEER, PERSON, OTHER = 7_500_000_001, 7_500_000_002, 7_500_000_003


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    opened = await World.open(tmp_path / "m.sqlite3", Clock())
    try:
        yield opened
    finally:
        await opened.close()


async def approve(world: World, **changes: object) -> ProfileEditor:
    await world.peers.start_application(PEER, "da")
    await world.peers.save_draft(PEER, Draft(Step.SUMMARY, application_answers(**changes)))
    submitted = await world.peers.submit(PEER)
    assert submitted.application is not None
    assert (await world.peers.approve(COORDINATOR, submitted.application.id)).ok
    return ProfileEditor(world.store.db, world.peers, world.clock)


async def test_the_profile_reads_back_as_the_answers_it_was_approved_with(world: World) -> None:
    answers = application_answers(relative_of=("substance_use",), organisation="SIND", online=True)
    await approve(world, relative_of=answers.relative_of, organisation="SIND", online=True)
    view = await world.peers.view(PEER)
    assert view is not None
    assert answers_of(view) == answers
    assert pa.is_complete(answers_of(view))


def test_a_peer_edits_everything_but_what_a_coordinator_approved() -> None:
    assert Step.KIND not in EDITABLE and Step.ELIGIBILITY not in EDITABLE and Step.SUMMARY not in EDITABLE
    assert Step.EXPERIENCE in EDITABLE and Step.AREA in EDITABLE and Step.ALIAS in EDITABLE


async def test_an_edit_of_lived_experience_is_saved_only_when_finished_and_counts_for_the_next_request(
    world: World,
) -> None:
    editor = await approve(world)
    peer_id = (await world.store.db.fetch_one("SELECT id FROM peers WHERE user_id = ?", (PEER,)))["id"]
    before = await world.person(PERSON, target_groups=("substance_use",))
    assert peer_id not in await world.candidates_for(before)
    await editor.start(PEER, Step.EXPERIENCE)
    ticked = await editor.apply(PEER, lambda d: pa.toggle(d, "substance_use"))
    assert ticked.draft is not None and ticked.saved is None
    assert peer_id not in await world.candidates_for(before), "a tick alone changes nothing"
    done = await editor.apply(PEER, pa.finish_multi)
    assert done.saved is not None and done.saved.reply == "peer.profile_saved"
    assert await editor.draft(PEER) is None
    after = await world.person(OTHER, target_groups=("substance_use",))
    assert peer_id in await world.candidates_for(after)
    assert world.rematches >= 2, "approval and the edit each matched the waiting list again"


async def test_an_edit_of_the_area_moves_the_peer_and_an_empty_one_is_refused(world: World) -> None:
    editor = await approve(world)
    known = {461, 259}
    await editor.start(PEER, Step.AREA)
    await editor.apply(PEER, lambda d: pa.toggle_municipality(d, 259, known))
    refused = await editor.apply(PEER, pa.finish_area)
    assert refused.hint == "peer_apply.hint.area_needed" and refused.saved is None
    view = await world.peers.view(PEER)
    assert view is not None and view.profile.area.municipalities == frozenset({259}), "unchanged"
    await editor.apply(PEER, lambda d: pa.toggle_municipality(d, 461, known))
    draft = await editor.draft(PEER)
    assert draft is not None and draft.answers.municipalities == (461,)
    saved = await editor.apply(PEER, pa.finish_area)
    assert saved.saved is not None and saved.saved.ok
    view = await world.peers.view(PEER)
    assert view is not None and view.profile.area.municipalities == frozenset({461})


async def test_no_edit_without_being_a_peer_and_no_step_outside_the_list(world: World) -> None:
    editor = ProfileEditor(world.store.db, world.peers, world.clock)
    refused = await editor.start(PEER, Step.EXPERIENCE)
    assert getattr(refused, "reply", None) == "refusal.not_a_peer"
    await approve(world)
    assert getattr(await editor.start(PEER, Step.KIND), "reply", None) == "refusal.not_found"
    assert (await editor.apply(OTHER, pa.finish_multi)).hint == "peer_self.edit.none"
