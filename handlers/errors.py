"""The error handler: log ids and event names, tell the person kindly, and tell the admins once."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.clock import utc_now
from bot.context import MakkerContext

logger = logging.getLogger(__name__)


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
    """Never log the exception's message or the update: both can carry what a person wrote."""
    error = context.error
    error_type = type(error).__name__
    update_id = update.update_id if isinstance(update, Update) else None
    user_id = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
    event = _event_name(update)
    frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    logger.error(
        "handler_failed event=%s error=%s update_id=%s user_id=%s\n%s", event, error_type, update_id, user_id, frames
    )

    if isinstance(error, Forbidden) and user_id is not None:
        await context.services.store.users.mark_blocked(user_id)
        return  # the person blocked Makker: nobody to tell, nothing an admin can do

    await _tell_admins(context, error_type, event, update_id, user_id)
    if isinstance(update, Update) and update.effective_chat and update.effective_user:
        try:
            text = await context.services.text_for(update.effective_user, "errors.generic")
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            logger.warning("error_reply_failed update_id=%s", update_id)


async def _tell_admins(
    context: MakkerContext, error_type: str, event: str, update_id: int | None, user_id: int | None
) -> None:
    """One short outbox message per admin and kind of error per ten minutes, never a flood."""
    svc = context.services
    window = utc_now().strftime("%Y%m%d%H") + str(utc_now().minute // 10)
    params = {"error": error_type, "event": event, "update_id": update_id or "-", "user_id": user_id or "-"}
    for admin_id in svc.settings.admin_ids:
        await svc.store.outbox.enqueue(
            admin_id, "admin.error", params, dedup_key=f"admin-error:{admin_id}:{error_type}:{window}"
        )
