"""The coordinators' review through PTB offline: /ansoegninger (/applications) for coordinators only, the short
list, opening one, approval (the applicant told, the waiting list matched again at once), rejection with a typed
reason or none, and the refusals: someone who is no coordinator, a double tap, a decided application, a forged
number; in Danish and English."""

from __future__ import annotations

import json

import pytest

from bot.outcomes import Refusal
from bot.router import Kind
from bot.store.owners import Claim
from tests.conftest import ADMIN_ID, BotHarness
from tests.test_intake_handlers import walk_to as walk_intake
from tests.test_offer_handlers import send_outbox
from tests.test_peer_apply_handlers import (
    APPLICANT,
    ENGLISH,
    alert,
    keyboard_data,
    press,
    say,
    shown,
    submitted,
    t,
)

STRANGER = 8199
PERSON = 8150


def refusal(h: BotHarness, language: str, which: Refusal) -> str:
    return t(h, language, f"refusal.{which.value}")


async def status(h: BotHarness, application_id: int) -> str:
    row = await h.services.store.db.fetch_one("SELECT status FROM peer_applications WHERE id = ?", (application_id,))
    return str(row["status"]) if row else "-"


async def keys_to(h: BotHarness, chat_id: int) -> list[str]:
    rows = await h.services.store.db.fetch_all("SELECT text_key FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [row["text_key"] for row in rows]


@pytest.mark.parametrize("command", ["/ansoegninger", "/applications"])
@pytest.mark.parametrize("language", ["da", "en"])
async def test_only_coordinators_see_applications(harness: BotHarness, command: str, language: str) -> None:
    await submitted(harness)
    await say(harness, STRANGER, command, language)
    assert harness.api.last_text(STRANGER) == refusal(harness, language, Refusal.NOT_COORDINATOR)
    assert "Sol" not in harness.api.last_text(STRANGER)


@pytest.mark.parametrize("language", ["da", "en"])
async def test_no_pending_applications_is_said_plainly(harness: BotHarness, language: str) -> None:
    await say(harness, ADMIN_ID, "/ansoegninger", language)
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "peer_review.none")


async def test_the_list_opens_one_application_with_every_answer(harness: BotHarness) -> None:
    first = await submitted(harness)
    second = await submitted(harness, ENGLISH, "en")
    await say(harness, ADMIN_ID, "/ansoegninger")
    assert harness.api.last_text(ADMIN_ID) == t(harness, "da", "peer_review.list", count=2)
    assert keyboard_data(harness, ADMIN_ID) == [f"ar:{first}:open", f"ar:{second}:open"]
    labels = [b["text"] for row in harness.api.last_keyboard(ADMIN_ID) for b in row]
    assert labels[0].startswith(f"#{first} Sol (frivillig peer), ")
    await press(harness, ADMIN_ID, f"ar:{first}:open")
    text = shown(harness, ADMIN_ID)
    assert text.startswith(f"Ansøgning #{first} fra Sol:")
    assert "Organisation: Peer-netværket" in text and "Hvor: Køge, Online" in text
    assert "✅ " + t(harness, "da", "peer_apply.statement.recovery_year") in text
    assert keyboard_data(harness, ADMIN_ID) == [f"ar:{first}:ok", f"ar:{first}:no", "ar:0:list"]
    await press(harness, ADMIN_ID, "ar:0:list")
    assert shown(harness, ADMIN_ID) == t(harness, "da", "peer_review.list", count=2)


async def test_the_coordinators_notice_opens_the_application(harness: BotHarness) -> None:
    application = await submitted(harness)
    await send_outbox(harness)
    assert keyboard_data(harness, ADMIN_ID) == [f"ar:{application}:open"]
    await press(harness, ADMIN_ID, f"ar:{application}:open")
    assert shown(harness, ADMIN_ID).startswith(f"Ansøgning #{application} fra Sol:")


@pytest.mark.parametrize("language", ["da", "en"])
async def test_approval_tells_the_applicant_and_a_double_tap_changes_nothing(
    harness: BotHarness, language: str
) -> None:
    application = await submitted(harness, APPLICANT, language)
    await press(harness, ADMIN_ID, f"ar:{application}:ok", language)
    assert shown(harness, ADMIN_ID) == t(harness, language, "peer_review.approved", alias="Sol")
    assert await status(harness, application) == "approved"
    peer = await harness.services.store.db.fetch_one(
        "SELECT status, display_name, capacity FROM peers WHERE user_id = ?", (APPLICANT,)
    )
    assert dict(peer) == {"status": "approved", "display_name": "Sol", "capacity": 2}
    assert await keys_to(harness, APPLICANT) == ["peer_apply.approved"]
    await send_outbox(harness)
    assert harness.api.last_text(APPLICANT) == t(harness, language, "peer_apply.approved")
    await press(harness, ADMIN_ID, f"ar:{application}:ok", language)
    assert alert(harness) == refusal(harness, language, Refusal.ALREADY_DECIDED)
    await press(harness, ADMIN_ID, f"ar:{application}:no", language)
    assert alert(harness) == refusal(harness, language, Refusal.ALREADY_DECIDED)
    assert await keys_to(harness, APPLICANT) == ["peer_apply.approved"], "told once"
    await press(harness, ADMIN_ID, f"ar:{application}:open", language)
    assert shown(harness, ADMIN_ID).endswith(t(harness, language, "peer_review.status.approved"))
    await say(harness, APPLICANT, "/peer", language)
    assert harness.api.last_text(APPLICANT) == refusal(harness, language, Refusal.ALREADY_PEER)


async def test_an_approval_matches_the_waiting_list_at_once(harness: BotHarness) -> None:
    await walk_intake(harness, __import__("bot.intake", fromlist=["Step"]).Step.SUMMARY, user=PERSON)
    await harness.press(PERSON, "i:sum:confirm")
    request = await harness.services.store.intake.open_request(PERSON)
    assert request is not None and request.waiting, "nobody fits yet"
    application = await submitted(harness)
    await press(harness, ADMIN_ID, f"ar:{application}:ok")
    assert "match.rematch_found" in await keys_to(harness, PERSON), "no wait for the next scheduled run"
    ranking = await harness.services.matchmaker.rank_request(request, __import__("datetime").date.today())
    assert [p.candidate_id for p in ranking.peers], "the new peer is suggested"


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_rejection_asks_for_the_reason_and_tells_the_applicant_kindly(
    harness: BotHarness, language: str
) -> None:
    application = await submitted(harness, APPLICANT, language)
    await press(harness, ADMIN_ID, f"ar:{application}:no", language)
    assert shown(harness, ADMIN_ID).startswith(t(harness, language, "peer_review.reason_prompt", alias="Sol", max=500))
    assert await harness.services.router.owner(ADMIN_ID) == Claim(Kind.APPLICATION_REVIEW, application)
    assert await status(harness, application) == "pending", "nothing is decided before the reason"
    await harness.feed(harness.updates.photo(ADMIN_ID))  # from a Danish client
    assert harness.api.last_text(ADMIN_ID) == t(harness, "da", "peer_review.reason_only_text")
    await say(harness, ADMIN_ID, "x" * 600, language)
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "peer_review.reason_too_long", length=600, max=500)
    assert await status(harness, application) == "pending"
    await say(harness, ADMIN_ID, "Vi mangler peers med erfaring fra Fyn lige nu.", language)
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "peer_review.rejected", alias="Sol")
    assert await status(harness, application) == "rejected"
    assert await harness.services.router.owner(ADMIN_ID) is None
    await send_outbox(harness)
    told = harness.api.last_text(APPLICANT)
    assert told == t(harness, language, "peer_apply.rejected", reason="Vi mangler peers med erfaring fra Fyn lige nu.")
    await say(harness, ADMIN_ID, "Hej", language)
    assert harness.api.last_text(ADMIN_ID) == t(harness, language, "router.no_owner")


async def test_a_rejection_without_a_reason_and_cancel_while_writing_one(harness: BotHarness) -> None:
    application = await submitted(harness)
    await press(harness, ADMIN_ID, f"ar:{application}:no")
    await say(harness, ADMIN_ID, "/cancel")
    assert harness.api.last_text(ADMIN_ID) == t(harness, "da", "peer_review.reject_stopped")
    assert await status(harness, application) == "pending"
    assert await harness.services.router.owner(ADMIN_ID) is None
    await press(harness, ADMIN_ID, f"ar:{application}:no")
    await press(harness, ADMIN_ID, f"ar:{application}:open")  # "Go back"
    assert await harness.services.router.owner(ADMIN_ID) is None, "going back lets go of the coordinator's text"
    await press(harness, ADMIN_ID, f"ar:{application}:nor")
    assert shown(harness, ADMIN_ID) == t(harness, "da", "peer_review.rejected_no_reason", alias="Sol")
    assert await keys_to(harness, APPLICANT) == ["peer_apply.rejected_no_reason"]
    await say(harness, APPLICANT, "/peer")
    assert t(harness, "da", "peer_apply.consent.text") in harness.api.last_text(APPLICANT), "may apply again"


async def test_a_reason_typed_after_another_coordinator_decided_is_refused(harness: BotHarness) -> None:
    application = await submitted(harness)
    await press(harness, ADMIN_ID, f"ar:{application}:no")
    await harness.services.peers.approve(ADMIN_ID, application)  # type: ignore[union-attr]  # the other device
    await say(harness, ADMIN_ID, "For tidligt")
    assert harness.api.last_text(ADMIN_ID) == refusal(harness, "da", Refusal.ALREADY_DECIDED)
    assert await status(harness, application) == "approved"
    assert await harness.services.router.owner(ADMIN_ID) is None


@pytest.mark.parametrize("language", ["da", "en"])
async def test_someone_who_is_no_coordinator_and_forged_numbers_are_refused(harness: BotHarness, language: str) -> None:
    application = await submitted(harness)
    for action in ("open", "ok", "no", "nor", "list"):
        await press(harness, STRANGER, f"ar:{application}:{action}", language)
        if action == "list":
            assert shown(harness, STRANGER) == refusal(harness, language, Refusal.NOT_COORDINATOR)
        else:
            assert alert(harness) == refusal(harness, language, Refusal.NOT_COORDINATOR), action
    assert await status(harness, application) == "pending"
    assert await harness.services.router.owner(STRANGER) is None
    for action in ("open", "ok", "no", "nor"):
        await press(harness, ADMIN_ID, f"ar:987654:{action}", language)
        assert alert(harness) == refusal(harness, language, Refusal.NOT_FOUND), action
    await press(harness, ADMIN_ID, "ar:-1:ok", language)
    assert alert(harness) == t(harness, language, "errors.stale_button")
    draft_id = await harness.services.store.db.fetch_one(
        "SELECT id FROM peer_applications WHERE user_id = ?", (APPLICANT,)
    )
    assert draft_id is not None
    # A draft is nobody's business before it is sent.
    await walk_started(harness)
    row = await harness.services.store.db.fetch_one(
        "SELECT id FROM peer_applications WHERE user_id = ? AND status = 'draft'", (ENGLISH,)
    )
    await press(harness, ADMIN_ID, f"ar:{row['id']}:open", language)
    assert alert(harness) == refusal(harness, language, Refusal.NOT_FOUND)


async def walk_started(h: BotHarness) -> None:
    await say(h, ENGLISH, "/peer", "en")
    await press(h, ENGLISH, "pe:yes", "en")
    await say(h, ENGLISH, "Robin", "en")


async def test_the_list_is_short(harness: BotHarness) -> None:
    for user in range(8300, 8312):
        await submitted(harness, user)
    await say(harness, ADMIN_ID, "/ansoegninger")
    assert harness.api.last_text(ADMIN_ID) == t(harness, "da", "peer_review.list_more", count=10)
    assert len(keyboard_data(harness, ADMIN_ID)) == 10


def test_the_coordinator_keyboard_is_json_of_registered_buttons() -> None:
    from bot.buttons import ReviewButton, parse
    from bot.notices import Keyboard, Notice, keyboard_rows

    rows = keyboard_rows(Notice(1, "peer_apply.to_coordinators", "k", {"application_id": 5}, Keyboard.APPLICATION))
    assert rows is not None
    assert parse(json.loads(json.dumps(rows))[0][0]["callback_data"]) == ReviewButton(5, "open")


async def test_coordinators_find_their_command_in_their_own_menu(harness: BotHarness) -> None:
    from bot.app import _set_coordinator_menus

    assert harness.application.job_queue is not None
    assert harness.application.job_queue.get_jobs_by_name("menus:coordinators"), "set once Makker runs"
    await _set_coordinator_menus(harness.application, harness.services.catalogue)
    scoped = [c.params for c in harness.api.calls if c.method == "setMyCommands" and "chat" in str(c.params["scope"])]
    assert scoped, "a menu for the coordinator's chat"
    for menu in scoped:
        scope = json.loads(menu["scope"]) if isinstance(menu["scope"], str) else menu["scope"]
        assert scope == {"type": "chat", "chat_id": ADMIN_ID}
        commands = json.loads(menu["commands"]) if isinstance(menu["commands"], str) else menu["commands"]
        names = [command["command"] for command in commands]
        assert "peer" in names and ("ansoegninger" in names or "applications" in names)
    default = [c.params for c in harness.api.calls if c.method == "setMyCommands" and c.params not in scoped]
    for menu in default:
        assert "ansoegninger" not in str(menu["commands"]), "others never see it"
