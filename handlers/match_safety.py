"""Safety and the way out of a match: the contact exchange (/kontakt), block and report (/rapporter), and the
coordinators' suspension (/suspender, /genaktiver, and the button on a report).

Every decision is the service's (bot/matches.py), taken inside the transaction that changes the match, so a
double tap, a second device or an old button changes nothing twice; this module only asks and answers.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import BadRequest

from bot.buttons import ContactButton, ReportButton, SuspendButton, pack
from bot.context import MakkerContext
from bot.outcomes import Refusal, Result
from bot.router import Kind
from bot.store.owners import Claim
from handlers.buttons import Press
from handlers.peer_replies import matches, text_of
from handlers.relay import relay

logger = logging.getLogger(__name__)

MAX_DIGITS = 16  # a conversation number or a Telegram user id (at most 52 bits); anything longer is neither


def _number(args: list[str]) -> int | None:
    """The first argument as a plain ASCII number, or None."""
    if args and args[0].isascii() and args[0].isdigit() and len(args[0]) <= MAX_DIGITS:
        return int(args[0])
    return None


# The contact exchange -------------------------------------------------------------------------------------------


async def contact_command(update: Update, context: MakkerContext) -> None:
    """/kontakt [number]: propose (or agree to) exchanging Telegram contacts; first, which form to give."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    route = await relay(context).route(user.id, conversation=_number(list(context.args or [])))
    if isinstance(route, Result):
        await message.reply_text(await text_of(context, user, route))
        return
    await message.reply_text(
        await context.services.text_for(user, "contact.choose"),
        reply_markup=await _form_keyboard(context, user, route.match_id),
    )


async def _form_keyboard(context: MakkerContext, user: User, match_id: int) -> InlineKeyboardMarkup:
    """The forms a person can give: their @username when they have one, a link to their profile, or no."""
    language = await context.services.language_for(user)
    t = context.services.catalogue.text
    rows = []
    if user.username:
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "contact.form_username", username=user.username),
                    callback_data=pack(ContactButton(match_id, "yes", "u")),
                )
            ]
        )
    link = ContactButton(match_id, "yes", "l")
    rows.append([InlineKeyboardButton(t(language, "contact.form_link"), callback_data=pack(link))])
    rows.append([InlineKeyboardButton(t(language, "contact.no"), callback_data=pack(ContactButton(match_id, "no")))])
    return InlineKeyboardMarkup(rows)


async def contact_answer(press: Press, context: MakkerContext, button: ContactButton) -> None:
    service, user = matches(context), press.user
    if button.answer == "no":
        result: Result = await service.decline_contact(user.id, button.match)
    elif button.form is None:  # "yes" on the other side's question: which form to give, first
        refusal = await service.contact_refusal(user.id, button.match)
        if refusal is not None:
            await press.answer(await text_of(context, user, refusal), alert=True)
            return
        await press.answer()
        keyboard = await _form_keyboard(context, user, button.match)
        try:
            await press.message.edit_reply_markup(keyboard)
        except BadRequest:
            text = await context.services.text_for(user, "contact.choose")
            await context.bot.send_message(press.chat_id, text, reply_markup=keyboard)
        return
    elif button.form == "u" and not user.username:
        await press.answer(await context.services.text_for(user, "contact.no_username"), alert=True)
        return
    else:
        contact = f"@{user.username}" if button.form == "u" else f"tg://user?id={user.id}"
        result = await service.agree_contact(user.id, button.match, contact)
    text = await text_of(context, user, result)
    if not result.ok:
        logger.info("contact_answer_refused user_id=%d refusal=%s", user.id, result.refusal)
        await press.answer(text, alert=True)
        return
    await press.answer()
    await _remove_buttons(press)
    await context.bot.send_message(press.chat_id, text)
    if result.reply.startswith("contact.exchanged"):
        await _relay_or_release(context, user.id)


# Block and report -------------------------------------------------------------------------------------------------


async def report_command(update: Update, context: MakkerContext) -> None:
    """/rapporter [number]: the match ends at once and the two are never put together again; then the reporter
    is asked for their own words for the coordinators (optional: the block stands without them)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    service = matches(context)
    target = await service.report_target(user.id, _number(list(context.args or [])))
    if isinstance(target, Result):
        await message.reply_text(await text_of(context, user, target))
        return
    was_open = target.state == "open"
    blocked = await service.report(user.id, target.id, "", block=True)
    if not blocked.ok and blocked.refusal is not Refusal.ALREADY_ENDED:
        await message.reply_text(await text_of(context, user, blocked))
        return
    logger.info("report_started match_id=%d", target.id)
    await context.services.router.claim(user.id, Kind.REPORT, target.id)  # state before speech
    key = "report.flow.ask_blocked" if was_open else "report.flow.ask_ended"
    language = await context.services.language_for(user)
    t = context.services.catalogue.text
    skip = InlineKeyboardButton(t(language, "report.flow.skip"), callback_data=pack(ReportButton(target.id, "skip")))
    await message.reply_text(t(language, key), reply_markup=InlineKeyboardMarkup([[skip]]))


async def on_report_message(update: Update, context: MakkerContext, claim: Claim) -> bool:
    """The reporter's own words, typed: they reach the coordinators through the outbox, and nothing else does."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or claim.ref is None:
        return False
    words = (message.text or message.caption or "").strip()
    if not words:
        await message.reply_text(await context.services.text_for(user, "report.flow.text_only"))
        return True
    result = await matches(context).report(user.id, claim.ref, words, block=False)
    await context.services.router.release(user.id, Kind.REPORT, claim.ref)
    await message.reply_text(await text_of(context, user, result))
    await _relay_or_release(context, user.id)
    return True


async def report_skipped(press: Press, context: MakkerContext, button: ReportButton) -> None:
    """No words after all: the block stands, the coordinators get nothing."""
    user = press.user
    owner = await context.services.router.owner(user.id)
    if owner is None or owner.kind != Kind.REPORT or owner.ref != button.match:
        await press.answer(await context.services.text_for(user, "report.flow.skip_stale"), alert=True)
        return
    await context.services.router.release(user.id, Kind.REPORT, button.match)
    await press.answer()
    await _remove_buttons(press)
    await context.bot.send_message(press.chat_id, await context.services.text_for(user, "report.flow.skipped"))
    await _relay_or_release(context, user.id)


async def _relay_or_release(context: MakkerContext, user_id: int) -> None:
    """After a report or an exchange: a peer with other open conversations goes on writing in them; with none
    open, the relay lets go of the person."""
    router = context.services.router
    if await matches(context).has_open_match(user_id):
        owner = await router.owner(user_id)
        if owner is None:
            await router.claim(user_id, Kind.RELAY)
    else:
        await router.release(user_id, Kind.RELAY)


# Coordinators ----------------------------------------------------------------------------------------------------


async def suspend_command(update: Update, context: MakkerContext) -> None:
    """/suspender <id> [reason]: only a coordinator; the suspended side's open matches end kindly, both told."""
    await _coordinator_command(update, context, suspend=True)


async def reactivate_command(update: Update, context: MakkerContext) -> None:
    """/genaktiver <id>: lift a suspension."""
    await _coordinator_command(update, context, suspend=False)


async def _coordinator_command(update: Update, context: MakkerContext, *, suspend: bool) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    service = matches(context)
    if not service.is_coordinator(user.id):
        logger.info("coordinator_command_refused user_id=%d", user.id)
        await message.reply_text(await context.services.text_for(user, "refusal.not_coordinator"))
        return
    args = list(context.args or [])
    target = _number(args)
    if target is None:
        await message.reply_text(await context.services.text_for(user, "suspension.command.usage"))
        return
    if suspend:
        result = await service.suspend(user.id, target, " ".join(args[1:]))
    else:
        result = await service.lift_suspension(user.id, target)
    await message.reply_text(await text_of(context, user, result))


async def suspend_pressed(press: Press, context: MakkerContext, button: SuspendButton) -> None:
    result = await matches(context).suspend_reported(press.user.id, button.report)
    text = await text_of(context, press.user, result)
    if not result.ok:
        await press.answer(text, alert=True)
        return
    await press.answer()
    await _remove_buttons(press)
    await context.bot.send_message(press.chat_id, text)


async def _remove_buttons(press: Press) -> None:
    """An answered question loses its buttons; one too old to edit keeps them, harmlessly (the service refuses)."""
    message = press.query.message
    try:
        if message is not None and getattr(message, "is_accessible", False):
            await press.query.edit_message_reply_markup(None)
    except BadRequest:
        logger.info("buttons_kept user_id=%d", press.user.id)
