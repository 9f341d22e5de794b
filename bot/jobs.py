"""Makker's recurring jobs, run by APScheduler through PTB's JobQueue.

Each job has a stable name, so the name doubles as the key that keeps one of each, and
max_instances=1 so a slow run is never overlapped by the next.
"""

from __future__ import annotations

import time
from datetime import timedelta

from telegram.ext import Application

from bot.clock import local_today, utc_now
from bot.config import Settings
from bot.context import MakkerContext
from bot.outbox import OutboxDispatcher
from bot.store import applications, profile_edits

UPDATE_MEMORY = timedelta(hours=48)
# Retention as the consent texts promise it: unfinished intakes and peer applications 30 days, ended requests
# and rejected applications one year.
DRAFT_RETENTION = timedelta(days=30)
CLOSED_REQUEST_RETENTION = timedelta(days=365)
HOUSEKEEPING_INTERVAL = timedelta(minutes=10)
_ONE_AT_A_TIME = {"max_instances": 1, "coalesce": True}


async def housekeeping(context: MakkerContext) -> None:
    """Forget what is no longer needed: old update ids, stale drafts, ended requests, idle flood windows,
    outbox rows that ended longer ago than the retention setting."""
    svc = context.services
    await svc.store.inbox.forget_older_than(UPDATE_MEMORY)
    await svc.store.intake.forget_stale_drafts(utc_now() - DRAFT_RETENTION)
    await svc.store.intake.forget_closed_requests(utc_now() - CLOSED_REQUEST_RETENTION)
    await svc.store.db.transaction(lambda c: applications.forget_stale_drafts(c, utc_now() - DRAFT_RETENTION))
    await svc.store.db.transaction(lambda c: applications.forget_decided(c, utc_now() - CLOSED_REQUEST_RETENTION))
    await svc.store.db.transaction(lambda c: profile_edits.forget_stale(c, utc_now() - DRAFT_RETENTION))
    svc.flood.forget_idle(time.monotonic())
    await svc.store.outbox.prune(utc_now() - timedelta(days=svc.settings.outbox_retention_days))


async def rematch_waiting(context: MakkerContext) -> None:
    """Match the waiting list again and tell each person whose request now has a peer, once a day at most."""
    svc = context.services
    await svc.matchmaker.rematch_and_tell(local_today(svc.settings.zone))


OFFERS_DUE_INTERVAL = timedelta(minutes=1)


async def offers_due(context: MakkerContext) -> None:
    """Reminders, expiries, ended pauses and next offers that are due. Each is a row in SQLite claimed with a
    conditional UPDATE (bot/offers.py), so a restart loses none and a run that overlaps another fires none twice."""
    matches = context.services.matches
    if matches is not None:
        await matches.run_due()


def schedule(application: Application, settings: Settings, dispatcher: OutboxDispatcher) -> None:
    job_queue = application.job_queue
    if job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")

    async def dispatch_outbox(context: MakkerContext) -> None:
        await dispatcher.tick(context.bot)  # starts the sends and returns: a tick never overruns

    job_queue.run_repeating(
        dispatch_outbox,
        interval=settings.outbox_interval_seconds,
        first=1,
        name="outbox:dispatch",
        job_kwargs=_ONE_AT_A_TIME,
    )
    rematch_every = timedelta(minutes=settings.rematch_interval_minutes)
    job_queue.run_repeating(
        rematch_waiting,
        interval=rematch_every,
        first=rematch_every,
        name="matching:rematch-waiting",
        job_kwargs=_ONE_AT_A_TIME,
    )
    job_queue.run_repeating(
        offers_due,
        interval=OFFERS_DUE_INTERVAL,
        first=5,  # soon after a start: what fell due while the bot was down is not left waiting a whole minute
        name="offers:due",
        # One job by its id, even if scheduled again; one run at a time. Restart-safe because the work is rows.
        job_kwargs={**_ONE_AT_A_TIME, "id": "offers:due", "replace_existing": True},
    )
    job_queue.run_repeating(
        housekeeping, interval=HOUSEKEEPING_INTERVAL, first=60, name="housekeeping", job_kwargs=_ONE_AT_A_TIME
    )
