"""After a crash: an update whose effect was already stored is answered by showing the person where they are.

Its reply may or may not have gone out before the crash; applying it again could answer the next
question with it. So the person gets the question they are at now (or their suggestions), which is
what the lost reply would have shown.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from telegram import Update
from telegram.error import TelegramError

from bot.context import MakkerContext
from bot.router import Kind
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
