"""Checks every update passes before any conversation sees it (registered first, see bot/app.py)."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.services import services
from bot.update_processor import PerUserUpdateProcessor
from handlers import safety

logger = logging.getLogger(__name__)


async def admit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Both guards in one handler, so that every update pays PTB's dispatch for them once."""
    drop_duplicate_update(update, context)
    await hold_back_flood(update, context)


def drop_duplicate_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A redelivered update (a webhook retry) was handled already: stop it here."""
    if not services(context).dedup.first_time(update.update_id):
        logger.info("duplicate_update update_id=%d", update.update_id)
        raise ApplicationHandlerStop


async def hold_back_flood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Someone writing faster than the flood limit: their last update is answered once it may be (within
    a second); earlier ones of the burst are dropped, with one notice asking to send the last again.
    A message about suicide or danger is never held: it always gets the crisis message at once."""
    user = update.effective_user
    if user is None:
        return
    processor = context.application.update_processor
    more_queued = isinstance(processor, PerUserUpdateProcessor) and processor.pending(user.id) > 1
    verdict = services(context).flood.check(user.id, time.monotonic(), more_queued=more_queued)
    if verdict.allowed and verdict.wait <= 0:
        return
    if safety.is_crisis(update):
        return  # never hold back someone writing about suicide or danger: the crisis check answers
    if verdict.allowed:
        logger.info("flood_delayed user_id=%d seconds=%.2f", user.id, verdict.wait)
        await asyncio.sleep(verdict.wait)  # this person's later updates wait behind it, in order
        return
    if verdict.notify:
        logger.info("flood_held user_id=%d", user.id)
        if update.effective_chat:
            notice = await services(context).text_for(user, "flood.notice")
            await context.bot.send_message(update.effective_chat.id, notice)
    if update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop
