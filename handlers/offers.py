"""A peer's answer to an offer: Accept, or Decline with an optional reason ("I know this person" keeps the two
apart for good). Every refusal (not theirs, expired, already answered, a second device, at capacity, suspended)
is the service's, decided inside the transaction that would change the offer, so a double tap changes it once."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.buttons import DECLINE_REASONS, OfferButton, pack
from bot.context import MakkerContext
from bot.outcomes import Result
from bot.router import Kind
from handlers.buttons import Press
from handlers.peer_replies import matches, text_of

logger = logging.getLogger(__name__)


async def answer(press: Press, context: MakkerContext, button: OfferButton) -> None:
    service = matches(context)
    user = press.user
    if button.action == "acc":
        result: Result = await service.accept(button.offer, user.id)
    elif button.reason is None:
        await _ask_reason(press, context, button.offer)
        return
    else:
        reason = None if button.reason == "none" else button.reason
        result = await service.decline(button.offer, user.id, reason)
    text = await text_of(context, user, result)
    if not result.ok:
        logger.info("offer_answer_refused user_id=%d refusal=%s", user.id, result.refusal)
        await press.answer(text, alert=True)
        return
    match = getattr(result, "match", None)
    if match is not None:  # both sides' next messages go to the relay
        router = context.services.router
        await router.claim(match.peer_user_id, Kind.RELAY)
        await router.claim(match.user_id, Kind.RELAY)
    await press.answer()
    await _remove_buttons(press)
    await context.bot.send_message(press.chat_id, text)


async def _ask_reason(press: Press, context: MakkerContext, offer_id: int) -> None:
    """Decline's first press only asks why (nothing changes yet), and only the peer the offer went to is asked."""
    svc, user = context.services, press.user
    refusal = await matches(context).check_answer(offer_id, user.id)
    if refusal is not None:
        await press.answer(await text_of(context, user, refusal), alert=True)
        return
    await press.answer()
    language = await svc.language_for(user)
    t = svc.catalogue.text
    rows = [
        [
            InlineKeyboardButton(
                t(language, f"peer_offer.decline_reason.{reason}" if reason != "none" else "offer_answer.no_reason"),
                callback_data=pack(OfferButton(offer_id, "dec", reason)),
            )
        ]
        for reason in DECLINE_REASONS
    ]
    rows.append(
        [InlineKeyboardButton(t(language, "peer_offer.accept"), callback_data=pack(OfferButton(offer_id, "acc")))]
    )
    try:
        await press.message.edit_reply_markup(InlineKeyboardMarkup(rows))
    except BadRequest:
        await context.bot.send_message(
            press.chat_id, t(language, "offer_answer.why"), reply_markup=InlineKeyboardMarkup(rows)
        )


async def _remove_buttons(press: Press) -> None:
    """The answered offer keeps its text and loses its buttons; a message too old to edit keeps them, harmlessly:
    a later press is refused by the service."""
    message = press.query.message
    try:
        if message is not None and getattr(message, "is_accessible", False):
            await press.query.edit_message_reply_markup(None)
    except BadRequest:
        logger.info("offer_buttons_kept user_id=%d", press.user.id)
