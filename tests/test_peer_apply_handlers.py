"""Becoming a peer in the chat through PTB offline: /peer, /bliv_peer and the intake's third answer, consent,
every question saved before the next is asked, back, edit, cancel, /start during an application, the refusals
(already a peer, pending, wrong input, stale and forged buttons), and submission telling the coordinators,
in Danish and English."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.outcomes import Refusal
from bot.peer_application import Step
from bot.router import Kind
from bot.store.owners import Claim
from tests.conftest import ADMIN_ID, BotHarness
from tests.test_match_handlers import peer
from tests.test_offer_handlers import send_outbox

APPLICANT = 8101
ENGLISH = 8102

# One typical answer per step, as an applicant would give it: ("press", data) or ("say", text).
WALK: list[tuple[Step, list[tuple[str, str]]]] = [
    (Step.ALIAS, [("say", "Sol")]),
    (Step.KIND, [("press", "pa:kind:pick:volunteer")]),
    (Step.ORGANISATION, [("say", "Peer-netværket")]),
    (Step.EXPERIENCE, [("press", "pa:exp:tog:mental_health"), ("press", "pa:exp:done")]),
    (Step.RELATIVE_OF, [("press", "pa:rel:done")]),
    (Step.AGE, [("press", "pa:age:pick:40_64")]),
    (Step.GENDER, [("press", "pa:gen:pick:woman")]),
    (Step.LANGUAGES, [("press", "pa:lang:done")]),
    (Step.AREA, [("say", "Koege"), ("press", "pa:area:online"), ("press", "pa:area:done")]),
    (Step.SUPPORT_FORMS, [("press", "pa:form:tog:one_to_one"), ("press", "pa:form:done")]),
    (Step.CONTACT, [("press", "pa:cont:tog:chat"), ("press", "pa:cont:done")]),
    (Step.CAPACITY, [("press", "pa:cap:pick:2")]),
    (
        Step.ELIGIBILITY,
        [("press", "pa:elig:tog:recovery_year"), ("press", "pa:elig:tog:never_known"), ("press", "pa:elig:done")],
    ),
]


def t(h: BotHarness, language: str, key: str, **params: object) -> str:
    return h.services.catalogue.text(language, key, **params)


async def say(h: BotHarness, user: int, text: str, language: str = "da") -> None:
    await h.feed(h.updates.text(user, text, language))


async def press(h: BotHarness, user: int, data: str, language: str = "da") -> None:
    await h.feed(h.updates.button(user, data, language_code=language))


def shown(h: BotHarness, user: int) -> str:
    """What the person sees last: a sent message or an edited one."""
    return [c for c in h.api.calls if c.params.get("chat_id") == user and "text" in c.params][-1].params["text"]


def alert(h: BotHarness) -> str:
    call = [c for c in h.api.calls if c.method == "answerCallbackQuery"][-1]
    assert call.params.get("show_alert") is True, call.params
    return call.params["text"]


def keyboard_data(h: BotHarness, user: int) -> list[str]:
    return [b["callback_data"] for row in h.api.last_keyboard(user) for b in row]


async def step_of(h: BotHarness, user: int) -> Step | None:
    record = await h.services.peers.draft(user)  # type: ignore[union-attr]
    return record.draft.step if record else None


async def application_row(h: BotHarness, user: int) -> Any:
    return await h.services.store.db.fetch_one("SELECT * FROM peer_applications WHERE user_id = ?", (user,))


async def consent(h: BotHarness, user: int = APPLICANT, language: str = "da") -> None:
    await say(h, user, "/peer", language)
    await press(h, user, "pe:yes", language)


async def walk_to(h: BotHarness, stop: Step, user: int = APPLICANT, language: str = "da") -> None:
    """Consent, then answer every question before `stop`."""
    await consent(h, user, language)
    for step, actions in WALK:
        if step is stop:
            return
        for kind, value in actions:
            await (press(h, user, value, language) if kind == "press" else say(h, user, value, language))


async def submitted(h: BotHarness, user: int = APPLICANT, language: str = "da") -> int:
    await walk_to(h, Step.SUMMARY, user, language)
    await press(h, user, "pa:sum:submit", language)
    row = await application_row(h, user)
    assert row is not None and row["status"] == "pending"
    return int(row["id"])


# --- the way in ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/peer", "/bliv_peer"])
@pytest.mark.parametrize("language", ["da", "en"])
async def test_the_command_explains_and_asks_for_consent_before_anything_is_stored(
    harness: BotHarness, command: str, language: str
) -> None:
    await say(harness, APPLICANT, command, language)
    text = harness.api.last_text(APPLICANT)
    assert text.startswith(t(harness, language, "peer_apply_flow.welcome"))
    assert t(harness, language, "peer_apply.consent.text") in text
    assert keyboard_data(harness, APPLICANT) == ["pe:yes", "pe:no", "crisis"]
    assert await application_row(harness, APPLICANT) is None, "nothing is stored before consent"


async def test_no_to_the_consent_stores_nothing(harness: BotHarness) -> None:
    await say(harness, APPLICANT, "/peer")
    await press(harness, APPLICANT, "pe:no")
    assert shown(harness, APPLICANT) == t(harness, "da", "peer_apply.consent.declined")
    assert await application_row(harness, APPLICANT) is None


async def test_an_old_no_cannot_hide_an_application_under_way(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE)
    await press(harness, APPLICANT, "pe:no")
    assert alert(harness) == t(harness, "da", "errors.stale_button")
    assert await step_of(harness, APPLICANT) is Step.AGE


@pytest.mark.parametrize("language", ["da", "en"])
async def test_the_intakes_third_answer_starts_an_application(harness: BotHarness, language: str) -> None:
    await say(harness, APPLICANT, "/start", language)
    await press(harness, APPLICANT, "c:yes", language)
    labels = [b["text"] for row in harness.api.last_keyboard(APPLICANT) for b in row]
    assert t(harness, language, "peer_apply_flow.intake_choice") in labels
    assert "pe:begin" in keyboard_data(harness, APPLICANT)
    await press(harness, APPLICANT, "pe:begin", language)
    assert t(harness, language, "peer_apply.consent.text") in shown(harness, APPLICANT)
    assert await harness.services.store.intake.draft(APPLICANT) is None, "the unanswered intake goes"
    await press(harness, APPLICANT, "pe:yes", language)
    assert await step_of(harness, APPLICANT) is Step.ALIAS
    assert t(harness, language, "peer_apply.question.alias") in shown(harness, APPLICANT)
    assert await harness.services.router.owner(APPLICANT) == Claim(Kind.PEER_APPLICATION)


async def test_the_command_menu_offers_the_way_in(harness: BotHarness) -> None:
    menus = [c.params for c in harness.api.calls if c.method == "setMyCommands"]
    for menu in menus:
        commands = json.loads(menu["commands"]) if isinstance(menu["commands"], str) else menu["commands"]
        assert "peer" in [command["command"] for command in commands]


# --- the application, step by step --------------------------------------------------------------------------------


async def test_every_answer_is_saved_before_the_next_question_and_the_application_reaches_the_coordinators(
    harness: BotHarness,
) -> None:
    await consent(harness)
    row = await application_row(harness, APPLICANT)
    assert row["status"] == "draft" and row["consent_version"] and row["consented_at"]
    assert shown(harness, APPLICANT).startswith(t(harness, "da", "peer_apply_flow.started"))
    for step, actions in WALK:
        assert await step_of(harness, APPLICANT) is step
        assert t(harness, "da", f"peer_apply.question.{step.value}") in shown(harness, APPLICANT), step
        for kind, value in actions:
            await (press(harness, APPLICANT, value) if kind == "press" else say(harness, APPLICANT, value))
        # The question now shown belongs to the step stored: the answer was saved before it was asked.
        stored = await step_of(harness, APPLICANT)
        assert stored is not step and t(harness, "da", f"peer_apply.question.{stored.value}") in shown(
            harness, APPLICANT
        )
    summary = shown(harness, APPLICANT)
    assert "Navn: Sol" in summary and "Køge, Online" in summary and "Peer-netværket" in summary
    assert "Psykiske vanskeligheder" in summary and "2 af 2 udsagn" in summary
    await press(harness, APPLICANT, "pa:sum:submit")
    assert shown(harness, APPLICANT) == t(harness, "da", "peer_apply_flow.submitted")
    row = await application_row(harness, APPLICANT)
    assert row["status"] == "pending" and row["submitted_at"]
    answers = json.loads(row["answers"])
    assert answers["municipalities"] == [259] and answers["online"] is True and answers["capacity"] == 2
    assert await harness.services.router.owner(APPLICANT) is None, "the application lets go of the person's text"
    queued = await harness.services.store.db.fetch_all(
        "SELECT text_key, keyboard FROM outbox WHERE chat_id = ?", (ADMIN_ID,)
    )
    assert [q["text_key"] for q in queued] == ["peer_apply.to_coordinators"]
    assert f"ar:{row['id']}:open" in queued[0]["keyboard"]
    await send_outbox(harness)
    assert harness.api.last_text(ADMIN_ID).startswith(f"Ny ansøgning om at blive peer: #{row['id']} fra Sol")
    assert keyboard_data(harness, ADMIN_ID) == [f"ar:{row['id']}:open"]


async def test_the_whole_application_in_english(harness: BotHarness) -> None:
    await submitted(harness, ENGLISH, "en")
    assert shown(harness, ENGLISH) == t(harness, "en", "peer_apply_flow.submitted")
    assert "what happens next" in shown(harness, ENGLISH).lower()


async def test_without_coordinators_the_applicant_is_not_told_someone_was_told(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(harness.services.matches, "_coordinators", ())
    await submitted(harness)
    assert shown(harness, APPLICANT) == t(harness, "da", "peer_apply_flow.submitted_no_coordinator")


async def test_a_paid_peer_is_asked_every_practical_statement_and_must_make_them_all(harness: BotHarness) -> None:
    await consent(harness)
    await say(harness, APPLICANT, "Sol")
    await press(harness, APPLICANT, "pa:kind:pick:paid")
    for step, actions in WALK[2:]:
        if step is Step.ELIGIBILITY:
            break
        for kind, value in actions:
            await (press(harness, APPLICANT, value) if kind == "press" else say(harness, APPLICANT, value))
    text = shown(harness, APPLICANT)
    assert "6. " in text and t(harness, "da", "peer_apply.statement.hours15") in text
    await press(harness, APPLICANT, "pa:elig:tog:recovery_year")
    await press(harness, APPLICANT, "pa:elig:done")
    assert alert(harness) == t(harness, "da", "peer_apply.hint.statements_needed")
    assert await step_of(harness, APPLICANT) is Step.ELIGIBILITY


async def test_back_and_edit_from_the_summary(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE)
    await press(harness, APPLICANT, "pa:age:back")
    assert await step_of(harness, APPLICANT) is Step.RELATIVE_OF
    await press(harness, APPLICANT, "pa:rel:done")
    await press(harness, APPLICANT, "pa:age:pick:40_64")
    await walk_rest(harness, Step.GENDER)
    await press(harness, APPLICANT, "pa:sum:edit:cap")
    assert await step_of(harness, APPLICANT) is Step.CAPACITY
    await press(harness, APPLICANT, "pa:cap:pick:4")
    assert await step_of(harness, APPLICANT) is Step.SUMMARY
    assert "Personer ad gangen: 4" in shown(harness, APPLICANT)


async def walk_rest(h: BotHarness, start: Step, user: int = APPLICANT) -> None:
    steps = [step for step, _ in WALK]
    for _, actions in WALK[steps.index(start) :]:
        for kind, value in actions:
            await (press(h, user, value) if kind == "press" else say(h, user, value))


async def test_the_area_by_region_by_municipality_and_by_typed_name(harness: BotHarness) -> None:
    await walk_to(harness, Step.AREA)
    await press(harness, APPLICANT, "pa:area:done")
    assert alert(harness) == t(harness, "da", "peer_apply.hint.area_needed")
    await press(harness, APPLICANT, "pa:area:reg:syddanmark")
    assert "✅ Region Syddanmark" in [b["text"] for row in harness.api.last_keyboard(APPLICANT) for b in row]
    await press(harness, APPLICANT, "pa:area:regions")
    await press(harness, APPLICANT, "pa:area:region:sjaelland")
    assert "pa:area:mun:259" in keyboard_data(harness, APPLICANT)
    await press(harness, APPLICANT, "pa:area:mun:259")
    assert "✅ Køge" in [b["text"] for row in harness.api.last_keyboard(APPLICANT) for b in row]
    await say(harness, APPLICANT, "Koege")
    assert harness.api.last_text(APPLICANT).startswith(
        t(harness, "da", "peer_apply_flow.municipality_already", municipality="Køge")
    )
    await say(harness, APPLICANT, "Hørsholm")
    assert harness.api.last_text(APPLICANT).startswith("Jeg har tilføjet Hørsholm.")
    await say(harness, APPLICANT, "Ishøj og Nowhere")
    assert "Nowhere" in harness.api.texts_to(APPLICANT)[-2], "an unknown name is said so"
    await press(harness, APPLICANT, "pa:area:mun:0259")
    assert alert(harness) == t(harness, "da", "peer_apply.hint.stale_button"), "a forged code"
    await press(harness, APPLICANT, "pa:area:done")
    record = await harness.services.peers.draft(APPLICANT)  # type: ignore[union-attr]
    assert record is not None and record.draft.step is Step.SUPPORT_FORMS
    assert set(record.answers.municipalities) == {259, 223} and record.answers.regions == ("syddanmark",)


# --- wrong input and refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_an_alias_that_leads_to_an_account_or_is_too_long_is_refused_kindly(
    harness: BotHarness, language: str
) -> None:
    await consent(harness, APPLICANT, language)
    await say(harness, APPLICANT, "@sol_dk", language)
    assert harness.api.last_text(APPLICANT).startswith(t(harness, language, "peer_apply.hint.alias_no_handle"))
    await say(harness, APPLICANT, "S" * 5000, language)
    assert harness.api.last_text(APPLICANT).startswith(t(harness, language, "peer_apply.hint.too_long"))
    assert await step_of(harness, APPLICANT) is Step.ALIAS
    await harness.feed(harness.updates.photo(APPLICANT))
    assert harness.api.last_text(APPLICANT).startswith(t(harness, "da", "intake.hint.only_text"))


async def test_typing_where_buttons_are_asked_and_a_button_of_an_earlier_question(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE)
    await say(harness, APPLICANT, "42")
    assert harness.api.last_text(APPLICANT).startswith(t(harness, "da", "intake.hint.use_buttons"))
    await press(harness, APPLICANT, "pa:kind:pick:paid")
    assert harness.api.last_text(APPLICANT).startswith(t(harness, "da", "peer_apply.hint.stale_button"))
    record = await harness.services.peers.draft(APPLICANT)  # type: ignore[union-attr]
    assert record is not None and record.answers.kind == "volunteer", "nothing changed"
    await press(harness, APPLICANT, "pa:age:pick:under_18")
    assert alert(harness) == t(harness, "da", "peer_apply.hint.stale_button"), "peers are adults"
    await press(harness, APPLICANT, "pa:age:pick:40_64")
    await press(harness, APPLICANT, "pa:gen:pick:woman")
    await press(harness, APPLICANT, "pa:lang:tog:da")  # the only language, unticked
    await press(harness, APPLICANT, "pa:lang:done")
    assert alert(harness) == t(harness, "da", "peer_apply.hint.choose_one")


async def test_forged_capacity_and_a_crisis_text_in_the_middle(harness: BotHarness) -> None:
    await walk_to(harness, Step.CAPACITY)
    for forged in ("pa:cap:pick:99", "pa:cap:pick:02", "pa:cap:submit"):
        await press(harness, APPLICANT, forged)
        assert alert(harness) == t(harness, "da", "peer_apply.hint.stale_button"), forged
    await press(harness, APPLICANT, "pa:cap:x:y")
    assert alert(harness) == t(harness, "da", "errors.stale_button"), "data no button packs"
    await say(harness, APPLICANT, "jeg vil ikke leve mere")
    texts = harness.api.texts_to(APPLICANT)
    assert any("112" in text for text in texts[-3:]), "the crisis help comes first"
    assert texts[-1].startswith(t(harness, "da", "intake.hint.after_crisis"))
    assert await step_of(harness, APPLICANT) is Step.CAPACITY


async def test_a_double_submit_is_refused(harness: BotHarness) -> None:
    await submitted(harness)
    await press(harness, APPLICANT, "pa:sum:submit")
    assert alert(harness) == t(harness, "da", "errors.stale_button")
    rows = await harness.services.store.db.fetch_all("SELECT id FROM outbox WHERE chat_id = ?", (ADMIN_ID,))
    assert len(rows) == 1, "the coordinators are told once"


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_pending_applicant_and_a_peer_are_told_where_they_stand(harness: BotHarness, language: str) -> None:
    await submitted(harness, APPLICANT, language)
    await say(harness, APPLICANT, "/peer", language)
    assert harness.api.last_text(APPLICANT) == t(harness, language, f"refusal.{Refusal.APPLICATION_PENDING.value}")
    await harness.services.store.peers.save(peer(ENGLISH), "Mette")
    await say(harness, ENGLISH, "/bliv_peer", language)
    assert harness.api.last_text(ENGLISH) == t(harness, language, f"refusal.{Refusal.ALREADY_PEER.value}")
    await press(harness, ENGLISH, "pe:yes", language)
    assert alert(harness) == t(harness, language, f"refusal.{Refusal.ALREADY_PEER.value}")


# --- stopping and coming back -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
async def test_cancel_deletes_the_answers_and_lets_go(harness: BotHarness, language: str) -> None:
    await walk_to(harness, Step.AGE, APPLICANT, language)
    await say(harness, APPLICANT, "/cancel", language)
    assert harness.api.last_text(APPLICANT) == t(harness, language, "peer_apply_flow.cancelled")
    assert await application_row(harness, APPLICANT) is None
    assert await harness.services.router.owner(APPLICANT) is None
    await say(harness, APPLICANT, "hej", language)
    assert harness.api.last_text(APPLICANT) == t(harness, language, "router.no_owner")


async def test_the_summary_s_cancel_button(harness: BotHarness) -> None:
    await walk_to(harness, Step.SUMMARY)
    await press(harness, APPLICANT, "pa:sum:cancel")
    assert shown(harness, APPLICANT) == t(harness, "da", "peer_apply_flow.cancelled")
    assert await application_row(harness, APPLICANT) is None
    await press(harness, APPLICANT, "pa:sum:submit")
    assert alert(harness) == t(harness, "da", "errors.stale_button")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_start_during_an_application_offers_to_continue_or_seek_support(
    harness: BotHarness, language: str
) -> None:
    await walk_to(harness, Step.ORGANISATION, APPLICANT, language)
    await say(harness, APPLICANT, "/start", language)
    assert harness.api.last_text(APPLICANT) == t(harness, language, "peer_apply_flow.start_during", name="Person8101")
    assert keyboard_data(harness, APPLICANT) == ["pe:continue", "pe:seek"]
    await press(harness, APPLICANT, "pe:continue", language)
    assert t(harness, language, "peer_apply.question.org") in shown(harness, APPLICANT)
    await say(harness, APPLICANT, "/start", language)
    await press(harness, APPLICANT, "pe:seek", language)
    assert t(harness, language, "consent.text") in harness.api.last_text(APPLICANT)
    assert await step_of(harness, APPLICANT) is Step.ORGANISATION, "the application's answers stay"
    assert await harness.services.router.owner(APPLICANT) is None, "a word typed now is no answer to the application"
    await say(harness, APPLICANT, "/peer", language)
    assert harness.api.last_text(APPLICANT).startswith(t(harness, language, "peer_apply.resumed"))
    assert await harness.services.router.owner(APPLICANT) == Claim(Kind.PEER_APPLICATION)
    await say(harness, APPLICANT, "Peer-netværket", language)
    assert await step_of(harness, APPLICANT) is Step.EXPERIENCE


async def test_a_button_after_delete_is_stale(harness: BotHarness) -> None:
    await walk_to(harness, Step.KIND)
    await say(harness, APPLICANT, "/delete")
    await harness.services.erase_person(APPLICANT)
    await press(harness, APPLICANT, "pa:kind:pick:paid")
    assert alert(harness) == t(harness, "da", "errors.stale_button")
    assert await application_row(harness, APPLICANT) is None


async def test_an_answer_that_cannot_be_saved_gets_no_next_question(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    await walk_to(harness, Step.KIND)
    service = harness.services.peers
    assert service is not None

    async def locked(*args: object) -> bool:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(service, "save_draft", locked)
    await press(harness, APPLICANT, "pa:kind:pick:volunteer")
    assert harness.api.last_text(APPLICANT) == t(harness, "da", "errors.storage.not_saved")
    assert t(harness, "da", "peer_apply.question.org") not in shown(harness, APPLICANT), "state before speech"
    monkeypatch.undo()
    assert await step_of(harness, APPLICANT) is Step.KIND


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_suspended_person_cannot_apply(harness: BotHarness, language: str) -> None:
    assert harness.services.matches is not None
    await harness.services.matches.suspend(ADMIN_ID, APPLICANT, "x")
    await say(harness, APPLICANT, "/peer", language)
    assert harness.api.last_text(APPLICANT) == t(harness, language, f"refusal.{Refusal.SUSPENDED.value}")
    await press(harness, APPLICANT, "pe:yes", language)
    assert alert(harness) == t(harness, language, f"refusal.{Refusal.SUSPENDED.value}")
    assert await application_row(harness, APPLICANT) is None


async def test_a_person_with_an_open_match_who_applies_talks_with_their_peer_again_after(harness: BotHarness) -> None:
    from tests.test_offer_handlers import METTE, PERSON
    from tests.test_relay_handlers import copies_to, matched

    await matched(harness)
    await walk_to(harness, Step.ORGANISATION, PERSON)
    await say(harness, PERSON, "Peer-netværket")
    assert copies_to(harness, METTE) == [], "the answer belongs to the application"
    await say(harness, PERSON, "/cancel")
    assert await harness.services.router.owner(PERSON) == Claim(Kind.RELAY)
    await say(harness, PERSON, "Hej igen")
    assert len(copies_to(harness, METTE)) == 1, "the relay has the person's messages back"
