"""The answer to whoever acted in the peers' world: a service's Result rendered in their language."""

from __future__ import annotations

from telegram import User

from bot.context import MakkerContext
from bot.matches import MatchService
from bot.outcomes import Result
from bot.peer_texts import render


def matches(context: MakkerContext) -> MatchService:
    service = context.services.matches
    assert service is not None, "built at start-up (bot/app.py)"
    return service


async def text_of(context: MakkerContext, user: User, result: Result) -> str:
    svc = context.services
    language = await svc.language_for(user)
    return render(svc.catalogue, language, result.reply, result.params, geography=svc.geography, zone=svc.settings.zone)
