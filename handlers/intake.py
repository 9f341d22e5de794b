"""The intake conversation: from /start to a consented, saved support request.

The draft in SQLite is the conversation's state: every handler loads it, lets bot/intake.py
decide, commits the new draft, and only then asks the next question. After a crash the
person continues at the last question Makker asked.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import intake
from bot.buttons import ConsentButton, IntakeButton, ResumeButton, pack
from bot.clock import local_date_text, local_today
from bot.context import MakkerContext
from bot.intake import CONSENT_VERSION, Draft, InvalidAnswer, Step
from bot.services import Services
from bot.store.owners import Claim
from bot.telegram_bot import makker_bot
from handlers import match
from handlers.buttons import Press, StaleButton
from handlers.common import not_understood
from handlers.privacy import ask_again_before_erasing
from handlers.safety import crisis_shown_for, help_now_button

logger = logging.getLogger(__name__)

MAX_QUERY_ECHO = 40
NO_CONSENT = 0  # what a consent question's "no" carries when the person has not consented


# --- entry: /start, consent, resume -------------------------------------------------------------


async def start(update: Update, context: MakkerContext) -> None:
    """Begin, or offer to continue or start over; never a dead end, never a silent restart."""
    user, chat_id, svc = update.effective_user, update.effective_chat.id, context.services  # type: ignore[union-attr]
    assert user is not None
    # Asked together, the four reads share one trip to the database.
    language, draft, request, consent_id = await asyncio.gather(
        svc.language_for(user),
        svc.store.intake.draft(user.id),
        svc.store.intake.open_request(user.id),
        svc.store.intake.consent_id(user.id),
    )
    t = svc.catalogue.text
    logger.info("intake_start user_id=%d", user.id)
    if draft is not None:
        keyboard = _choices(
            [
                (t(language, "start.resume_continue"), pack(ResumeButton("continue"))),
                (t(language, "start.resume_restart"), pack(ResumeButton("restart", draft.step.value))),
            ]
        )
        await makker_bot(context).send_text(chat_id, t(language, "start.resume", name=user.first_name), keyboard)
        return
    if request is not None:
        keyboard = _choices(
            [
                (t(language, "start.has_request_new"), pack(ResumeButton("new"))),
                (t(language, "start.has_request_keep"), pack(ResumeButton("keep"))),
            ]
        )
        date = local_date_text(request.created_at, svc.settings.zone)
        text = t(language, "start.has_request", name=user.first_name, date=date)
        await makker_bot(context).send_text(chat_id, text, keyboard)
        return
    if consent_id is not None:
        await _begin(update, context, svc, language)
        return
    await _ask_consent(chat_id, context, svc, language, user.first_name, shown_for=NO_CONSENT)


async def _ask_consent(
    chat_id: int, context: MakkerContext, svc: Services, language: str, name: str, *, shown_for: int
) -> None:
    """The consent question; its "no" carries the consent it was shown for, so that an old one cannot erase."""
    t = svc.catalogue.text
    text = t(language, "start.welcome", name=name) + "\n\n" + t(language, "consent.text")
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(language, "consent.yes"), callback_data=pack(ConsentButton("yes")))],
            [InlineKeyboardButton(t(language, "consent.no"), callback_data=pack(ConsentButton("no", shown_for)))],
            [help_now_button(svc.catalogue, language)],
        ]
    )
    await makker_bot(context).send_text(chat_id, text, keyboard)


async def consent_answer(press: Press, context: MakkerContext, pressed: ConsentButton) -> None:
    svc, user = context.services, press.user
    language = await svc.language_for(user)
    message = press.message
    if pressed.answer == "yes":
        draft = await svc.store.intake.draft(user.id)
        consented_now = draft is None
        if draft is None:
            draft = intake.first_draft(language)
            if not await svc.store.intake.give_consent(user.id, CONSENT_VERSION, draft):
                raise StaleButton()  # consented before, and no intake under way: an old consent question
            logger.info("consent_given user_id=%d version=%s", user.id, CONSENT_VERSION)
        await press.answer()
        await _ask(message, context, svc, draft, language, edit=True)
        if consented_now:  # from now on Makker keeps the client's language too, for the outbox
            await svc.note_client_language(user)
        return
    draft, consent_id, request = await asyncio.gather(
        svc.store.intake.draft(user.id), svc.store.intake.consent_id(user.id), svc.store.intake.open_request(user.id)
    )
    # "No" erases everything. Only the question as it stands now may do that without asking again: shown for the
    # consent on record, with no saved request and no answers beyond the first question at stake.
    current = consent_id if consent_id is not None else NO_CONSENT
    nothing_at_stake = request is None and (draft is None or (draft.step is intake.ORDER[0] and not draft.editing))
    if pressed.shown_for != current or not nothing_at_stake:
        await ask_again_before_erasing(press, context, language)
        return
    await press.answer()
    erased = await svc.erase_person(user.id)
    logger.info("consent_declined user_id=%d erased_rows=%d", user.id, erased)
    lines = await _initiative_lines(svc, language)
    declined = svc.catalogue.text(language, "consent.declined", initiatives=lines)
    await _edit_or_send(message, context, declined)


async def resume_answer(press: Press, context: MakkerContext, pressed: ResumeButton) -> None:
    svc, user = context.services, press.user
    language = await svc.language_for(user)
    message = press.message
    choice = pressed.choice
    if choice == "continue":
        draft = await svc.store.intake.draft(user.id)
        if draft is None:  # finished or cancelled meanwhile, on another message
            raise StaleButton()
        await press.answer()
        await _ask(message, context, svc, draft, language, edit=True)
    elif choice in {"restart", "new"}:
        draft, consent_id = await asyncio.gather(svc.store.intake.draft(user.id), svc.store.intake.consent_id(user.id))
        # "New" was offered when no intake was under way, "restart" for the draft at the step it names: offered for
        # anything else, either would wipe answers the person did not see they were giving up.
        offered_for = None if choice == "new" else pressed.step
        if consent_id is None or (draft.step.value if draft else None) != offered_for:
            raise StaleButton()
        await press.answer()
        await _begin(press.update, context, svc, language, message=message)
    else:  # keep
        await press.answer()
        await _edit_or_send(message, context, svc.catalogue.text(language, "start.kept"))


async def _begin(
    update: Update, context: MakkerContext, svc: Services, language: str, message: Message | None = None
) -> None:
    """A fresh draft for someone who has consented; an earlier open request stays until the new is confirmed."""
    user = update.effective_user
    assert user is not None
    draft = intake.first_draft(language)
    await svc.store.intake.save_draft(user.id, draft)
    if message is not None:
        await _ask(message, context, svc, draft, language, edit=True)
    else:
        await _send_question(update.effective_chat.id, context, svc, draft, language)  # type: ignore[union-attr]


async def cancel(update: Update, context: MakkerContext) -> None:
    svc = context.services
    user = update.effective_user
    assert user is not None
    key = "intake.cancelled" if await svc.store.intake.discard_draft(user.id) else "intake.nothing_to_cancel"
    logger.info("intake_cancel user_id=%d had_draft=%s", user.id, key == "intake.cancelled")
    await context.bot.send_message(update.effective_chat.id, await svc.text_for(user, key))  # type: ignore[union-attr]


# --- answers by button --------------------------------------------------------------------------


async def button(press: Press, context: MakkerContext, pressed: IntakeButton) -> None:
    """Every intake button: the step it belongs to, what it does, and the value it carries."""
    svc, user = context.services, press.user
    language = await svc.language_for(user)
    draft = await svc.store.intake.draft(user.id)
    if draft is None:
        raise StaleButton()
    message = press.message
    if pressed.step != draft.step.value:
        await press.answer()
        await _ask(message, context, svc, draft, language, hint="intake.hint.stale_button")
        return
    try:
        await _on_action(message, context, svc, user.id, draft, pressed.action, pressed.value or "", language)
    except InvalidAnswer as invalid:
        await press.answer(svc.catalogue.text(language, invalid.reason), alert=True)
        return
    await press.answer()


async def _on_action(
    message: Message,
    context: MakkerContext,
    svc: Services,
    user_id: int,
    draft: Draft,
    action: str,
    value: str,
    language: str,
) -> None:
    views, today = svc.intake_views, local_today(svc.settings.zone)
    if action == "back":
        previous = draft.back()
        if previous is None:
            await _ask_consent_again(message, context, svc, language)
            return
        await _save_and_ask(message, context, svc, user_id, previous, language)
    elif action == "tog":
        toggled = intake.toggle(draft, value)
        await svc.store.intake.save_draft(user_id, toggled)
        await _edit_keyboard(message, context, views.multi_choice(toggled, language)[1])
    elif action == "done":
        await _save_and_ask(message, context, svc, user_id, intake.finish_multi(draft), language)
    elif action == "pick" and draft.step is Step.MUNICIPALITY:
        # Compared as written on the button: "0259" or "²" is no municipality code, whatever int() makes of it.
        codes = {str(m.code): m.code for m in svc.geography.all_municipalities()}
        code, known = codes.get(value, -1), set(codes.values())
        await _save_and_ask(message, context, svc, user_id, intake.set_municipality(draft, code, known), language)
    elif action == "pick":
        await _save_and_ask(message, context, svc, user_id, intake.choose(draft, value), language)
    elif action == "online":
        await _save_and_ask(message, context, svc, user_id, intake.set_online_only(draft), language)
    elif action == "regions" and draft.step is Step.MUNICIPALITY:
        await _show(message, context, *views.region_choices(language, today))
    elif (
        action == "region"
        and draft.step is Step.MUNICIPALITY
        and value in {r.code for r in svc.geography.regions(today)}
    ):
        municipalities = svc.geography.municipalities_in(value, today)
        await _show(
            message,
            context,
            *views.municipality_choices(
                municipalities,
                language,
                "intake.question.region_municipalities",
                region=views.region_name(value, language),
            ),
        )
    elif action == "ask" and draft.step is Step.MUNICIPALITY:
        await _ask(message, context, svc, draft, language, edit=True)
    elif action == "skip":
        await _save_and_ask(message, context, svc, user_id, intake.skip_free_text(draft), language)
    elif action == "edit" and draft.step is Step.SUMMARY and value in {s.value for s in Step}:
        await _save_and_ask(message, context, svc, user_id, draft.edit(Step(value)), language)
    elif action == "confirm" and draft.step is Step.SUMMARY:
        await _confirm(message, context, svc, user_id, draft, language)
    elif action == "cancel" and draft.step is Step.SUMMARY:
        await svc.store.intake.discard_draft(user_id)
        await _edit_or_send(message, context, svc.catalogue.text(language, "intake.cancelled"))
    else:
        raise InvalidAnswer("intake.hint.stale_button")


async def _confirm(
    message: Message, context: MakkerContext, svc: Services, user_id: int, draft: Draft, language: str
) -> None:
    """Save the request, say so, then show what matching found for it."""
    if not intake.is_complete(draft.answers):
        raise InvalidAnswer("intake.hint.stale_button")
    request = await svc.store.intake.confirm(user_id, draft.answers)
    logger.info("request_saved user_id=%d request_id=%d", user_id, request.id)
    name = message.chat.first_name or ""
    await _edit_or_send(message, context, svc.catalogue.text(language, "intake.confirmed", name=name))
    await match.present(message.chat.id, context, svc, request, language)


async def _ask_consent_again(message: Message, context: MakkerContext, svc: Services, language: str) -> None:
    """Back from the first question shows the consent again; "no" there withdraws it."""
    await _remove_keyboard(message, context)
    consent_id = await svc.store.intake.consent_id(message.chat.id)
    shown_for = consent_id if consent_id is not None else NO_CONSENT
    await _ask_consent(message.chat.id, context, svc, language, message.chat.first_name or "", shown_for=shown_for)


# --- answers by message -------------------------------------------------------------------------


async def on_message(update: Update, context: MakkerContext, claim: Claim) -> bool:
    """The router's way in while the intake owns the person's messages; False when no draft is left."""
    assert update.effective_user is not None
    if await context.services.store.intake.draft(update.effective_user.id) is None:
        return False
    await message(update, context)
    return True


async def message(update: Update, context: MakkerContext) -> None:
    """Typed text, or something else (a sticker, photo, voice note, location) during an intake."""
    svc, user = context.services, update.effective_user
    assert user is not None and update.message is not None
    draft = await svc.store.intake.draft(user.id)
    if draft is None:
        if not crisis_shown_for(update, context):
            await not_understood(update, context)
        return
    language = await svc.language_for(user)
    chat_id = update.message.chat_id
    text = update.message.text
    if crisis_shown_for(update, context) and draft.step is not Step.FREE_TEXT:
        await _send_question(chat_id, context, svc, draft, language, hint="intake.hint.after_crisis")
        return
    if text is None:
        await _send_question(chat_id, context, svc, draft, language, hint="intake.hint.only_text")
        return
    if draft.step is Step.MUNICIPALITY:
        await _municipality_typed(chat_id, context, svc, user.id, draft, text, language)
    elif draft.step is Step.FREE_TEXT:
        try:
            answered = intake.set_free_text(draft, text)
        except InvalidAnswer as invalid:
            hint = svc.catalogue.text(language, invalid.reason, length=len(text.strip()), max=intake.FREE_TEXT_MAX)
            await context.bot.send_message(chat_id, hint)
            await _send_question(chat_id, context, svc, draft, language)
            return
        await svc.store.intake.save_draft(user.id, answered)
        await _send_question(chat_id, context, svc, answered, language)
    else:
        await _send_question(chat_id, context, svc, draft, language, hint="intake.hint.use_buttons")


async def _municipality_typed(
    chat_id: int,
    context: MakkerContext,
    svc: Services,
    user_id: int,
    draft: Draft,
    text: str,
    language: str,
) -> None:
    found = svc.geography.search(text)
    exact = svc.geography.exact(text)
    if exact is not None or len(found) == 1:
        # One municipality fits ("Helsingor", "Koege", "Elsinore", or the only name starting so): taken at once.
        chosen = exact if exact is not None else found[0]
        answered = intake.set_municipality(draft, chosen.code, {chosen.code})
        await svc.store.intake.save_draft(user_id, answered)
        taken = svc.catalogue.text(language, "intake.municipality_taken.text", municipality=chosen.name)
        question, keyboard = svc.intake_views.question(answered, language)
        await makker_bot(context).send_text(chat_id, f"{taken}\n\n{question}", keyboard)
        return
    if not found:
        query = text.strip()[:MAX_QUERY_ECHO]
        await context.bot.send_message(
            chat_id, svc.catalogue.text(language, "intake.hint.unknown_municipality", query=query)
        )
        await _send_question(chat_id, context, svc, draft, language)
        return
    text_out, keyboard = svc.intake_views.municipality_choices(found, language, "intake.question.mun_results")
    await makker_bot(context).send_text(chat_id, text_out, keyboard)


# --- speaking -----------------------------------------------------------------------------------


async def _save_and_ask(
    message: Message, context: MakkerContext, svc: Services, user_id: int, draft: Draft, language: str
) -> None:
    """State before speech: the new draft is committed before the next question goes out."""
    await svc.store.intake.save_draft(user_id, draft)
    await _ask(message, context, svc, draft, language, edit=True)


async def _ask(
    message: Message,
    context: MakkerContext,
    svc: Services,
    draft: Draft,
    language: str,
    *,
    edit: bool = False,
    hint: str | None = None,
) -> None:
    """Ask the draft's question: in place of the message with the pressed button, or anew."""
    if edit and hint is None:
        text, keyboard = svc.intake_views.question(draft, language)
        await _show(message, context, text, keyboard)
    else:
        await _send_question(message.chat.id, context, svc, draft, language, hint=hint)


async def _send_question(
    chat_id: int,
    context: MakkerContext,
    svc: Services,
    draft: Draft,
    language: str,
    *,
    hint: str | None = None,
) -> None:
    text, keyboard = svc.intake_views.question(draft, language)
    if hint is not None:
        text = svc.catalogue.text(language, hint) + "\n\n" + text
    await makker_bot(context).send_text(chat_id, text, keyboard)


send_question = _send_question  # handlers/replay.py asks the current question again after a crash


async def _show(message: Message, context: MakkerContext, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace the message the button was on; send anew when it can no longer be edited."""
    bot = makker_bot(context)
    try:
        await bot.edit_text(message.chat.id, message.message_id, text, keyboard)
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return
        await bot.send_text(message.chat.id, text, keyboard)


show = _show  # handlers/peer_apply.py shows its questions the same way


async def _edit_or_send(message: Message, context: MakkerContext, text: str) -> None:
    bot = makker_bot(context)
    try:
        await bot.edit_text(message.chat.id, message.message_id, text)
    except BadRequest:
        await bot.send_text(message.chat.id, text)


async def _edit_keyboard(message: Message, context: MakkerContext, keyboard: InlineKeyboardMarkup) -> None:
    try:
        await makker_bot(context).edit_keyboard(message.chat.id, message.message_id, keyboard)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def _remove_keyboard(message: Message, context: MakkerContext) -> None:
    try:
        await makker_bot(context).edit_keyboard(message.chat.id, message.message_id, None)
    except BadRequest:
        logger.debug("keyboard_already_gone chat_id=%d", message.chat.id)


def _choices(options: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in options])


async def _initiative_lines(svc: Services, language: str) -> str:
    """Initiatives anyone can contact without Makker storing anything: every active one for seekers that has not
    ended (an ended project is no offer to contact)."""
    return "\n".join(
        svc.catalogue.text(
            language,
            "consent.initiative_line",
            name=initiative.name,
            organiser=initiative.organiser,
            contact=initiative.contact(language),
        )
        for initiative in await svc.store.initiatives.all()
        if initiative.offered_to_seekers and not initiative.ended
    )
