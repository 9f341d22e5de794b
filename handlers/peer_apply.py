"""Becoming a peer in the chat: /peer (/bliv_peer) or the intake's third answer, consent, the application
question by question, and its submission to the coordinators.

The draft in SQLite is the conversation's state, as in the intake (handlers/intake.py): every handler loads it,
lets bot/peer_application.py decide, saves the new draft through PeerService, and only then asks the next
question. The application owns the applicant's typed messages (the alias, the organisation, a municipality's
name) through the router (bot/router.py, Kind.PEER_APPLICATION) from consent to submission or cancellation.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User

from bot import peer_application as rules
from bot.buttons import PeerApplyButton, PeerEntryButton, pack
from bot.clock import local_today
from bot.context import MakkerContext
from bot.outcomes import Refusal, refused
from bot.peer_application import Draft, InvalidAnswer, Step
from bot.peers import PeerService
from bot.router import Kind
from bot.store import matches
from bot.store.owners import Claim
from bot.telegram_bot import makker_bot
from handlers import intake
from handlers.buttons import Press, StaleButton
from handlers.intake import MAX_QUERY_ECHO
from handlers.peer_apply_views import CAPACITY_CHOICES, EDITABLE, PeerApplyViews
from handlers.peer_replies import text_of
from handlers.safety import crisis_shown_for, help_now_button

logger = logging.getLogger(__name__)

# The questions answered by typing; at every other one a typed message gets a hint to use the buttons.
TYPED_STEPS = (Step.ALIAS, Step.ORGANISATION, Step.AREA)


def peers(context: MakkerContext) -> PeerService:
    service = context.services.peers
    assert service is not None, "built at start-up (bot/app.py)"
    return service


def views(context: MakkerContext) -> PeerApplyViews:
    svc = context.services
    return PeerApplyViews(svc.catalogue, svc.geography)


# --- the way in ---------------------------------------------------------------------------------------------------


async def peer_command(update: Update, context: MakkerContext) -> None:
    """/peer and /bliv_peer: consent first, or the application where it stands, or where the person stands."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    logger.info("peer_apply_asked user_id=%d", user.id)
    await _enter(chat.id, user, context, None)


async def _enter(chat_id: int, user: User, context: MakkerContext, message: Message | None) -> None:
    svc = context.services
    language = await svc.language_for(user)
    standing = await peers(context).standing(user.id)
    if isinstance(standing, Refusal):
        await _say(chat_id, context, message, await text_of(context, user, refused(standing)))
        return
    if standing is not None:  # a draft: continue where they were
        await _hold(context, user.id)
        await _ask_anew(chat_id, context, standing.draft, language, intro="peer_apply.resumed")
        return
    t = svc.catalogue.text
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(language, "peer_apply.consent.yes"), callback_data=pack(PeerEntryButton("yes")))],
            [InlineKeyboardButton(t(language, "peer_apply.consent.no"), callback_data=pack(PeerEntryButton("no")))],
            [help_now_button(svc.catalogue, language)],
        ]
    )
    text = t(language, "peer_apply_flow.welcome") + "\n\n" + t(language, "peer_apply.consent.text")
    if message is not None:
        await _show(message, context, text, keyboard)
    else:
        await makker_bot(context).send_text(chat_id, text, keyboard)


async def entry_answer(press: Press, context: MakkerContext, pressed: PeerEntryButton) -> None:
    """The intake's third answer, the consent's yes and no, and /start's continue or seek support instead."""
    svc, user, choice = context.services, press.user, pressed.choice
    message = press.message
    language = await svc.language_for(user)
    if choice == "begin":
        draft = await svc.store.intake.draft(user.id)
        # From the intake's first question: nothing is answered there yet, so that draft goes. A draft that went
        # further (an old message's button) keeps its answers.
        if draft is not None and draft.step is intake.Step.FOR_WHOM and not draft.editing:
            await svc.store.intake.discard_draft(user.id)
        await press.answer()
        await _enter(press.chat_id, user, context, message)
    elif choice == "yes":
        result = await peers(context).start_application(user.id, language)
        if not result.ok or result.application is None:
            await press.answer(await text_of(context, user, result), alert=True)
            return
        await press.answer()
        await _hold(context, user.id)
        if result.reply == "peer_apply.started":
            logger.info("peer_consent_given user_id=%d version=%s", user.id, rules.CONSENT_VERSION)
            await svc.note_client_language(user)  # the coordinators' answer goes through the outbox, in it
        await _ask(message, context, result.application.draft, language, intro=_intro(result.reply))
    elif choice == "no":
        if await peers(context).standing(user.id) is not None:
            raise StaleButton()  # an old consent question: something is stored now, and "no" must not hide it
        await press.answer()
        await _show(message, context, svc.catalogue.text(language, "peer_apply.consent.declined"), None)
    elif choice == "continue":
        draft = await peers(context).draft(user.id)
        if draft is None:
            raise StaleButton()
        await press.answer()
        await _hold(context, user.id)
        await _ask(message, context, draft.draft, language)
    else:  # seek: support for themself; the application's draft stays for /peer, its hold on their text goes
        await press.answer()
        await let_go(context, user.id, Kind.PEER_APPLICATION)
        await intake.start(press.update, context)


def _intro(reply: str) -> str:
    return "peer_apply_flow.started" if reply == "peer_apply.started" else "peer_apply.resumed"


async def start(update: Update, context: MakkerContext) -> None:
    """/start in the middle of an application: continue it, or seek support instead (the draft stays)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    svc = context.services
    owner = await svc.router.owner(user.id)
    if owner is None or owner.kind != Kind.PEER_APPLICATION or await peers(context).draft(user.id) is None:
        await intake.start(update, context)
        return
    language = await svc.language_for(user)
    t = svc.catalogue.text
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "peer_apply_flow.continue"), callback_data=pack(PeerEntryButton("continue"))
                )
            ],
            [InlineKeyboardButton(t(language, "peer_apply_flow.seek"), callback_data=pack(PeerEntryButton("seek")))],
        ]
    )
    await makker_bot(context).send_text(
        chat.id, t(language, "peer_apply_flow.start_during", name=user.first_name), keyboard
    )


async def cancel(update: Update, context: MakkerContext) -> None:
    """/cancel stops the conversation the person is in: the application (its answers go), a coordinator's
    rejection being written, or the intake."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    svc = context.services
    owner = await svc.router.owner(user.id)
    if owner is not None and owner.kind == Kind.PEER_APPLICATION:
        dropped = await peers(context).cancel_application(user.id)
        await let_go(context, user.id, Kind.PEER_APPLICATION)
        logger.info("peer_apply_cancel user_id=%d had_draft=%s", user.id, dropped)
        key = "peer_apply_flow.cancelled" if dropped else "intake.nothing_to_cancel"
        await context.bot.send_message(chat.id, await svc.text_for(user, key))
        return
    if owner is not None and owner.kind == Kind.APPLICATION_REVIEW:
        await let_go(context, user.id, Kind.APPLICATION_REVIEW, owner.ref)
        await context.bot.send_message(chat.id, await svc.text_for(user, "peer_review.reject_stopped"))
        return
    await intake.cancel(update, context)


# --- answers by button --------------------------------------------------------------------------------------------


async def button(press: Press, context: MakkerContext, pressed: PeerApplyButton) -> None:
    """Every application button: the step it belongs to, what it does, and the value it carries."""
    svc, user = context.services, press.user
    record = await peers(context).draft(user.id)
    if record is None:
        raise StaleButton()
    language = await svc.language_for(user)
    draft = record.draft
    if pressed.step != draft.step.value:
        await press.answer()
        await _ask_anew(press.chat_id, context, draft, language, hint="peer_apply.hint.stale_button")
        return
    try:
        await _on_action(press, context, draft, pressed.action, pressed.value or "", language)
    except InvalidAnswer as invalid:
        await press.answer(svc.catalogue.text(language, invalid.reason), alert=True)
        return
    if not press.answered:
        await press.answer()


async def _on_action(
    press: Press, context: MakkerContext, draft: Draft, action: str, value: str, language: str
) -> None:
    svc, user_id, message = context.services, press.user.id, press.message
    today = local_today(svc.settings.zone)
    step = draft.step
    if action == "back":
        await _save_and_ask(message, context, user_id, draft.back() or draft, language)
    elif action == "tog" and step is Step.ELIGIBILITY:
        await _save_and_ask(message, context, user_id, rules.toggle_statement(draft, value), language)
    elif action == "tog":
        await _save_and_ask(message, context, user_id, rules.toggle(draft, value), language)
    elif action == "done" and step is Step.ELIGIBILITY:
        await _save_and_ask(message, context, user_id, rules.finish_statements(draft), language)
    elif action == "done" and step is Step.AREA:
        await _save_and_ask(message, context, user_id, rules.finish_area(draft), language)
    elif action == "done":
        await _save_and_ask(message, context, user_id, rules.finish_multi(draft), language)
    elif action == "pick" and step is Step.CAPACITY:
        # Compared as written on the button: "02" or "²" is no capacity, whatever int() makes of it.
        capacity = {str(number): number for number in CAPACITY_CHOICES}.get(value, 0)
        await _save_and_ask(message, context, user_id, rules.set_capacity(draft, capacity), language)
    elif action == "pick":
        await _save_and_ask(message, context, user_id, rules.choose(draft, value), language)
    elif action == "skip":
        await _save_and_ask(message, context, user_id, rules.set_organisation(draft, None), language)
    elif action == "reg":
        known = {region.code for region in svc.geography.regions(today)}
        await _save_and_ask(message, context, user_id, rules.toggle_region(draft, value, known), language)
    elif action == "online":
        await _save_and_ask(message, context, user_id, rules.toggle_online(draft), language)
    elif action == "regions" and step is Step.AREA:
        await _show(message, context, *views(context).region_choices(language, today))
    elif action == "region" and step is Step.AREA and value in {r.code for r in svc.geography.regions(today)}:
        await _show_region(message, context, draft, value, language)
    elif action == "mun" and step is Step.AREA:
        codes = {str(m.code): m for m in svc.geography.all_municipalities()}
        municipality = codes.get(value)
        known = {m.code for m in codes.values()}
        toggled = rules.toggle_municipality(draft, municipality.code if municipality else -1, known)
        await _save(context, user_id, toggled)
        assert municipality is not None
        await _show_region(message, context, toggled, municipality.region_code_on(today), language)
    elif action == "ask" and step is Step.AREA:
        await _ask(message, context, draft, language)
    elif action == "edit" and step is Step.SUMMARY and value in {s.value for s in EDITABLE}:
        await _save_and_ask(message, context, user_id, draft.edit(Step(value)), language)
    elif action == "submit" and step is Step.SUMMARY:
        await _submit(press, context, language)
    elif action == "cancel" and step is Step.SUMMARY:
        await peers(context).cancel_application(user_id)
        await let_go(context, user_id, Kind.PEER_APPLICATION)
        logger.info("peer_apply_cancel user_id=%d had_draft=True", user_id)
        await _show(message, context, svc.catalogue.text(language, "peer_apply_flow.cancelled"), None)
    else:
        raise InvalidAnswer(rules.STALE)


async def _show_region(message: Message, context: MakkerContext, draft: Draft, region: str, language: str) -> None:
    svc = context.services
    shown = views(context)
    municipalities = svc.geography.municipalities_in(region, local_today(svc.settings.zone))
    title = svc.catalogue.text(
        language, "intake.question.region_municipalities", region=shown.region_name(region, language)
    )
    await _show(message, context, *shown.municipality_choices(municipalities, draft.answers, language, title))


async def _submit(press: Press, context: MakkerContext, language: str) -> None:
    """Pending, the coordinators' notices queued in the same transaction; only then is the applicant told."""
    svc, user = context.services, press.user
    result = await peers(context).submit(user.id)
    if not result.ok:
        await press.answer(await text_of(context, user, result), alert=True)
        return
    await let_go(context, user.id, Kind.PEER_APPLICATION)
    await press.answer()
    key = "peer_apply_flow.submitted" if result.notices else "peer_apply_flow.submitted_no_coordinator"
    await _show(press.message, context, svc.catalogue.text(language, key), None)


# --- answers by message -------------------------------------------------------------------------------------------


async def on_message(update: Update, context: MakkerContext, claim: Claim) -> bool:
    """The router's way in while the application owns the person's messages; False when no draft is left."""
    user, message = update.effective_user, update.message
    if user is None or message is None:
        return True
    record = await peers(context).draft(user.id)
    if record is None:
        return False
    svc = context.services
    language = await svc.language_for(user)
    draft, text, chat_id = record.draft, message.text, message.chat_id
    if crisis_shown_for(update, context):
        await _ask_anew(chat_id, context, draft, language, hint="intake.hint.after_crisis")
        return True
    if draft.step not in TYPED_STEPS:
        await _ask_anew(chat_id, context, draft, language, hint="intake.hint.use_buttons")
        return True
    if text is None:
        await _ask_anew(chat_id, context, draft, language, hint="intake.hint.only_text")
        return True
    if draft.step is Step.AREA:
        await _municipality_typed(chat_id, context, user.id, draft, text, language)
        return True
    try:
        answered = rules.set_alias(draft, text) if draft.step is Step.ALIAS else rules.set_organisation(draft, text)
    except InvalidAnswer as invalid:
        await _ask_anew(chat_id, context, draft, language, hint=invalid.reason)
        return True
    await _save(context, user.id, answered)
    await _ask_anew(chat_id, context, answered, language)
    return True


async def _municipality_typed(
    chat_id: int, context: MakkerContext, user_id: int, draft: Draft, text: str, language: str
) -> None:
    """A typed municipality: one that fits is added at once and said so; several are shown to tick."""
    svc = context.services
    exact = svc.geography.exact(text)
    found = svc.geography.search(text)
    if exact is not None or len(found) == 1:
        chosen = exact if exact is not None else found[0]
        answered, key = draft, "peer_apply_flow.municipality_already"
        if chosen.code not in draft.answers.municipalities:
            answered, key = (
                rules.toggle_municipality(draft, chosen.code, {chosen.code}),
                "peer_apply_flow.municipality_added",
            )
            await _save(context, user_id, answered)
        intro = svc.catalogue.text(language, key, municipality=chosen.name)
        question, keyboard = views(context).question(answered, language, local_today(svc.settings.zone))
        await makker_bot(context).send_text(chat_id, f"{intro}\n\n{question}", keyboard)
        return
    if not found:
        hint = svc.catalogue.text(language, "intake.hint.unknown_municipality", query=text.strip()[:MAX_QUERY_ECHO])
        await context.bot.send_message(chat_id, hint)
        await _ask_anew(chat_id, context, draft, language)
        return
    title = svc.catalogue.text(language, "intake.question.mun_results")
    await makker_bot(context).send_text(
        chat_id, *views(context).municipality_choices(found, draft.answers, language, title)
    )


# --- speaking -----------------------------------------------------------------------------------------------------


async def _hold(context: MakkerContext, user_id: int) -> None:
    """The application owns the person's typed messages (state before speech: claimed before the question)."""
    router = context.services.router
    if await router.owner(user_id) != Claim(Kind.PEER_APPLICATION):
        await router.claim(user_id, Kind.PEER_APPLICATION)


async def let_go(context: MakkerContext, user_id: int, kind: Kind, ref: int | None = None) -> None:
    """The conversation is done with the person's typed messages. Someone with an open match (a person applying to
    become a peer, a coordinator who is also a peer) gets them back in the relay, instead of being told that
    nothing is under way."""
    router = context.services.router
    if not await router.release(user_id, kind, ref):
        return
    open_matches = await context.services.store.db.read(
        lambda connection: matches.matches_of(connection, user_id, state="open")
    )
    if open_matches:
        await router.claim(user_id, Kind.RELAY)


async def _save(context: MakkerContext, user_id: int, draft: Draft) -> None:
    if not await peers(context).save_draft(user_id, draft):
        raise StaleButton()  # submitted or deleted meanwhile, on another device


async def _save_and_ask(message: Message, context: MakkerContext, user_id: int, draft: Draft, language: str) -> None:
    """State before speech: the new draft is saved before the next question goes out."""
    await _save(context, user_id, draft)
    await _hold(context, user_id)
    await _ask(message, context, draft, language)


async def _ask(
    message: Message, context: MakkerContext, draft: Draft, language: str, *, intro: str | None = None
) -> None:
    """The draft's question in place of the message with the pressed button."""
    svc = context.services
    text, keyboard = views(context).question(draft, language, local_today(svc.settings.zone))
    if intro is not None:
        text = svc.catalogue.text(language, intro) + "\n\n" + text
    await _show(message, context, text, keyboard)


async def _ask_anew(
    chat_id: int,
    context: MakkerContext,
    draft: Draft,
    language: str,
    *,
    intro: str | None = None,
    hint: str | None = None,
) -> None:
    """The draft's question as a new message, after a typed answer or with a hint."""
    svc = context.services
    text, keyboard = views(context).question(draft, language, local_today(svc.settings.zone))
    for key in (hint, intro):
        if key is not None:
            text = svc.catalogue.text(language, key) + "\n\n" + text
    await makker_bot(context).send_text(chat_id, text, keyboard)


async def send_question(chat_id: int, context: MakkerContext, draft: Draft, language: str) -> None:
    """The application's current question anew: handlers/replay.py asks it again after a crash."""
    await _ask_anew(chat_id, context, draft, language)


async def _show(message: Message, context: MakkerContext, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    await intake.show(message, context, text, keyboard)


async def _say(chat_id: int, context: MakkerContext, message: Message | None, text: str) -> None:
    if message is not None:
        await _show(message, context, text, None)
    else:
        await context.bot.send_message(chat_id, text)
