"""Buttons are safe by construction: stale destructive presses ask again, forged data gets one friendly answer,
a press without a message is answered and ignored, and no press is answered twice."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.intake import Step
from tests.conftest import BotHarness
from tests.test_intake_handlers import consent, current_step, walk_to

USER = 401
ASKED_AGAIN = "Vil du slette alt"
GENERIC_ERROR = "der gik noget galt"


def answers(h: BotHarness, payload: dict[str, Any]) -> list[dict[str, Any]]:
    query_id = payload["callback_query"]["id"]
    return [
        c.params for c in h.api.calls if c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query_id
    ]


async def press(h: BotHarness, data: str, **message: Any) -> dict[str, Any]:
    """Press a button; `message` overrides fields of the message it is on (None: no message at all)."""
    payload = h.updates.button(USER, data)
    if message.pop("absent", False):
        del payload["callback_query"]["message"]
        payload["callback_query"]["inline_message_id"] = "AAAAinline"
    payload["callback_query"].get("message", {}).update(message)
    await h.feed(payload)
    return payload


async def confirmed(h: BotHarness) -> None:
    await walk_to(h, Step.SUMMARY, user=USER)
    await h.press(USER, "i:sum:confirm")
    assert await h.services.store.intake.open_request(USER) is not None


def nothing_failed(h: BotHarness) -> None:
    assert not any(GENERIC_ERROR in text for text in h.api.texts_to(USER))


async def test_a_stale_no_from_an_earlier_start_asks_again_and_erases_nothing(harness: BotHarness) -> None:
    await confirmed(harness)
    pressed = await press(harness, "c:no:0")
    assert len(answers(harness, pressed)) == 1
    assert ASKED_AGAIN in harness.api.last_text(USER)
    assert await harness.services.store.intake.open_request(USER) is not None
    assert await harness.services.store.intake.consent_id(USER) is not None
    # Asked again, the person can still erase everything.
    await harness.press(USER, "p:del:yes")
    assert await harness.services.store.intake.consent_id(USER) is None


async def test_a_no_without_the_consent_it_was_shown_for_asks_again(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE, user=USER)
    await press(harness, "c:no")  # a consent question sent before buttons carried their consent
    assert ASKED_AGAIN in harness.api.last_text(USER)
    assert await current_step(harness, USER) is Step.AGE


async def test_no_on_the_consent_shown_again_by_back_withdraws_it(harness: BotHarness) -> None:
    await consent(harness, USER)
    await harness.press(USER, "i:whom:back")
    data = [b["callback_data"] for row in harness.api.last_keyboard(USER) for b in row]
    consent_id = await harness.services.store.intake.consent_id(USER)
    assert f"c:no:{consent_id}" in data
    await harness.press(USER, f"c:no:{consent_id}")
    assert await harness.services.store.intake.consent_id(USER) is None
    assert await current_step(harness, USER) is None


async def test_a_no_shown_for_an_earlier_consent_asks_again(harness: BotHarness) -> None:
    await consent(harness, USER)
    await harness.press(USER, "i:whom:pick:self")
    await harness.press(USER, "i:grp:back")
    await harness.press(USER, "i:whom:back")  # consent shown again, with answers already given
    consent_id = await harness.services.store.intake.consent_id(USER)
    await harness.press(USER, f"c:no:{consent_id}")
    assert ASKED_AGAIN not in harness.api.last_text(USER), "back to the first question: nothing else at stake"
    await harness.press(USER, "c:yes")
    await harness.press(USER, "i:whom:pick:self")
    await harness.press(USER, "i:grp:tog:mental_health")
    await press(harness, f"c:no:{consent_id + 1}")
    assert ASKED_AGAIN in harness.api.last_text(USER)
    assert await current_step(harness, USER) is Step.TARGET_GROUPS


async def test_a_stale_continue_after_the_intake_ended_is_answered_once(harness: BotHarness) -> None:
    await confirmed(harness)
    pressed = await press(harness, "r:continue")
    sent = answers(harness, pressed)
    assert len(sent) == 1 and sent[0]["show_alert"] is True and "ikke længere aktiv" in sent[0]["text"]
    nothing_failed(harness)


@pytest.mark.parametrize(
    "forged",
    [
        "m:" + "1" * 23,
        "m:²",
        "m:0",
        "i:mun:pick:²",
        "i:mun:pick:" + "9" * 23,
        "x:y",
        "",
        "c:no:²",
        "r:later",
        "lang:xx",
    ],
)
async def test_forged_data_gets_one_friendly_answer(harness: BotHarness, forged: str) -> None:
    await walk_to(harness, Step.MUNICIPALITY, user=USER)
    pressed = await press(harness, forged)
    sent = answers(harness, pressed)
    assert len(sent) == 1 and sent[0]["show_alert"] is True and sent[0]["text"]
    nothing_failed(harness)
    assert await current_step(harness, USER) is Step.MUNICIPALITY
    assert await harness.services.store.outbox.status_counts() == {}, "no error report for the coordinators"


async def test_a_press_without_a_message_is_answered_and_ignored(harness: BotHarness) -> None:
    await harness.say(USER, "/start")
    before = len(harness.api.texts_to(USER))
    pressed = await press(harness, "c:yes", absent=True)
    assert len(answers(harness, pressed)) == 1
    assert len(harness.api.texts_to(USER)) == before
    assert await harness.services.store.intake.consent_id(USER) is None


async def test_a_press_on_a_message_too_old_to_show_is_stale(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE, user=USER)
    pressed = await press(harness, "i:age:pick:25_39", date=0)  # Telegram's InaccessibleMessage
    sent = answers(harness, pressed)
    assert len(sent) == 1 and sent[0]["show_alert"] is True
    assert await current_step(harness, USER) is Step.AGE


async def test_an_old_delete_confirmation_asks_again(harness: BotHarness) -> None:
    await consent(harness, USER)
    await harness.say(USER, "/delete")
    await press(harness, "p:del:yes", date=int(time.time()) - 3600)
    assert ASKED_AGAIN in harness.api.last_text(USER)
    assert await harness.services.store.intake.consent_id(USER) is not None
    await harness.press(USER, "p:del:yes")
    assert await harness.services.store.intake.consent_id(USER) is None


async def test_a_failing_handler_still_stops_the_spinner_once(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE, user=USER)
    harness.api.fail_next["editMessageText"] = (400, "Bad Request: chat not found", {})
    harness.api.fail_next["sendMessage"] = (400, "Bad Request: chat not found", {})
    pressed = await press(harness, "i:age:pick:25_39")
    assert len(answers(harness, pressed)) == 1


async def test_a_stale_new_request_does_not_wipe_an_intake_under_way(harness: BotHarness) -> None:
    await confirmed(harness)
    await harness.say(USER, "/start")  # offers a new request or keeping the one there is
    await harness.press(USER, "r:new")
    await harness.press(USER, "i:whom:pick:self")
    pressed = await press(harness, "r:new")  # the same offer, pressed again on the old message
    assert answers(harness, pressed)[0]["show_alert"] is True
    assert await current_step(harness, USER) is Step.TARGET_GROUPS


async def test_a_stale_restart_does_not_wipe_answers_given_since(harness: BotHarness) -> None:
    await walk_to(harness, Step.AGE, user=USER)
    await harness.say(USER, "/start")
    assert any(b["callback_data"] == "r:restart:age" for row in harness.api.last_keyboard(USER) for b in row), (
        "restart names the step it was offered at"
    )
    await harness.press(USER, "i:age:pick:25_39")  # the person goes on instead
    for stale in ("r:restart:age", "r:restart"):
        pressed = await press(harness, stale)
        assert answers(harness, pressed)[0]["show_alert"] is True
        assert await current_step(harness, USER) is Step.MUNICIPALITY
