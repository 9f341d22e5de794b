"""Offer expiry and the half-time reminder with a clock the test moves, across restarts of the bot: the services of
each new Application read the same SQLite file and the test's clock (bot.app.CLOCK_KEY), and the scheduler's job
`offers:due` is run as the JobQueue runs it. One reminder, one expiry, the next peer offered once, never twice."""

from __future__ import annotations

import json
from typing import Any

from bot import jobs
from bot.buttons import OfferButton
from bot.clock import utc_now
from bot.config import Settings
from bot.context import MakkerContext
from bot.store import matches as rows
from tests.conftest import BotHarness
from tests.peer_world import Clock
from tests.test_offer_handlers import JONAS, METTE, PERSON, alert, ask, open_offer, press, t, world
from tests.test_offer_restart import started, stopped


async def run_job_twice(h: BotHarness) -> None:
    """The job as the scheduler runs it; twice, as a second run (or an overlapping one) must change nothing."""
    context = MakkerContext(h.application)
    await jobs.offers_due(context)
    await jobs.offers_due(context)


async def queued(h: BotHarness, chat_id: int, key: str) -> list[dict[str, Any]]:
    found = await h.services.store.db.fetch_all(
        "SELECT params FROM outbox WHERE chat_id = ? AND text_key = ? ORDER BY id", (chat_id, key)
    )
    return [json.loads(row["params"]) for row in found]


def a_clock() -> Clock:
    clock = Clock()
    clock.now = utc_now()
    return clock


async def test_reminder_and_expiry_fire_once_each_across_two_restarts_and_the_next_peer_is_offered(
    settings: Settings,
) -> None:
    clock = a_clock()
    first = await started(settings, clock)
    try:
        await world(first)
        await ask(first)
        offer = await open_offer(first)
        assert offer is not None and offer.peer_user_id == METTE
    finally:
        await stopped(first)

    clock.advance(hours=23, minutes=59)  # the bot was down; not yet half time
    second = await started(settings, clock)
    try:
        await run_job_twice(second)
        assert await queued(second, METTE, "peer_offer.reminder") == []
        clock.advance(minutes=2)  # just past half time
        await run_job_twice(second)
        assert [p["offer_id"] for p in await queued(second, METTE, "peer_offer.reminder")] == [offer.id]
        reminded = await open_offer(second)
        assert reminded is not None and reminded.id == offer.id and reminded.reminded_at is not None, "still open"
    finally:
        await stopped(second)

    third = await started(settings, clock)  # a restart between the reminder and the expiry
    try:
        await run_job_twice(third)
        assert len(await queued(third, METTE, "peer_offer.reminder")) == 1, "the reminder is not sent again"
        clock.advance(hours=24)  # past the 48 hours
        # A press before the job has run is refused by the clock, not by the job.
        await press(third, METTE, OfferButton(offer.id, "acc"))
        assert alert(third) == t(third, "da", "refusal.expired")
        await run_job_twice(third)
        ended = await third.services.store.db.read(lambda c: rows.offer(c, offer.id))
        assert ended is not None and ended.state == "expired"
        assert len(await queued(third, METTE, "peer_offer.expired_peer")) == 1
        following = await open_offer(third)
        assert following is not None and following.peer_user_id == JONAS
        assert len(await queued(third, JONAS, "peer_offer.new")) == 1
        assert len(await queued(third, PERSON, "peer_offer.person_next_asked")) == 1
        never = await third.services.store.db.read(
            lambda c: c.execute("SELECT reason FROM never_pairs WHERE peer_user_id = ?", (METTE,)).fetchall()
        )
        assert [row[0] for row in never] == ["expired"]
    finally:
        await stopped(third)

    fourth = await started(settings, clock)  # and once more: nothing of the above fires again
    try:
        await run_job_twice(fourth)
        assert len(await queued(fourth, METTE, "peer_offer.expired_peer")) == 1
        assert len(await queued(fourth, JONAS, "peer_offer.new")) == 1
        assert len(await queued(fourth, PERSON, "peer_offer.person_next_asked")) == 1
        assert await queued(fourth, JONAS, "peer_offer.reminder") == [], "the next offer's own clock starts anew"
    finally:
        await stopped(fourth)


async def test_an_offer_whose_whole_time_passed_while_the_bot_was_down_expires_without_a_reminder(
    settings: Settings,
) -> None:
    clock = a_clock()
    first = await started(settings, clock)
    try:
        await world(first)
        await ask(first)
        offer = await open_offer(first)
        assert offer is not None
    finally:
        await stopped(first)

    clock.advance(hours=49)
    second = await started(settings, clock)
    try:
        await run_job_twice(second)
        assert await queued(second, METTE, "peer_offer.reminder") == [], "a reminder after the end would be untrue"
        assert len(await queued(second, METTE, "peer_offer.expired_peer")) == 1
        following = await open_offer(second)
        assert following is not None and following.peer_user_id == JONAS
    finally:
        await stopped(second)
