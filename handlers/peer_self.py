"""A peer's own commands besides the profile: /pause (optionally until a date), /resume (/genoptag), /mine
(/matches) and the initiatives for peers (/peertilbud, /for_peers). Someone who is no peer is told kindly how to
become one; an applicant is told where their application stands.

/mine shows each side only what it already sees in the chat: a peer sees "Makker-samtale #2" and the anonymised
summary of an offer, a person sees the name their peer chose to show. Nothing at all is one kind line, never an
empty list.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User

from bot.buttons import OfferButton, pack
from bot.clock import from_db, local_today, utc_now
from bot.context import MakkerContext
from bot.offers import offer_summary
from bot.pause_dates import PauseDateError, parse_pause_date
from bot.peer_profile import ProfileEditor, Standing
from bot.peer_texts import render
from bot.peers import PeerService
from bot.services import Services
from bot.store import matches as rows
from bot.telegram_bot import makker_bot
from handlers.match import status_text
from handlers.peer_replies import matches, text_of
from matching.for_peers import initiatives_for_peer
from matching.model import PeerStatus

MAX_MESSAGE = 4000  # below Telegram's 4096, for the list of initiatives


def profiles(context: MakkerContext) -> ProfileEditor:
    service = context.services.profiles
    assert service is not None, "built at start-up (bot/app.py)"
    return service


def peers(context: MakkerContext) -> PeerService:
    service = context.services.peers
    assert service is not None, "built at start-up (bot/app.py)"
    return service


def not_a_peer_key(standing: Standing) -> str:
    """What someone who is no peer (yet) is told: an applicant where their application stands, anyone else how
    to become a peer."""
    if standing.application is not None and standing.application.status == "pending":
        return "peer_self.applicant_pending"
    if standing.application is not None:
        return "peer_self.applicant_draft"
    return "peer_self.not_a_peer"


async def _send(update: Update, context: MakkerContext, text: str) -> None:
    await context.bot.send_message(update.effective_chat.id, text)  # type: ignore[union-attr]


async def _say(update: Update, context: MakkerContext, key: str, **params: object) -> None:
    await _send(update, context, await context.services.text_for(update.effective_user, key, **params))


def _applied_on(svc: Services, standing: Standing) -> str:
    application = standing.application
    stamp = application.submitted_at if application and application.submitted_at else None
    return from_db(stamp).astimezone(svc.settings.zone).strftime("%d.%m.%Y") if stamp else ""


async def non_peer_text(context: MakkerContext, user: User, standing: Standing) -> str:
    key = not_a_peer_key(standing)
    return await context.services.text_for(user, key, date=_applied_on(context.services, standing))


async def refuse_non_peer(update: Update, context: MakkerContext, standing: Standing) -> None:
    assert update.effective_user is not None
    await _send(update, context, await non_peer_text(context, update.effective_user, standing))


# /pause and /resume ------------------------------------------------------------------------------------------------


async def pause_command(update: Update, context: MakkerContext) -> None:
    """/pause, or /pause 24.12.2026 to be paused up to and including that day."""
    user = update.effective_user
    assert user is not None
    standing = await profiles(context).standing(user.id)
    if standing.peer is None:
        await refuse_non_peer(update, context, standing)
        return
    until = None
    if context.args:
        try:
            until = parse_pause_date(" ".join(context.args), local_today(context.services.settings.zone))
        except PauseDateError as error:
            await _say(update, context, error.reason)
            return
    await _send(update, context, await pause(context, user, until))


async def pause(context: MakkerContext, user: User, until: date | None = None) -> str:
    """Pause (until a date, when given) and the answer to show; saved before it is said."""
    result = await peers(context).pause(user.id, until)
    return await text_of(context, user, result)


async def resume_command(update: Update, context: MakkerContext) -> None:
    """/resume and /genoptag: new offers again, and the waiting list is matched again at once."""
    user = update.effective_user
    assert user is not None
    standing = await profiles(context).standing(user.id)
    if standing.peer is None:
        await refuse_non_peer(update, context, standing)
        return
    await _send(update, context, await resume(context, user))


async def resume(context: MakkerContext, user: User) -> str:
    return await text_of(context, user, await peers(context).resume(user.id))


# /mine ------------------------------------------------------------------------------------------------------------


async def mine_command(update: Update, context: MakkerContext) -> None:
    """/mine and /matches: open matches and offers in both roles; an offer waiting for this peer is shown again
    with its buttons, since the first message may be far up the chat."""
    svc, user = context.services, update.effective_user
    assert user is not None
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    language = await svc.language_for(user)
    t = svc.catalogue.text
    zone = svc.settings.zone
    overview = await matches(context).overview(user.id)
    now = utc_now()
    offers_to_me = [offer for offer in overview.offers_to_me if from_db(offer.expires_at) > now]
    my_offers = [offer for offer in overview.my_offers if from_db(offer.expires_at) > now]
    names = await svc.store.peers.display_names(
        {m.peer_id for m in overview.matches if m.user_id == user.id} | {o.peer_id for o in my_offers}
    )

    def day(stamp: str) -> str:
        return from_db(stamp).astimezone(zone).strftime("%d.%m.%Y")

    def deadline(stamp: str) -> str:
        moment = from_db(stamp).astimezone(zone)
        return t(language, "peer_self.mine.deadline", date=moment.strftime("%d.%m.%Y"), time=moment.strftime("%H:%M"))

    lines: list[str] = []
    for match in overview.matches:
        if match.peer_user_id == user.id:
            lines.append(t(language, "peer_self.mine.peer_match", number=match.number, date=day(match.opened_at)))
    for offer in offers_to_me:
        lines.append(t(language, "peer_self.mine.peer_offer", deadline=deadline(offer.expires_at)))
    for match in overview.matches:
        if match.user_id == user.id:
            name = names.get(match.peer_id, "")
            lines.append(t(language, "peer_self.mine.person_match", name=name, date=day(match.opened_at)))
    for offer in my_offers:
        name = names.get(offer.peer_id, "")
        lines.append(t(language, "peer_self.mine.person_offer", name=name, deadline=deadline(offer.expires_at)))
    if not any(m.user_id == user.id for m in overview.matches) and not my_offers:
        request = await svc.store.intake.open_request(user.id)
        if request is not None:
            key = "peer_self.mine.person_waiting" if request.waiting else "peer_self.mine.person_request"
            lines.append(t(language, key, date=day(request.created_at)))
    if not lines:
        standing = await profiles(context).standing(user.id)
        await context.bot.send_message(chat_id, t(language, _nothing_key(standing)))
        return
    text = "\n\n".join([t(language, "peer_self.mine.title"), *lines, t(language, "peer_self.mine.footer")])
    await makker_bot(context).send_text(chat_id, text, None)
    for offer in offers_to_me:
        await _show_offer_again(context, chat_id, language, offer, now)


def _nothing_key(standing: Standing) -> str:
    peer = standing.peer
    if peer is not None and not peer.suspended:
        active = peer.profile.status is PeerStatus.APPROVED
        return "peer_self.mine.nothing_peer" if active else "peer_self.mine.nothing_paused"
    if standing.is_applicant:
        return "peer_self.mine.nothing_applicant"
    return "peer_self.mine.nothing"


async def _show_offer_again(
    context: MakkerContext, chat_id: int, language: str, offer: rows.OfferRecord, now: datetime
) -> None:
    svc = context.services

    def read(connection: sqlite3.Connection) -> sqlite3.Row | None:
        return rows.request_row(connection, offer.request_id)

    request = await svc.store.db.read(read)
    if request is None:
        return
    hours = max(1, math.ceil((from_db(offer.expires_at) - now) / timedelta(hours=1)))
    params = {"offer_id": offer.id, "hours": hours, **offer_summary(request)}
    text = render(svc.catalogue, language, "peer_offer.new", params, geography=svc.geography, zone=svc.settings.zone)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    svc.catalogue.text(language, "peer_offer.accept"), callback_data=pack(OfferButton(offer.id, "acc"))
                ),
                InlineKeyboardButton(
                    svc.catalogue.text(language, "peer_offer.decline"), callback_data=pack(OfferButton(offer.id, "dec"))
                ),
            ]
        ]
    )
    await makker_bot(context).send_text(chat_id, text, keyboard)


# Initiatives for peers --------------------------------------------------------------------------------------------


async def for_peers_command(update: Update, context: MakkerContext) -> None:
    """/peertilbud and /for_peers: network groups, supervision and education that reach where the peer works."""
    user = update.effective_user
    assert user is not None
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    await send_for_peers(context, user, chat_id)


async def send_for_peers(context: MakkerContext, user: User, chat_id: int) -> None:
    svc = context.services
    standing = await profiles(context).standing(user.id)
    if standing.peer is not None:
        area = standing.peer.profile.area
    elif standing.application is not None:
        area = standing.application.answers.area  # an applicant's area so far; none yet means national and online
    else:
        await context.bot.send_message(chat_id, await non_peer_text(context, user, standing))
        return
    language = await svc.language_for(user)
    t = svc.catalogue.text
    today = local_today(svc.settings.zone)
    found = initiatives_for_peer(area, await svc.store.initiatives.all(), svc.geography, today)
    if not found:
        await context.bot.send_message(chat_id, t(language, "peer_self.for_peers.none"))
        return
    entries = [
        t(
            language,
            "peer_self.for_peers.line",
            name=initiative.name,
            organiser=initiative.organiser,
            description=initiative.description(language),
            status=status_text(svc, initiative, language),
            contact=initiative.contact(language),
        )
        for initiative in found
    ]
    for chunk in _chunks([t(language, "peer_self.for_peers.intro"), *entries]):
        await context.bot.send_message(chat_id, chunk)


def _chunks(parts: list[str]) -> list[str]:
    """Whole entries per message, each message within Telegram's limit."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        part = part[:MAX_MESSAGE]
        if current and len(current) + 2 + len(part) > MAX_MESSAGE:
            chunks.append(current)
            current = part
        else:
            current = f"{current}\n\n{part}" if current else part
    if current:
        chunks.append(current)
    return chunks
