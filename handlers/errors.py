"""The error handler: log ids and event names, tell the person honestly, and tell the admins once."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
import traceback

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.clock import utc_now
from bot.context import MakkerContext
from bot.services import Services
from bot.shutdown import StoppingTimedOut, reply_may_have_arrived

logger = logging.getLogger(__name__)

# Reports made in this process, by their dedup key: one per admin and kind of error per ten minutes, also
# when the outbox could not be written and the report went out directly.
_REPORTED_KEY = "errors:reported"
_REPORT_LOCK_KEY = "errors:report_lock"


def _event_name(update: object) -> str:
    if isinstance(update, Update):
        if update.callback_query:
            return "callback_query"
        if update.message and update.message.text and update.message.text.startswith("/"):
            return "command"
        if update.message:
            return "message"
        return "update"
    return "job" if update is None else type(update).__name__


async def on_error(update: object, context: MakkerContext) -> None:
    """Never log the exception's message or the update: both can carry what a person wrote.

    The person is answered first, with what is true: after a database fault their last answer was not
    saved. The coordinators' report carries an error id to find in the log, never the person's id.
    """
    error = context.error
    if isinstance(error, StoppingTimedOut):  # Makker is stopping: no report, and no reply can go out now
        logger.info("reply_given_up_at_stop update_id=%s", update.update_id if isinstance(update, Update) else None)
        if isinstance(update, Update):
            # answered after the restart instead, with care if the person may have seen a reply already
            context.services.inbox.leave_unhandled(update.update_id, reply_in_doubt=reply_may_have_arrived(error))
        return
    error_type = type(error).__name__
    update_id = update.update_id if isinstance(update, Update) else None
    user_id = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
    event = _event_name(update)
    error_id = secrets.token_hex(4)
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    logger.error(
        "handler_failed event=%s error=%s update_id=%s user_id=%s error_id=%s\n%s",
        event,
        error_type,
        update_id,
        user_id,
        error_id,
        frames,
    )
    svc = context.services

    if isinstance(error, Forbidden) and user_id is not None:
        try:
            await svc.store.users.mark_blocked(user_id)
        except sqlite3.Error as store_error:
            logger.warning("mark_blocked_failed error=%s", type(store_error).__name__)
        return  # the person blocked Makker: nobody to tell, nothing an admin can do

    if isinstance(update, Update) and update.effective_chat and update.effective_user:
        key = "errors.storage.not_saved" if isinstance(error, sqlite3.Error) else "errors.generic"
        try:
            text = await _text_for(svc, update, key)
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            logger.warning("error_reply_failed update_id=%s", update_id)
    await _tell_admins(context, svc, error_type, event, error_id)


async def _text_for(svc: Services, update: Update, key: str) -> str:
    """The person's language when the database gives it; the default when it does not."""
    try:
        return await svc.text_for(update.effective_user, key)
    except sqlite3.Error:
        return svc.catalogue.text(None, key)


async def _tell_admins(context: MakkerContext, svc: Services, error_type: str, event: str, error_id: str) -> None:
    """One short outbox message per admin and kind of error per ten minutes, never a flood.

    When the outbox cannot be written (the very fault being reported), the report goes out directly,
    with the same once-per-ten-minutes rule kept in memory; when that fails too, the log has it.
    """
    # One report decided at a time: one still waiting for the database must see what another did meanwhile.
    lock: asyncio.Lock = context.application.bot_data.setdefault(_REPORT_LOCK_KEY, asyncio.Lock())
    async with lock:
        await _report(context, svc, {"error": error_type, "event": event, "error_id": error_id})


async def _report(context: MakkerContext, svc: Services, params: dict[str, str]) -> None:
    """Each kind of error is reported once per admin and window, whichever way the first report went: the
    memory decides within this process, the outbox's dedup key across restarts."""
    error_type, error_id = params["error"], params["error_id"]
    window = utc_now().strftime("%Y%m%d%H") + str(utc_now().minute // 10)
    reported: dict[str, str] = context.application.bot_data.setdefault(_REPORTED_KEY, {})
    for key in [key for key, seen in reported.items() if seen != window]:
        del reported[key]
    for admin_id in svc.settings.admin_ids:
        dedup_key = f"admin-error:{admin_id}:{error_type}:{window}"
        if reported.get(dedup_key) == window:
            continue
        reported[dedup_key] = window
        try:
            await svc.store.outbox.enqueue(admin_id, "admin.error", params, dedup_key=dedup_key)
            continue
        except sqlite3.Error as store_error:
            logger.warning("admin_report_not_queued error_id=%s error=%s", error_id, type(store_error).__name__)
        try:
            await context.bot.send_message(admin_id, svc.catalogue.text(None, "admin.error", **params))
            logger.info("admin_report_sent_directly error_id=%s admin_id=%d", error_id, admin_id)
        except TelegramError as send_error:
            logger.error("admin_report_failed error_id=%s error=%s", error_id, type(send_error).__name__)
