"""An offer outlives a restart of the bot: its expiry and reminder are rows in SQLite, fired by the new process's
job once, never twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot import jobs
from bot.app import CLOCK_KEY, build_application
from bot.clock import to_db, utc_now
from bot.config import Settings
from bot.context import MakkerContext
from bot.store import matches as rows
from tests.conftest import BotHarness
from tests.offline import OfflineBotApi
from tests.test_offer_handlers import JONAS, METTE, ask, open_offer, send_outbox, t, world


async def started(settings: Settings, clock: Callable[[], datetime] | None = None) -> BotHarness:
    """A bot as `python -m bot` starts it, on the test's clock when one is given."""
    api = OfflineBotApi()
    application = build_application(settings, request=api)
    if clock is not None:
        application.bot_data[CLOCK_KEY] = clock
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    return BotHarness(application, api)


async def stopped(h: BotHarness) -> None:
    assert h.application.post_shutdown is not None
    await h.application.shutdown()
    await h.application.post_shutdown(h.application)


async def test_an_offer_made_before_a_restart_expires_after_it_once(settings: Settings) -> None:
    first = await started(settings)
    try:
        await world(first)
        await ask(first)
        offer = await open_offer(first)
        assert offer is not None and offer.peer_user_id == METTE
    finally:
        await stopped(first)

    second = await started(settings)  # the same database file, a new process's services and jobs
    try:
        assert second.application.job_queue is not None
        assert len(second.application.job_queue.get_jobs_by_name("offers:due")) == 1
        # Half the time has passed: the reminder falls due, the expiry not yet.
        half = to_db(utc_now() - timedelta(seconds=1))
        await second.services.store.db.transaction(
            lambda c: c.execute("UPDATE offers SET reminder_at = ? WHERE id = ?", (half, offer.id))
        )
        context = MakkerContext(second.application)
        await jobs.offers_due(context)
        await jobs.offers_due(context)
        await send_outbox(second)
        reminders = [text for text in second.api.texts_to(METTE) if text.startswith("Påmindelse")]
        assert len(reminders) == 1, "one reminder, not two"
        # Then the whole time: the offer expires once and the next peer is asked.
        await second.services.store.db.transaction(
            lambda c: c.execute("UPDATE offers SET expires_at = ? WHERE id = ?", (half, offer.id))
        )
        await jobs.offers_due(context)
        await jobs.offers_due(context)
        ended = await second.services.store.db.read(lambda c: rows.offer(c, offer.id))
        assert ended is not None and ended.state == "expired"
        following = await open_offer(second)
        assert following is not None and following.peer_user_id == JONAS
        await send_outbox(second)
        assert second.api.texts_to(METTE).count(t(second, "da", "peer_offer.expired_peer")) == 1
    finally:
        await stopped(second)
