"""Checks every update passes before any conversation sees it (registered first, see bot/app.py)."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.services import services
from handlers import replay, safety

logger = logging.getLogger(__name__)


async def admit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Both guards in one handler, so that every update pays PTB's dispatch for them once.

    A redelivered update never gets here: the inbox (bot/inbox.py) knows its id and drops it.
    """
    await show_instead_of_applying_again(update, context)
    await hold_back_flood(update, context)


async def show_instead_of_applying_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An update whose effect was stored before a crash is not applied again; the person sees where they are."""
    if services(context).inbox.was_applied_before_restart(update.update_id):
        logger.info("replay_applied update_id=%d", update.update_id)
        await replay.show_where_they_are(update, context)
        raise ApplicationHandlerStop


async def hold_back_flood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Someone writing very fast gets one friendly notice; the rest of the burst is not answered,
    except a message about suicide or danger, which always gets the crisis message."""
    user = update.effective_user
    if user is None:
        return
    verdict = services(context).flood.check(user.id, time.monotonic())
    if verdict.allowed:
        return
    if safety.is_crisis(update):
        return  # never hold back someone writing about suicide or danger: the crisis check answers
    if verdict.notify:
        logger.info("flood_held user_id=%d", user.id)
        if update.effective_chat:
            notice = await services(context).text_for(user, "flood.notice")
            await context.bot.send_message(update.effective_chat.id, notice)
    if update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop
