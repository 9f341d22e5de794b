"""Checks every update passes before any conversation sees it (registered first, see bot/app.py)."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import MakkerContext
from bot.update_processor import PerUserUpdateProcessor
from handlers import replay, safety

logger = logging.getLogger(__name__)


async def admit(update: Update, context: MakkerContext) -> None:
    """The guards in one handler, so that every update pays PTB's dispatch for them once.

    A redelivered update never gets here: the inbox (bot/inbox.py) knows its id and drops it.
    """
    await show_instead_of_applying_again(update, context)
    await hold_back_flood(update, context)
    await remember_client_language(update, context)


async def remember_client_language(update: Update, context: MakkerContext) -> None:
    """The client's language as last seen, for the outbox to write in when the person never chose one. Only
    when it changed, and in a task of its own, so that the database write never delays an answer (inline
    where the application is not running, as in handler tests)."""
    user, svc = update.effective_user, context.services
    if user is None or not svc.client_language_changed(user):
        return
    if context.application.running:
        context.application.create_task(svc.note_client_language(user), update=update, name="client-language")
    else:
        await svc.note_client_language(user)


async def show_instead_of_applying_again(update: Update, context: MakkerContext) -> None:
    """An update whose effect was stored before a crash is not applied again; the person sees where they are.
    One whose reply the person may have seen already (left at a stop) is answered with care (handlers/replay.py)."""
    inbox = context.services.inbox
    if inbox.reply_in_doubt(update.update_id):
        if inbox.was_applied_before_restart(update.update_id) and await replay.show_in_place(update, context):
            raise ApplicationHandlerStop
        await replay.say_may_see_twice(update, context)
    if inbox.was_applied_before_restart(update.update_id):
        logger.info("replay_applied update_id=%d", update.update_id)
        await replay.show_where_they_are(update, context)
        raise ApplicationHandlerStop


async def hold_back_flood(update: Update, context: MakkerContext) -> None:
    """Someone writing faster than the flood limit: their last update is answered once it may be (within
    a second); earlier ones of the burst are dropped, with one notice asking to send the last again.
    A message about suicide or danger is never held: it always gets the crisis message at once."""
    user = update.effective_user
    if user is None:
        return
    processor = context.application.update_processor
    more_queued = isinstance(processor, PerUserUpdateProcessor) and processor.pending(user.id) > 1
    verdict = context.services.flood.check(user.id, time.monotonic(), more_queued=more_queued)
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
            notice = await context.services.text_for(user, "flood.notice")
            await context.bot.send_message(update.effective_chat.id, notice)
    if update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop
