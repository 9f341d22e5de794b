"""The coordinators' review of peer applications: /ansoegninger (/applications) lists the pending ones, a button
opens one, and Approve or Reject decides it. A rejection asks for the reason, typed through the router
(Kind.APPLICATION_REVIEW, its ref the application), which the applicant is told kindly.

Every decision is PeerService's, inside the transaction that changes the application: someone who is no
coordinator, a forged number, a second tap or a second coordinator get a refusal, never a second decision. An
approval matches the waiting list again at once (bot/peers.py, build_peer_service).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User

from bot.buttons import ReviewButton, pack
from bot.clock import local_date_text
from bot.context import MakkerContext
from bot.outcomes import Refusal, Result, refused
from bot.peer_application import statements_for
from bot.peers import REJECT_REASON_MAX, ApplicationResult
from bot.router import Kind
from bot.store.applications import ApplicationRecord
from bot.store.owners import Claim
from bot.telegram_bot import makker_bot
from handlers import intake
from handlers.buttons import Press
from handlers.peer_apply import let_go, peers
from handlers.peer_apply_views import PeerApplyViews
from handlers.peer_replies import text_of

logger = logging.getLogger(__name__)

LIST_LIMIT = 10


async def applications_command(update: Update, context: MakkerContext) -> None:
    """/ansoegninger and /applications: the pending applications, oldest first, each a button."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    text, keyboard = await _pending_list(context, user)
    await makker_bot(context).send_text(chat.id, text, keyboard)


async def _pending_list(context: MakkerContext, user: User) -> tuple[str, InlineKeyboardMarkup | None]:
    svc = context.services
    pending = await peers(context).pending(user.id, LIST_LIMIT + 1)
    if isinstance(pending, Result):
        logger.info("applications_refused user_id=%d", user.id)
        return await text_of(context, user, pending), None
    language = await svc.language_for(user)
    t = svc.catalogue.text
    if not pending:
        return t(language, "peer_review.none"), None
    shown = pending[:LIST_LIMIT]
    buttons = [
        [
            InlineKeyboardButton(
                t(
                    language,
                    "peer_review.list_item",
                    application_id=record.id,
                    alias=record.answers.alias or "",
                    kind=t(language, f"match.peer_kind.{record.answers.kind}"),
                    date=local_date_text(record.submitted_at or "", svc.settings.zone),
                ),
                callback_data=pack(ReviewButton(record.id, "open")),
            )
        ]
        for record in shown
    ]
    key = "peer_review.list_more" if len(pending) > LIST_LIMIT else "peer_review.list"
    return t(language, key, count=len(shown)), InlineKeyboardMarkup(buttons)


async def review_button(press: Press, context: MakkerContext, pressed: ReviewButton) -> None:
    """List, open, approve, reject with a reason, reject without one."""
    user, action, application_id = press.user, pressed.action, pressed.application
    service = peers(context)
    if action == "list":
        text, keyboard = await _pending_list(context, user)
        await press.answer()
        await intake.show(press.message, context, text, keyboard)
        return
    if action == "open":
        found = await service.application(user.id, application_id)
        if not await _refused(press, context, found):
            await let_go(context, user.id, Kind.APPLICATION_REVIEW, application_id)
            await press.answer()
            await _show_application(press, context, found)
        return
    if action == "ok":
        result = await service.approve(user.id, application_id)
    elif action == "nor":
        result = await service.reject(user.id, application_id, "")
    else:  # "no": ask for the reason first; nothing is decided yet
        found = await service.application(user.id, application_id)
        if await _refused(press, context, found) or await _decided(press, context, found):
            return
        await context.services.router.claim(user.id, Kind.APPLICATION_REVIEW, application_id)
        await press.answer()
        await _ask_reason(press, context, found)
        return
    if await _refused(press, context, result):
        return
    await let_go(context, user.id, Kind.APPLICATION_REVIEW, application_id)
    await press.answer()
    await intake.show(press.message, context, await _decision_text(context, user, result), _back_to_list(context, user))


async def _refused(press: Press, context: MakkerContext, result: Result) -> bool:
    if result.ok:
        return False
    logger.info("application_review_refused user_id=%d refusal=%s", press.user.id, result.refusal)
    await press.answer(await text_of(context, press.user, result), alert=True)
    return True


async def _decided(press: Press, context: MakkerContext, found: ApplicationResult) -> bool:
    if found.application is not None and found.application.status == "pending":
        return False
    return await _refused(press, context, refused(Refusal.ALREADY_DECIDED))


def _back_to_list(context: MakkerContext, user: User) -> InlineKeyboardMarkup:
    language = context.services.language_in_memory(user.id, user.language_code)
    label = context.services.catalogue.text(language, "peer_review.back_to_list")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=pack(ReviewButton(0, "list")))]])


async def _decision_text(context: MakkerContext, user: User, result: Result) -> str:
    """The service's reply names what was decided; the applicant's notice is queued, and the text says so."""
    svc = context.services
    language = await svc.language_for(user)
    alias = result.params.get("alias", "")
    if result.reply == "peer_apply.approved_done":
        return svc.catalogue.text(language, "peer_review.approved", alias=alias)
    application = getattr(result, "application", None)
    with_reason = application is not None and application.reject_reason
    key = "peer_review.rejected" if with_reason else "peer_review.rejected_no_reason"
    return svc.catalogue.text(language, key, alias=alias)


async def _show_application(press: Press, context: MakkerContext, found: ApplicationResult) -> None:
    svc, user = context.services, press.user
    record = found.application
    assert record is not None
    language = await svc.language_for(user)
    t = svc.catalogue.text
    text = application_text(context, record, language)
    rows = []
    if record.status == "pending":
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "peer_review.approve"), callback_data=pack(ReviewButton(record.id, "ok"))
                ),
                InlineKeyboardButton(
                    t(language, "peer_review.reject"), callback_data=pack(ReviewButton(record.id, "no"))
                ),
            ]
        )
    else:
        text += "\n\n" + t(language, f"peer_review.status.{record.status}")
    rows.append(
        [InlineKeyboardButton(t(language, "peer_review.back_to_list"), callback_data=pack(ReviewButton(0, "list")))]
    )
    await intake.show(press.message, context, text, InlineKeyboardMarkup(rows))


def application_text(context: MakkerContext, record: ApplicationRecord, language: str) -> str:
    """The application as a coordinator reads it: every answer, the statements made, the date it came."""
    svc = context.services
    t = svc.catalogue.text
    shown = PeerApplyViews(svc.catalogue, svc.geography)
    answers = record.answers
    statements = "\n".join(
        ("✅ " if s.value in answers.statements else "☐ ") + t(language, f"peer_apply.statement.{s.value}")
        for s in statements_for(answers)
    )
    submitted = local_date_text(record.submitted_at, svc.settings.zone) if record.submitted_at else "–"
    return "\n\n".join(
        [
            t(language, "peer_apply.review", application_id=record.id, alias=answers.alias or ""),
            shown.answers_lines(answers, language),
            statements,
            t(language, "peer_review.submitted_on", date=submitted),
        ]
    )


async def _ask_reason(press: Press, context: MakkerContext, found: ApplicationResult) -> None:
    svc, user = context.services, press.user
    record = found.application
    assert record is not None
    language = await svc.language_for(user)
    t = svc.catalogue.text
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "peer_review.reject_without_reason"), callback_data=pack(ReviewButton(record.id, "nor"))
                )
            ],
            [
                InlineKeyboardButton(
                    t(language, "peer_review.regret"), callback_data=pack(ReviewButton(record.id, "open"))
                )
            ],
        ]
    )
    text = t(language, "peer_review.reason_prompt", alias=record.answers.alias or "", max=REJECT_REASON_MAX)
    await intake.show(press.message, context, text, keyboard)


async def on_reason(update: Update, context: MakkerContext, claim: Claim) -> bool:
    """The coordinator's typed reason for rejecting the application the claim names."""
    user, message = update.effective_user, update.message
    if user is None or message is None or claim.ref is None:
        return False
    svc = context.services
    language = await svc.language_for(user)
    text = message.text
    if text is None or not text.strip():
        await message.reply_text(svc.catalogue.text(language, "peer_review.reason_only_text"))
        return True
    if len(text.strip()) > REJECT_REASON_MAX:
        hint = svc.catalogue.text(
            language, "peer_review.reason_too_long", length=len(text.strip()), max=REJECT_REASON_MAX
        )
        await message.reply_text(hint)
        return True
    result = await peers(context).reject(user.id, claim.ref, text)
    await let_go(context, user.id, Kind.APPLICATION_REVIEW, claim.ref)
    if not result.ok:
        await message.reply_text(await text_of(context, user, result))
        return True
    await makker_bot(context).send_text(
        message.chat_id, await _decision_text(context, user, result), _back_to_list(context, user)
    )
    return True
