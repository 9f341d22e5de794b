"""Suggestions in the chat: the ranked peers and initiatives with their reasons, and the person's choice."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.clock import local_today
from bot.services import Services, services
from bot.store.intake import SupportRequest
from bot.store.suggestions import StoredReason, StoredSuggestion
from bot.telegram_bot import makker_bot

logger = logging.getLogger(__name__)

MATCH_PREFIX = "m:"
# Reason parameters are codes; each is shown with the catalogue's label table of its kind.
_PARAM_LABELS = {
    "group": "match.group",
    "language": "match.language",
    "form": "match.form",
    "gender": "match.gender",
    "mode": "match.mode",
}
# Where a reason reads better with another wording of the same codes ("For people with ...").
_PARAM_LABELS_BY_KEY = {"match.reason.initiative_for": {"group": "match.for_group"}}


async def present(
    chat_id: int, context: ContextTypes.DEFAULT_TYPE, svc: Services, request: SupportRequest, language: str
) -> None:
    """Match a just-confirmed request and show the outcome; an honest word when nothing fits."""
    result = await svc.matchmaker.match(request, local_today(svc.settings.zone))
    await _send(
        chat_id, context, svc, result.suggestions, language, nothing_fits=result.nothing_fits, waiting=result.waiting
    )


async def suggestions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forslag and /suggestions: the current suggestions again, e.g. after a message about new ones."""
    svc, user = services(context), update.effective_user
    assert user is not None
    language = await svc.language_for(user)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    request = await svc.store.intake.open_request(user.id)
    if request is None:
        await context.bot.send_message(chat_id, svc.catalogue.text(language, "match.no_request"))
        return
    suggestions = await svc.store.suggestions.current(user.id, request.id)
    await _send(chat_id, context, svc, suggestions, language, nothing_fits=False, waiting=request.waiting)


async def _send(
    chat_id: int,
    context: ContextTypes.DEFAULT_TYPE,
    svc: Services,
    suggestions: list[StoredSuggestion],
    language: str,
    *,
    nothing_fits: bool,
    waiting: bool,
) -> None:
    t = svc.catalogue.text
    lines = [t(language, _head_key(bool(suggestions), nothing_fits=nothing_fits, waiting=waiting))]
    buttons = []
    # Described together, the suggestions' reads share one trip to the database.
    described = await asyncio.gather(*(_describe(svc, suggestion, language) for suggestion in suggestions))
    for number, (suggestion, (name, detail)) in enumerate(zip(suggestions, described, strict=True), start=1):
        reasons = " · ".join(reason_text(svc, reason, language) for reason in suggestion.reasons)
        lines.append(t(language, "match.line", number=number, name=name, detail=detail, reasons=reasons))
        label_key = "match.button_chosen" if suggestion.chosen else "match.button"
        buttons.append(
            [
                InlineKeyboardButton(
                    t(language, label_key, number=number, name=name), callback_data=f"{MATCH_PREFIX}{suggestion.id}"
                )
            ]
        )
    if waiting and not nothing_fits:
        lines.append(t(language, "match.waiting"))
    lines.append(t(language, "match.footer"))
    await makker_bot(context).send_text(chat_id, "\n\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None)


def _head_key(any_shown: bool, *, nothing_fits: bool, waiting: bool) -> str:
    """Only what is so: the waiting list is named only when the request waits (a minor's never does, as
    minors are not matched to individual peers), and a list is announced only when one follows."""
    if any_shown and not nothing_fits:
        return "match.intro"
    if any_shown:
        return "match.nothing_fits" if waiting else "match.honest.nothing_fits_minor"
    if waiting:
        return "match.none_yet"
    return "match.honest.nothing_for_minor" if nothing_fits else "match.honest.none_now"


async def _describe(svc: Services, suggestion: StoredSuggestion, language: str) -> tuple[str, str]:
    """A suggestion's name and one line about it; a peer shows only the name they chose to show."""
    t = svc.catalogue.text
    if suggestion.kind == "peer":
        peer_id = int(suggestion.candidate)
        peer, names = await asyncio.gather(svc.store.peers.get(peer_id), svc.store.peers.display_names([peer_id]))
        if peer is None:
            return t(language, "match.peer_gone"), ""
        return names.get(peer_id, "?"), t(language, f"match.peer_kind.{peer.kind.value}")
    initiative = await svc.store.initiatives.by_key(suggestion.candidate)
    if initiative is None:
        return suggestion.candidate, ""
    return initiative.name, initiative.organiser


def reason_text(svc: Services, reason: StoredReason, language: str) -> str:
    labels = _PARAM_LABELS | _PARAM_LABELS_BY_KEY.get(reason.key, {})
    params = {
        name: svc.catalogue.text(language, f"{labels[name]}.{code}") if name in labels else code
        for name, code in reason.params.items()
    }
    return svc.catalogue.text(language, reason.key, **params)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped suggestion: only the person's own, recorded once, answered with what happens next."""
    query, svc = update.callback_query, services(context)
    assert query is not None and query.data is not None
    user = query.from_user
    language = await svc.language_for(user)
    raw_id = query.data.removeprefix(MATCH_PREFIX)
    suggestion = await svc.store.suggestions.get(int(raw_id), user.id) if raw_id.isdigit() else None
    if suggestion is None:
        await query.answer(svc.catalogue.text(language, "match.unavailable"), show_alert=True)
        return
    await query.answer()
    first_time = await svc.store.suggestions.choose(suggestion.id, user.id)
    logger.info(
        "suggestion_chosen user_id=%d suggestion_id=%d kind=%s first=%s",
        user.id,
        suggestion.id,
        suggestion.kind,
        first_time,
    )
    t = svc.catalogue.text
    chat_id = query.message.chat.id if query.message else user.id
    if suggestion.kind == "initiative":
        initiative = await svc.store.initiatives.by_key(suggestion.candidate)
        if initiative is None:
            await context.bot.send_message(chat_id, t(language, "match.unavailable"))
            return
        text = t(
            language,
            "match.initiative_chosen",
            name=initiative.name,
            description=initiative.description(language),
            contact=initiative.contact(language),
        )
    else:
        names = await svc.store.peers.display_names([int(suggestion.candidate)])
        name = names.get(int(suggestion.candidate))
        text = t(language, "match.peer_chosen", name=name) if name else t(language, "match.unavailable")
    await context.bot.send_message(chat_id, text)
