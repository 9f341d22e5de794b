"""After a crash: an update whose effect was already stored is answered by showing the person where they are.

Its reply may or may not have gone out before the crash; applying it again could answer the next
question with it. So the person gets the question they are at now (or their suggestions), which is
what the lost reply would have shown.

An update left at a stop after a reply to it went out, or while one was on its way (bot/shutdown.py), is
answered with care: a pressed button of the intake gets the question edited into the pressed message
(unchanged, and so nothing new shown, when the reply had arrived); anything else gets an honest word that
the person may see this answer twice, before the answer.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from bot.context import MakkerContext
from bot.router import Kind
from bot.telegram_bot import makker_bot
from handlers import common, intake, match, peer_apply

logger = logging.getLogger(__name__)


async def show_where_they_are(update: Update, context: MakkerContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if update.callback_query:
        with suppress(TelegramError):  # an old query may be too old to answer
            await update.callback_query.answer()
    svc = context.services
    language = await svc.language_for(user)
    owner = await svc.router.owner(user.id)
    if owner is not None and owner.kind == Kind.PEER_APPLICATION and svc.peers is not None:
        application = await svc.peers.draft(user.id)
        if application is not None:  # in the middle of a peer application: its question
            await peer_apply.send_question(chat.id, context, application.draft, language)
            return
    draft = await svc.store.intake.draft(user.id)
    if draft is not None:
        await intake.send_question(chat.id, context, svc, draft, language)
        return
    request = await svc.store.intake.open_request(user.id)
    if request is None:  # nothing under way (a "no" to consent erased it all ...): still an answer, never silence
        await common.reply(update, context, "help.text")
        return
    if await svc.store.suggestions.current(user.id, request.id):
        await match.suggestions_command(update, context)
    else:  # confirmed just before the crash, matched not yet: the confirmation's own second step
        await match.present(chat.id, context, svc, request, language)


async def show_in_place(update: Update, context: MakkerContext) -> bool:
    """A pressed intake button whose effect is stored and whose reply may have arrived: the pressed message is
    edited to the question the person is at, which is what that reply showed. Editing is safe to repeat: had the
    reply arrived, the message already reads so and nothing changes. False when this is no such case."""
    query, user = update.callback_query, update.effective_user
    message = query.message if query else None
    if query is None or user is None or not isinstance(message, Message):
        return False
    svc = context.services
    draft = await svc.store.intake.draft(user.id)
    if draft is None:
        return False
    with suppress(TelegramError):  # an old query may be too old to answer
        await query.answer()
    text, keyboard = svc.intake_views.question(draft, await svc.language_for(user))
    try:
        await makker_bot(context).edit_text(message.chat.id, message.message_id, text, keyboard)
    except BadRequest as error:
        if "not modified" not in str(error).lower():  # the message is gone or too old to edit: ask anew
            await intake.send_question(message.chat.id, context, svc, draft, await svc.language_for(user))
    logger.info("replay_in_place update_id=%d", update.update_id)
    return True


async def say_may_see_twice(update: Update, context: MakkerContext) -> None:
    """The honest word before an answer the person may have had already."""
    if update.effective_chat is None:
        return
    logger.info("replay_in_doubt update_id=%d", update.update_id)
    await common.reply(update, context, "replay.doubt.may_see_twice")
