"""/profil (/profile): a peer's profile, and editing it one answer at a time with buttons.

The questions, their options and their validation are the application's (bot/peer_application.py); the edit in
progress is saved at every tick (bot/peer_profile.py), and the profile is saved before the peer is told so. An
answer that is typed (the name, the organisation, a municipality) is the router's PEER_PROFILE conversation while
it is asked; afterwards the peer's messages go back to their open conversations, if any (the relay).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import BadRequest

from bot import peer_application as rules
from bot.buttons import ProfileButton, ProfileEditButton, pack
from bot.clock import from_db, local_today
from bot.context import MakkerContext
from bot.outcomes import Result
from bot.peer_application import Draft, Step
from bot.peer_profile import EDITABLE, EditOutcome, Standing
from bot.peers import PeerView
from bot.router import Kind
from bot.services import Services
from bot.store import matches as rows
from bot.store.owners import Claim
from bot.telegram_bot import makker_bot
from bot.text_safety import has_visible_character, without_bidi_controls
from handlers import relay
from handlers.buttons import Press, StaleButton
from handlers.peer_replies import text_of
from handlers.peer_self import non_peer_text, pause, profiles, refuse_non_peer, resume, send_for_peers
from handlers.safety import crisis_shown_for
from matching.geo import Region
from matching.model import PeerStatus

logger = logging.getLogger(__name__)

# The questions answered by typing: while one is asked, the peer's typed messages are the edit's.
TYPED = (Step.ALIAS, Step.ORGANISATION, Step.AREA)
# Where each multi-choice question's option labels are in the catalogue.
LABELS = {
    Step.EXPERIENCE: "taxonomy.target_group",
    Step.RELATIVE_OF: "taxonomy.target_group",
    Step.LANGUAGES: "taxonomy.language",
    Step.SUPPORT_FORMS: "taxonomy.support_form",
    Step.CONTACT: "taxonomy.contact_mode",
    Step.AGE: "taxonomy.age_band",
    Step.GENDER: "peer_apply.gender",
}
MAX_SEARCH_BUTTONS = 6
STALE = "peer_self.edit.stale"


# Showing the profile ----------------------------------------------------------------------------------------------


async def profile_command(update: Update, context: MakkerContext) -> None:
    user = update.effective_user
    assert user is not None
    standing = await profiles(context).standing(user.id)
    if standing.peer is None:
        if standing.application is not None and standing.application.status == "pending":
            await _send_pending(context, user, update.effective_chat.id, standing)  # type: ignore[union-attr]
            return
        await refuse_non_peer(update, context, standing)
        return
    await show_profile(context, user, update.effective_chat.id, standing.peer)  # type: ignore[union-attr]


async def _send_pending(context: MakkerContext, user: User, chat_id: int, standing: Standing) -> None:
    """An applicant waiting for a coordinator: where the application stands, and the initiatives for peers."""
    svc = context.services
    application = standing.application
    submitted = application.submitted_at if application else None
    day = from_db(submitted).astimezone(svc.settings.zone).strftime("%d.%m.%Y") if submitted else ""
    language = await svc.language_for(user)
    keyboard = InlineKeyboardMarkup(
        [[_button(svc, language, "peer_self.profile.button_for_peers", ProfileButton("forpeers"))]]
    )
    text = svc.catalogue.text(language, "peer_self.applicant_pending", date=day)
    await makker_bot(context).send_text(chat_id, text, keyboard)


async def show_profile(context: MakkerContext, user: User, chat_id: int, view: PeerView, head: str = "") -> None:
    svc = context.services
    language = await svc.language_for(user)
    text = profile_text(svc, language, view)
    await makker_bot(context).send_text(
        chat_id, f"{head}\n\n{text}" if head else text, _profile_keyboard(svc, language, view)
    )


def profile_text(svc: Services, language: str, view: PeerView) -> str:
    """Every answer of the profile, labelled, and whether the peer gets new offers."""
    t = svc.catalogue.text
    profile = view.profile
    none = t(language, "peer_self.profile.none")

    def listed(table: str, codes: object) -> str:
        return ", ".join(t(language, f"{table}.{code}") for code in sorted(codes)) or none  # type: ignore[call-overload]

    values = {
        Step.ALIAS: without_bidi_controls(view.display_name),
        Step.KIND: t(language, f"peer_apply.kind.{profile.kind.value}"),
        Step.ORGANISATION: without_bidi_controls(view.organisation) if view.organisation else none,
        Step.EXPERIENCE: listed("taxonomy.target_group", [g.value for g in profile.target_groups]),
        Step.RELATIVE_OF: listed("taxonomy.target_group", view.relative_of),
        Step.AGE: t(language, f"taxonomy.age_band.{view.age_band}") if view.age_band else none,
        Step.GENDER: t(language, f"peer_apply.gender.{profile.gender.value}"),
        Step.LANGUAGES: listed("taxonomy.language", [code.value for code in profile.languages]),
        Step.AREA: area_text(svc, language, profile.area.municipalities, profile.area.regions, profile.area.online)
        or none,
        Step.SUPPORT_FORMS: listed("taxonomy.support_form", [form.value for form in profile.support_forms]),
        Step.CONTACT: listed("taxonomy.contact_mode", [mode.value for mode in profile.contact_modes]),
        Step.CAPACITY: t(
            language, "peer_self.profile.capacity", capacity=profile.capacity, open=profile.active_matches
        ),
    }
    lines = [t(language, "peer_self.profile.title")]
    lines += [
        t(language, "peer_self.profile.line", label=t(language, f"peer_self.step.{step.value}"), value=value)
        for step, value in values.items()
    ]
    lines.append(_status(svc, language, view))
    return "\n".join(lines)


def _status(svc: Services, language: str, view: PeerView) -> str:
    t = svc.catalogue.text
    if view.suspended:
        return t(language, "peer_self.profile.status_suspended")
    if view.profile.status is PeerStatus.APPROVED:
        return t(language, "peer_self.profile.status_active")
    if view.paused_until:
        # paused_until is the moment the pause ends: the local midnight after the last day of the pause.
        last_day = (from_db(view.paused_until).astimezone(svc.settings.zone)).date().toordinal() - 1
        until = date.fromordinal(last_day).strftime("%d.%m.%Y")
        return t(language, "peer_self.profile.status_paused_until", until=until)
    return t(language, "peer_self.profile.status_paused")


def area_text(svc: Services, language: str, municipalities: object, regions: object, online: bool) -> str:
    """The area as names: municipalities, then regions, then online."""
    geography = svc.geography
    names = [geography.municipality(code).name for code in sorted(municipalities)]  # type: ignore[call-overload]
    for code in sorted(regions):  # type: ignore[call-overload]
        region = geography.region(code)
        names.append(region.name_en if language == "en" else region.name_da)
    if online:
        names.append(svc.catalogue.text(language, "peer_self.edit.online"))
    return ", ".join(names)


def _button(svc: Services, language: str, key: str, button: object, **params: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(svc.catalogue.text(language, key, **params), callback_data=pack(button))


def _profile_keyboard(svc: Services, language: str, view: PeerView) -> InlineKeyboardMarkup:
    rows_: list[list[InlineKeyboardButton]] = []
    if not view.suspended:
        rows_.append([_button(svc, language, "peer_self.profile.button_edit", ProfileButton("menu"))])
        if view.profile.status is PeerStatus.APPROVED:
            rows_.append([_button(svc, language, "peer_self.profile.button_pause", ProfileButton("pause"))])
        else:
            rows_.append([_button(svc, language, "peer_self.profile.button_resume", ProfileButton("resume"))])
    rows_.append([_button(svc, language, "peer_self.profile.button_for_peers", ProfileButton("forpeers"))])
    return InlineKeyboardMarkup(rows_)


# /profil's buttons ------------------------------------------------------------------------------------------------


async def profile_button(press: Press, context: MakkerContext, button: ProfileButton) -> None:
    svc, user = context.services, press.user
    standing = await profiles(context).standing(user.id)
    if button.action == "forpeers":
        await press.answer()
        await send_for_peers(context, user, press.chat_id)
        return
    if standing.peer is None:
        await press.answer(await non_peer_text(context, user, standing), alert=True)
        return
    await press.answer()
    if button.action == "show":
        await show_profile(context, user, press.chat_id, standing.peer)
    elif button.action == "menu":
        await _send_menu(context, user, press.chat_id)
    elif button.action == "pause" and standing.peer.profile.status is PeerStatus.PAUSED:
        # From an older message: the pause there is (perhaps until a date) stays as it is.
        language = await svc.language_for(user)
        await context.bot.send_message(press.chat_id, _status(svc, language, standing.peer))
    elif button.action == "pause":
        await context.bot.send_message(press.chat_id, await pause(context, user))
    elif button.action == "resume":
        await context.bot.send_message(press.chat_id, await resume(context, user))
    elif button.action == "edit" and button.step is not None:
        await _start_edit(context, user, press.chat_id, Step(button.step))
    else:
        raise StaleButton(STALE)


async def _send_menu(context: MakkerContext, user: User, chat_id: int) -> None:
    svc = context.services
    language = await svc.language_for(user)
    labels = [
        _button(svc, language, "peer_self.step." + step.value, ProfileButton("edit", step.value)) for step in EDITABLE
    ]
    keyboard = [labels[i : i + 2] for i in range(0, len(labels), 2)]
    keyboard.append([_button(svc, language, "peer_self.profile.button_back", ProfileButton("show"))])
    text = svc.catalogue.text(language, "peer_self.profile.edit_menu")
    await makker_bot(context).send_text(chat_id, text, InlineKeyboardMarkup(keyboard))


async def _start_edit(context: MakkerContext, user: User, chat_id: int, step: Step) -> None:
    started = await profiles(context).start(user.id, step)
    if isinstance(started, Result):
        await context.bot.send_message(chat_id, await text_of(context, user, started))
        return
    if step in TYPED:  # claimed before the question goes out: the answer must reach the edit
        await context.services.router.claim(user.id, Kind.PEER_PROFILE)
    else:  # answered by buttons: typed messages stay with (or go back to) the peer's conversations
        await _done_typing(context, user.id)
    logger.info("profile_edit_started user_id=%d step=%s", user.id, step.value)
    await send_question(context, user, chat_id, started)


# The question of an edit ------------------------------------------------------------------------------------------


async def send_question(
    context: MakkerContext,
    user: User,
    chat_id: int,
    draft: Draft,
    hint: str | None = None,
    *,
    press: Press | None = None,
) -> None:
    """The question with its buttons; a tick edits the message it was pressed on, when Telegram lets it."""
    svc = context.services
    language = await svc.language_for(user)
    text, keyboard = question(svc, language, draft, local_today(svc.settings.zone), hint)
    if press is not None:
        try:
            await press.message.edit_text(text, reply_markup=keyboard)
            return
        except (BadRequest, StaleButton):
            pass  # too old, or unchanged: a new message does
    await makker_bot(context).send_text(chat_id, text, keyboard)


def question(
    svc: Services, language: str, draft: Draft, today: date, hint: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    t = svc.catalogue.text
    step, answers = draft.step, draft.answers
    parts = [t(language, hint)] if hint else []
    parts.append(t(language, f"peer_apply.question.{step.value}"))

    def edit(action: str, value: str | None = None) -> str:
        return pack(ProfileEditButton(step.value, action, value))

    def ticked(label: str, on: bool) -> str:
        return t(language, "intake.button.selected", label=label) if on else label

    keyboard: list[list[InlineKeyboardButton]] = []
    if step in rules.MULTI_CHOICE:
        chosen = set(answers.selected(step))
        options = [
            InlineKeyboardButton(
                ticked(t(language, f"{LABELS[step]}.{code}"), code in chosen), callback_data=edit("tog", code)
            )
            for code in rules.MULTI_CHOICE[step]
        ]
        keyboard += [options[i : i + 2] for i in range(0, len(options), 2)]
        keyboard.append([InlineKeyboardButton(t(language, "intake.button.done"), callback_data=edit("done"))])
    elif step in (Step.AGE, Step.GENDER):
        current = answers.age_band if step is Step.AGE else answers.gender
        options = [
            InlineKeyboardButton(
                ticked(t(language, f"{LABELS[step]}.{code}"), code == current), callback_data=edit("pick", code)
            )
            for code in rules.SINGLE_CHOICE[step]
        ]
        keyboard += [options[i : i + 2] for i in range(0, len(options), 2)]
    elif step is Step.CAPACITY:
        options = [
            InlineKeyboardButton(ticked(str(n), n == answers.capacity), callback_data=edit("pick", str(n)))
            for n in range(1, rules.MAX_CAPACITY + 1)
        ]
        keyboard += [options[:5], options[5:]]
    elif step is Step.ORGANISATION:
        keyboard.append([InlineKeyboardButton(t(language, "intake.button.skip"), callback_data=edit("skip"))])
    elif step is Step.AREA:
        chosen_text = area_text(svc, language, answers.municipalities, answers.regions, answers.online)
        parts.append(t(language, "peer_self.edit.area_typed"))
        parts.append(
            t(language, "peer_self.edit.area_chosen", chosen=chosen_text or t(language, "peer_self.profile.none"))
        )
        for code in answers.municipalities:  # ticked, so a tap takes one away again
            name = svc.geography.municipality(code).name
            keyboard.append([InlineKeyboardButton(ticked(name, True), callback_data=edit("muni", str(code)))])
        regions = [
            InlineKeyboardButton(
                ticked(region.name_en if language == "en" else region.name_da, region.code in answers.regions),
                callback_data=edit("region", region.code),
            )
            for region in _regions(svc, answers, today)
        ]
        keyboard += [regions[i : i + 2] for i in range(0, len(regions), 2)]
        keyboard.append(
            [
                InlineKeyboardButton(
                    ticked(t(language, "peer_self.edit.online"), answers.online), callback_data=edit("online")
                )
            ]
        )
        keyboard.append([InlineKeyboardButton(t(language, "intake.button.done"), callback_data=edit("done"))])
    keyboard.append([InlineKeyboardButton(t(language, "intake.button.cancel"), callback_data=edit("cancel"))])
    return "\n\n".join(parts), InlineKeyboardMarkup(keyboard)


def _regions(svc: Services, answers: rules.Answers, today: date) -> list[Region]:
    """Today's regions, and any the peer chose before a change of regions, so that they can be taken away."""
    current = svc.geography.regions(today)
    codes = {region.code for region in current}
    return current + [svc.geography.region(code) for code in answers.regions if code not in codes]


# Answers by button ------------------------------------------------------------------------------------------------


async def edit_button(press: Press, context: MakkerContext, button: ProfileEditButton) -> None:
    user = press.user
    editor = profiles(context)
    draft = await editor.draft(user.id)
    if draft is None or draft.step.value != button.step:
        raise StaleButton(STALE)
    if button.action == "cancel":
        await editor.cancel(user.id)
        await _done_typing(context, user.id)
        await press.answer()
        await context.bot.send_message(press.chat_id, await context.services.text_for(user, "peer_self.edit.cancelled"))
        return
    change = _change_for(context, draft, button)
    await press.answer()
    outcome = await editor.apply(user.id, change)
    await after(context, user, press.chat_id, outcome, press=press)


def _change_for(context: MakkerContext, draft: Draft, button: ProfileEditButton) -> Callable[[Draft], Draft]:
    """The application's rule for this press; a press that fits no rule of the question is stale."""
    step, action, value = draft.step, button.action, button.value
    geography = context.services.geography
    if action == "tog" and value is not None:
        return lambda d: rules.toggle(d, value)
    if action == "done" and step is Step.AREA:
        return rules.finish_area
    if action == "done":
        return rules.finish_multi
    if action == "pick" and value is not None and step is Step.CAPACITY and value.isdigit() and len(value) <= 2:
        return lambda d: rules.set_capacity(d, int(value))
    if action == "pick" and value is not None:
        return lambda d: rules.choose(d, value)
    if action == "skip":
        return lambda d: rules.set_organisation(d, None)
    if action == "online":
        return rules.toggle_online
    if action == "region" and value is not None:
        known = {region.code for region in geography.all_regions()}
        return lambda d: rules.toggle_region(d, value, known)
    if action == "muni" and value is not None and value.isdigit() and len(value) <= 4:
        known = {m.code for m in geography.all_municipalities()}
        return lambda d: rules.toggle_municipality(d, int(value), known)
    raise StaleButton(STALE)


async def after(
    context: MakkerContext, user: User, chat_id: int, outcome: EditOutcome, *, press: Press | None = None
) -> None:
    """Say what the step did: saved (and the profile as it is now), the next state of the question, or a hint."""
    if outcome.saved is not None:
        await _done_typing(context, user.id)
        if not outcome.saved.ok:
            await context.bot.send_message(chat_id, await text_of(context, user, outcome.saved))
            return
        logger.info("profile_edited user_id=%d", user.id)
        view = await context.services.peers.view(user.id)  # type: ignore[union-attr]
        head = await text_of(context, user, outcome.saved)
        if view is None:
            await context.bot.send_message(chat_id, head)
            return
        await show_profile(context, user, chat_id, view, head)
        return
    if outcome.draft is None:  # no edit under way (finished on another device, or gone)
        await context.bot.send_message(chat_id, await context.services.text_for(user, outcome.hint or STALE))
        return
    # A hint is a new message, so that it is seen; a tick updates the question where it is.
    await send_question(context, user, chat_id, outcome.draft, outcome.hint, press=None if outcome.hint else press)


async def _done_typing(context: MakkerContext, user_id: int) -> bool:
    """The edit no longer takes typed messages: they go back to the peer's open conversations, if any (True)."""
    router = context.services.router
    if not await router.release(user_id, Kind.PEER_PROFILE):
        return False
    has_open = await context.services.store.db.read(
        lambda connection: bool(rows.matches_of(connection, user_id, state="open"))
    )
    if has_open:
        await router.claim(user_id, Kind.RELAY)
    return has_open


# Answers by typing ------------------------------------------------------------------------------------------------


async def on_message(update: Update, context: MakkerContext, claim: Claim) -> bool:
    """The router's way in while a typed answer is asked; False when no such edit is under way."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return True
    editor = profiles(context)
    draft = await editor.draft(user.id)
    if draft is None or draft.step not in TYPED:
        # Nothing typed is asked (the edit ended, e.g. by housekeeping): a peer in a conversation is writing to it.
        if await _done_typing(context, user.id):
            await relay.on_message(update, context, Claim(Kind.RELAY))
            return True
        return False
    chat_id = message.chat_id
    if crisis_shown_for(update, context):  # the crisis help came first; the question waits, unanswered
        await send_question(context, user, chat_id, draft, "intake.hint.after_crisis")
        return True
    text = without_bidi_controls(message.text) if message.text is not None else None
    if text is None or not has_visible_character(text):
        await send_question(context, user, chat_id, draft, "peer_apply.hint.empty_text")
        return True
    if draft.step is Step.ALIAS:
        outcome = await editor.apply(user.id, lambda d: rules.set_alias(d, text))
    elif draft.step is Step.ORGANISATION:
        outcome = await editor.apply(user.id, lambda d: rules.set_organisation(d, text))
    else:
        outcome = await _typed_municipality(context, user, chat_id, text)
        if outcome is None:
            return True
    await after(context, user, chat_id, outcome)
    return True


async def _typed_municipality(context: MakkerContext, user: User, chat_id: int, text: str) -> EditOutcome | None:
    """A typed name that fits one municipality ticks or unticks it; several get buttons; none gets a hint."""
    svc = context.services
    geography = svc.geography
    known = {m.code for m in geography.all_municipalities()}
    exact = geography.exact(text)
    if exact is not None:
        return await profiles(context).apply(user.id, lambda d: rules.toggle_municipality(d, exact.code, known))
    found = geography.search(text, limit=MAX_SEARCH_BUTTONS)
    language = await svc.language_for(user)
    t = svc.catalogue.text
    if not found:
        shown = " ".join(text.split())[:40]  # the bidi controls are gone already (on_message)
        await context.bot.send_message(chat_id, t(language, "peer_self.edit.area_unknown", text=shown))
        return None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(m.name, callback_data=pack(ProfileEditButton(Step.AREA.value, "muni", str(m.code))))]
            for m in found
        ]
    )
    await makker_bot(context).send_text(chat_id, t(language, "peer_self.edit.area_several"), keyboard)
    return None
