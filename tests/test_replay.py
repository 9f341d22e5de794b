"""After a crash, an update whose effect was stored is answered by showing the person where they are."""

from __future__ import annotations

from telegram import Update

from bot.inbox import Inbox
from tests.conftest import BotHarness

USER = 5_300_400


async def replay_as_applied(harness: BotHarness, payload: dict) -> None:  # type: ignore[type-arg]
    """Store the update as 'applied' before a crash, then replay it through the Application."""

    async def nothing(update: Update) -> None:
        pass

    store, bot = harness.services.store, harness.application.bot
    await Inbox(store, bot, nothing, []).accept([payload])
    await store.db.write("UPDATE inbox SET state = 'applied' WHERE update_id = ?", (payload["update_id"],))
    after_crash = Inbox(store, bot, harness.application.process_update, [])
    harness.services.inbox = after_crash  # the guard asks the services' inbox what was applied
    assert await after_crash.replay() == 1


async def test_an_applied_press_during_the_intake_is_answered_with_the_current_question(harness: BotHarness) -> None:
    await harness.say(USER, "/start")
    await harness.press(USER, "c:yes")
    before = len(harness.api.texts_to(USER))
    await replay_as_applied(harness, harness.updates.button(USER, "i:whom:pick:relative", 1))
    texts = harness.api.texts_to(USER)
    assert len(texts) == before + 1 and "Hvem søger du støtte til?" in texts[-1]  # not applied a second time


async def test_an_applied_update_with_nothing_under_way_still_gets_an_answer(harness: BotHarness) -> None:
    # e.g. "no" to the consent erased everything, and Makker was killed before it said so
    await replay_as_applied(harness, harness.updates.button(USER, "c:yes", 1))
    assert harness.api.last_text(USER) == harness.services.catalogue.text("da", "help.text")  # what they can do


async def test_an_applied_answer_during_a_peer_application_is_answered_with_its_current_question(
    harness: BotHarness,
) -> None:
    await harness.say(USER, "/peer")
    await harness.press(USER, "pe:yes")
    await harness.say(USER, "Sol")
    before = len(harness.api.texts_to(USER))
    await replay_as_applied(harness, harness.updates.text(USER, "Sol"))
    texts = harness.api.texts_to(USER)
    assert len(texts) == before + 1 and "Er du lønnet peer eller frivillig peer?" in texts[-1]
    record = await harness.services.peers.draft(USER)  # type: ignore[union-attr]
    assert record is not None and record.answers.alias == "Sol", "not applied a second time"
