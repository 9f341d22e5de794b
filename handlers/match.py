"""Suggestions in the chat: the ranked peers and initiatives with their reasons, and the person's choice."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons import SuggestionButton, pack
from bot.clock import local_today
from bot.context import MakkerContext
from bot.services import Services
from bot.store.intake import SupportRequest
from bot.store.suggestions import StoredReason, StoredSuggestion
from bot.telegram_bot import makker_bot
from handlers.buttons import Press, StaleButton
from handlers.peer_replies import matches, text_of
from matching.catalogue import Initiative, Status

logger = logging.getLogger(__name__)

# Reason parameters are codes; each is shown with the catalogue's label table of its kind.
_PARAM_LABELS = {
    "group": "match.group",
    "language": "match.language",
    "form": "match.form",
    "gender": "match.gender",
    "mode": "match.mode",
}
# Where a reason reads better with another wording of the same codes ("For people with ...").
_PARAM_LABELS_BY_KEY = {
    key: {"group": "match.for_group"}
    for key in (
        "match.reason.initiative_for",
        "match.reason.relative.offer",
        "match.reason.relative.for_loved_one",
        "match.reason.relative.experience",
    )
}


async def present(chat_id: int, context: MakkerContext, svc: Services, request: SupportRequest, language: str) -> None:
    """Match a just-confirmed request and show the outcome; an honest word when nothing fits."""
    result = await svc.matchmaker.match(request, local_today(svc.settings.zone))
    await _send(
        chat_id, context, svc, result.suggestions, language, nothing_fits=result.nothing_fits, waiting=result.waiting
    )


async def suggestions_command(update: Update, context: MakkerContext) -> None:
    """/forslag and /suggestions: the current suggestions again, e.g. after a message about new ones."""
    svc, user = context.services, update.effective_user
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
    context: MakkerContext,
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
                    t(language, label_key, number=number, name=name),
                    callback_data=pack(SuggestionButton(suggestion.id)),
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
    status = status_text(svc, initiative, language)
    return initiative.name, t(language, "match.catalogue_status.detail", organiser=initiative.organiser, status=status)


def status_text(svc: Services, initiative: Initiative, language: str) -> str:
    """What the catalogue knows about whether the initiative still runs, and no more: a running one is said to
    have run when last checked, an ended one is named with its years."""
    t = svc.catalogue.text
    if initiative.status is Status.ENDED:
        if initiative.start_year is not None and initiative.end_year is not None:
            return t(
                language, "match.catalogue_status.ended_period", start=initiative.start_year, end=initiative.end_year
            )
        return t(language, "match.catalogue_status.ended_until", end=initiative.end_year)
    if initiative.last_checked is None:
        return t(language, "match.catalogue_status.unknown_unchecked")
    checked = initiative.last_checked.strftime("%Y-%m-%d" if language == "en" else "%d.%m.%Y")
    return t(language, f"match.catalogue_status.{initiative.status.value}", checked=checked)


def reason_text(svc: Services, reason: StoredReason, language: str) -> str:
    labels = _PARAM_LABELS | _PARAM_LABELS_BY_KEY.get(reason.key, {})
    params = {
        name: svc.catalogue.text(language, f"{labels[name]}.{code}") if name in labels else code
        for name, code in reason.params.items()
    }
    return svc.catalogue.text(language, reason.key, **params)


async def choose(press: Press, context: MakkerContext, button: SuggestionButton) -> None:
    """A tapped suggestion: only the person's own, recorded once, answered with what happens next."""
    svc, user = context.services, press.user
    language = await svc.language_for(user)
    suggestion = await svc.store.suggestions.get(button.suggestion, user.id)
    if suggestion is None:
        raise StaleButton("match.unavailable")
    await press.answer()
    if suggestion.kind == "peer":
        await choose_peer(press, context, suggestion)
        return
    first_time = await svc.store.suggestions.choose(suggestion.id, user.id)
    logger.info(
        "suggestion_chosen user_id=%d suggestion_id=%d kind=%s first=%s",
        user.id,
        suggestion.id,
        suggestion.kind,
        first_time,
    )
    t = svc.catalogue.text
    chat_id = press.chat_id
    if suggestion.kind == "initiative":
        initiative = await svc.store.initiatives.by_key(suggestion.candidate)
        if initiative is None:
            await context.bot.send_message(chat_id, t(language, "match.unavailable"))
            return
        if initiative.ended:
            # Shown as what it is, with where to ask today.
            text = t(
                language,
                "match.catalogue_status.ended_chosen",
                name=initiative.name,
                status=status_text(svc, initiative, language),
                description=initiative.description(language),
                contact=initiative.contact(language),
            )
        else:
            description = f"{initiative.description(language)}\n\n{status_text(svc, initiative, language)}"
            text = t(
                language,
                "match.initiative_chosen",
                name=initiative.name,
                description=description,
                contact=initiative.contact(language),
            )
    await context.bot.send_message(chat_id, text)


async def choose_peer(press: Press, context: MakkerContext, suggestion: StoredSuggestion) -> None:
    """A chosen peer gets an offer (bot/offers.py). The person is told the peer has been asked, and how long an
    answer may take, only after the offer and the peer's notice are committed together; a refusal (one offer at a
    time, a peer no longer free, a person under 18) is said as plainly."""
    result = await matches(context).choose_peer(press.user.id, suggestion.id)
    logger.info(
        "peer_chosen user_id=%d suggestion_id=%d refusal=%s", press.user.id, suggestion.id, result.refusal or "-"
    )
    await context.bot.send_message(press.chat_id, await text_of(context, press.user, result))
