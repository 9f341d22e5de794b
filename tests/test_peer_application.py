"""The peer application: its rules without Telegram or SQLite, then submission and a coordinator's decision."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import jobs
from bot import peer_application as pa
from bot.context import MakkerContext
from bot.outcomes import Refusal
from bot.peer_application import Draft, InvalidAnswer, Statement, Step
from bot.store import applications
from bot.store import matches as rows
from matching.taxonomy import TargetGroup
from tests.conftest import BotHarness
from tests.peer_world import COORDINATOR, Clock, World, application_answers
from tests.test_match_handlers import KOEGE

APPLICANT, PERSON = 7_400_000_001, 7_400_000_002
KNOWN = {KOEGE, 101}


def walk(kind: str = "volunteer") -> Draft:
    """Through every question in order, as an applicant would."""
    draft = pa.first_draft("da")
    assert draft.step is Step.ALIAS and draft.answers.languages == ("da",)
    draft = pa.set_alias(draft, "  Sol   fra Køge ")
    draft = pa.choose(draft, kind)
    draft = pa.set_organisation(draft, None)
    draft = pa.finish_multi(pa.toggle(draft, "mental_health"))
    draft = pa.finish_multi(draft)  # not a relative: may be left empty
    draft = pa.choose(draft, "40_64")
    draft = pa.choose(draft, "unspecified")
    draft = pa.finish_multi(draft)  # Danish is ticked already
    draft = pa.finish_area(pa.toggle_municipality(draft, KOEGE, KNOWN))
    draft = pa.finish_multi(pa.toggle(draft, "one_to_one"))
    draft = pa.finish_multi(pa.toggle(draft, "chat"))
    draft = pa.set_capacity(draft, pa.DEFAULT_CAPACITY)
    for statement in pa.statements_for(draft.answers):
        draft = pa.toggle_statement(draft, statement.value)
    return pa.finish_statements(draft)


def test_the_questions_come_in_order_and_a_finished_application_is_complete() -> None:
    draft = walk()
    assert draft.step is Step.SUMMARY and pa.is_complete(draft.answers)
    answers = draft.answers
    assert answers.alias == "Sol fra Køge" and answers.capacity == 2 and answers.organisation is None
    assert answers.area.municipalities == frozenset({KOEGE}) and not answers.area.online
    assert pa.Answers.from_json(json.loads(json.dumps(answers.to_json()))) == answers


def test_paid_peers_make_the_seeds_practical_statements_too() -> None:
    assert pa.statements_for(walk("paid").answers) == tuple(Statement)
    assert pa.statements_for(walk().answers) == (Statement.RECOVERY_YEAR, Statement.NEVER_KNOWN)
    at_statements = Draft(Step.ELIGIBILITY, replace(walk("paid").answers, statements=("recovery_year",)))
    with pytest.raises(InvalidAnswer) as refused:
        pa.finish_statements(at_statements)
    assert refused.value.reason == "peer_apply.hint.statements_needed"
    assert pa.missing_statements(at_statements.answers)[0] is Statement.NEVER_KNOWN


def test_changing_the_kind_keeps_only_the_statements_that_kind_is_asked() -> None:
    paid = walk("paid")
    changed = pa.choose(paid.edit(Step.KIND), "volunteer")
    assert changed.step is Step.SUMMARY, "an edit from the summary returns to it"
    assert set(changed.answers.statements) == {"recovery_year", "never_known"}
    back_to_paid = pa.choose(changed.edit(Step.KIND), "paid")
    assert not pa.is_complete(back_to_paid.answers), "a paid peer must make the further statements first"


def test_back_and_edit() -> None:
    draft = pa.set_alias(pa.first_draft("da"), "Sol")
    assert draft.step is Step.KIND
    back = draft.back()
    assert back is not None and back.step is Step.ALIAS and back.answers.alias == "Sol"
    assert back.back() is None, "before the first question comes the consent screen"
    summary = walk()
    editing = summary.edit(Step.AREA)
    assert editing.back() == Draft(Step.SUMMARY, summary.answers)
    with pytest.raises(InvalidAnswer):
        summary.edit(Step.SUMMARY)


@pytest.mark.parametrize("alias", ["@sol_dk", "t.me/sol", "https://x.dk", "", "   ", "x" * 33])
def test_an_alias_never_leads_to_the_peers_own_account(alias: str) -> None:
    with pytest.raises(InvalidAnswer):
        pa.set_alias(pa.first_draft("da"), alias)


def test_lived_experience_may_be_as_a_relative_only_but_not_empty() -> None:
    draft = pa.finish_multi(Draft(Step.EXPERIENCE))
    with pytest.raises(InvalidAnswer) as refused:
        pa.finish_multi(draft)
    assert refused.value.reason == "peer_apply.hint.experience_needed"
    relative = pa.finish_multi(pa.toggle(draft, "rare_diagnosis"))
    assert relative.step is Step.AGE
    assert relative.answers.target_groups == frozenset()
    assert relative.answers.relatives == frozenset({TargetGroup.RARE_DIAGNOSIS})
    with pytest.raises(InvalidAnswer):
        pa.toggle(Draft(Step.EXPERIENCE), "relatives")  # a relative says of what, under the next question


def test_answers_outside_the_question_are_stale() -> None:
    draft = Draft(Step.AGE)
    for bad in (lambda: pa.choose(draft, "under_18"), lambda: pa.toggle(draft, "da"), lambda: pa.finish_area(draft)):
        with pytest.raises(InvalidAnswer) as refused:
            bad()
        assert refused.value.reason == pa.STALE
    area = Draft(Step.AREA)
    with pytest.raises(InvalidAnswer):
        pa.toggle_municipality(area, 9999, KNOWN)
    with pytest.raises(InvalidAnswer) as refused:
        pa.finish_area(area)
    assert refused.value.reason == "peer_apply.hint.area_needed"
    online = pa.finish_area(pa.toggle_online(area))
    assert online.answers.area.online and online.step is Step.SUPPORT_FORMS
    for capacity in (0, pa.MAX_CAPACITY + 1):
        with pytest.raises(InvalidAnswer):
            pa.set_capacity(Draft(Step.CAPACITY), capacity)
    assert "dont_know" not in pa.MULTI_CHOICE[Step.SUPPORT_FORMS]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    opened = await World.open(tmp_path / "m.sqlite3", Clock())
    try:
        yield opened
    finally:
        await opened.close()


async def applied(world: World, user_id: int = APPLICANT, **changes: object) -> int:
    started = await world.peers.start_application(user_id, "da")
    assert started.ok and started.application is not None
    draft = Draft(Step.SUMMARY, application_answers(**changes))
    assert await world.peers.save_draft(user_id, draft)
    submitted = await world.peers.submit(user_id)
    assert submitted.ok and submitted.application is not None, submitted
    return submitted.application.id


async def test_an_application_is_saved_step_by_step_with_its_consent(world: World) -> None:
    started = await world.peers.start_application(APPLICANT, "en")
    assert started.reply == "peer_apply.started" and started.application is not None
    assert started.application.consent_version == pa.CONSENT_VERSION
    draft = pa.set_alias(started.application.draft, "Sol")
    await world.peers.save_draft(APPLICANT, draft)
    again = await world.peers.start_application(APPLICANT, "en")
    assert again.reply == "peer_apply.resumed" and again.application is not None
    assert again.application.draft == draft, "after a restart the applicant continues where they were"
    assert (await world.peers.submit(APPLICANT)).refusal is Refusal.INCOMPLETE
    assert await world.peers.cancel_application(APPLICANT)
    assert await world.peers.draft(APPLICANT) is None


async def test_submitting_tells_every_coordinator_and_approval_makes_the_peer_available(world: World) -> None:
    request = await world.person(PERSON)
    application_id = await applied(world)
    assert await world.keys_to(COORDINATOR) == ["peer_apply.to_coordinators"]
    assert (await world.peers.start_application(APPLICANT, "da")).refusal is Refusal.APPLICATION_PENDING
    assert await world.candidates_for(request) == set(), "a pending applicant is never suggested"

    assert (await world.peers.approve(APPLICANT, application_id)).refusal is Refusal.NOT_COORDINATOR
    pending = await world.peers.pending(COORDINATOR)
    assert isinstance(pending, list) and [a.id for a in pending] == [application_id]
    approved = await world.peers.approve(COORDINATOR, application_id)
    assert approved.ok and world.rematches == 1, "an approval matches the waiting list again at once"
    assert await world.keys_to(APPLICANT) == ["peer_apply.approved"]
    view = await world.peers.view(APPLICANT)
    assert view is not None and view.display_name == "Sol" and view.age_band == "40_64"
    assert view.profile.peer_id in await world.candidates_for(request)
    assert (await world.peers.approve(COORDINATOR, application_id)).refusal is Refusal.ALREADY_DECIDED
    assert (await world.peers.start_application(APPLICANT, "da")).refusal is Refusal.ALREADY_PEER


async def test_a_rejection_tells_the_applicant_the_reason(world: World) -> None:
    application_id = await applied(world)
    rejected = await world.peers.reject(COORDINATOR, application_id, "Vi mangler en reference")
    assert rejected.ok and world.rematches == 0
    [row] = await world.outbox(APPLICANT)
    assert row["text_key"] == "peer_apply.rejected" and json.loads(row["params"])["reason"] == "Vi mangler en reference"
    assert await world.peers.view(APPLICANT) is None
    assert (await world.peers.start_application(APPLICANT, "da")).reply == "peer_apply.started", "may apply again"


async def test_pause_hides_the_peer_and_passes_open_offers_on_and_resume_returns(world: World) -> None:
    application_id = await applied(world)
    await world.peers.approve(COORDINATOR, application_id)
    view = await world.peers.view(APPLICANT)
    assert view is not None
    request = await world.person(PERSON)
    offer = await world.matches.choose_peer(PERSON, await world.suggestion(PERSON, view.profile.peer_id))
    assert offer.offer is not None
    past = await world.peers.pause(APPLICANT, date(2026, 11, 30))
    assert past.reply == "peer.paused", "a date already past pauses until /resume"
    assert (await world.peers.resume(APPLICANT)).reply == "peer.resumed"
    offer = await world.matches.choose_peer(PERSON, await world.suggestion(PERSON, view.profile.peer_id))
    assert offer.offer is not None
    paused = await world.peers.pause(APPLICANT, date(2026, 12, 3))  # up to and including Thursday, Danish time
    assert paused.reply == "peer.paused_until" and paused.params == {"until": "03.12.2026"}
    assert [n.key for n in paused.notices] == ["peer_offer.person_waiting"]
    assert await world.offer_state(offer.offer.id) == "withdrawn"
    assert await world.candidates_for(request) == set()
    world.clock.now = datetime(2026, 12, 3, 22, 59, tzinfo=UTC)  # 23:59 in Copenhagen
    assert (await world.matches.run_due()).resumed == 0
    world.clock.now = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # midnight in Copenhagen
    before = world.rematches
    run = await world.matches.run_due()
    assert run.resumed == 1 and world.rematches == before + 1
    assert (await world.keys_to(APPLICANT))[-1] == "peer.resumed_by_date"
    assert await world.candidates_for(request) == {view.profile.peer_id}, "a withdrawn offer keeps nobody apart"
    assert (await world.matches.run_due()).resumed == 0
    assert (await world.peers.resume(APPLICANT)).reply == "peer.already_active"
    assert (await world.peers.resume(PERSON)).refusal is Refusal.NOT_A_PEER


async def test_a_profile_edit_is_effective_at_once(world: World) -> None:
    application_id = await applied(world)
    await world.peers.approve(COORDINATOR, application_id)
    request = await world.person(PERSON, target_groups=("substance_use",))
    assert await world.candidates_for(request) == set()
    saved = await world.peers.update_profile(APPLICANT, application_answers(experience=("substance_use",)))
    assert saved.ok
    assert len(await world.candidates_for(request)) == 1
    assert (await world.peers.update_profile(PERSON, application_answers())).refusal is Refusal.NOT_A_PEER


async def test_a_suspended_peer_cannot_pause_or_resume_their_way_back(world: World) -> None:
    application_id = await applied(world)
    await world.peers.approve(COORDINATOR, application_id)
    await world.matches.suspend(COORDINATOR, APPLICANT, "x")
    assert await world.store.db.read(lambda c: rows.is_suspended(c, APPLICANT))
    assert (await world.peers.resume(APPLICANT)).refusal is Refusal.SUSPENDED
    assert (await world.peers.pause(APPLICANT)).refusal is Refusal.SUSPENDED
    assert (await world.peers.start_application(APPLICANT, "da")).refusal is Refusal.SUSPENDED
    assert (await world.matches.lift_suspension(COORDINATOR, APPLICANT)).ok
    assert (await world.peers.resume(APPLICANT)).reply == "peer.resumed"


async def test_an_approval_tells_a_waiting_person_at_once(world: World) -> None:
    request = await world.person(PERSON)
    assert (await world.store.intake.open_request(PERSON)).waiting  # type: ignore[union-attr]
    await world.peers.approve(COORDINATOR, await applied(world))
    assert await world.keys_to(PERSON) == ["match.rematch_found"]
    assert await world.candidates_for(request) != set()


async def test_unfinished_and_rejected_applications_are_kept_only_as_long_as_the_consent_says(world: World) -> None:
    await world.peers.start_application(PERSON, "da")
    rejected = await applied(world)
    await world.peers.reject(COORDINATOR, rejected, "Ikke nu")
    later = world.clock() + timedelta(days=31)
    assert await world.store.db.transaction(lambda c: applications.forget_stale_drafts(c, later - timedelta(days=30)))
    assert await world.peers.draft(PERSON) is None
    a_year = world.clock() + timedelta(days=364)
    assert not await world.store.db.transaction(lambda c: applications.forget_decided(c, a_year - timedelta(days=365)))
    after = world.clock() + timedelta(days=366)
    assert await world.store.db.transaction(lambda c: applications.forget_decided(c, after - timedelta(days=365)))


async def test_housekeeping_forgets_unfinished_applications_after_30_days(harness: BotHarness) -> None:
    db = harness.services.store.db
    for user_id, updated in ((APPLICANT, "2020-01-01T00:00:00.000000Z"), (PERSON, "2999-01-01T00:00:00.000000Z")):
        await db.write(
            "INSERT INTO peer_applications (user_id, status, step, answers, consent_version, consented_at,"
            " created_at, updated_at) VALUES (?, 'draft', 'alias', '{}', 'v', ?, ?, ?)",
            (user_id, updated, updated, updated),
        )
    await jobs.housekeeping(MakkerContext(harness.application))
    left = await db.fetch_all("SELECT user_id FROM peer_applications")
    assert [row["user_id"] for row in left] == [PERSON]
