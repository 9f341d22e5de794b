"""The crisis safety net: every free text is checked, and /krise, /crisis and a button are always there."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, Update

from bot.buttons import CrisisButton, pack
from bot.clock import local_today
from bot.context import MakkerContext
from bot.i18n import Catalogue
from bot.safety import CrisisSignal, detect_crisis
from bot.services import Services
from handlers.buttons import Press

logger = logging.getLogger(__name__)

_SHOWN_KEY = "crisis_shown_update"


def help_now_button(catalogue: Catalogue, language: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(catalogue.text(language, "consent.help_now"), callback_data=pack(CrisisButton()))


def crisis_shown_for(update: Update, context: MakkerContext) -> bool:
    """Whether this very update already got the crisis message, so later handlers answer gently."""
    return context.user_data is not None and context.user_data.get(_SHOWN_KEY) == update.update_id


def message_text(update: Update) -> str | None:
    message = update.effective_message
    if message is None:
        return None
    return message.text or message.caption


def is_crisis(update: Update) -> bool:
    text = message_text(update)
    return bool(text) and detect_crisis(text) is not None  # type: ignore[arg-type]


async def check_message(update: Update, context: MakkerContext) -> None:
    """Runs on every text and caption before anything else answers; never stops the conversation."""
    text = message_text(update)
    if not text or update.effective_user is None:
        return
    first_aid = context.services.first_aid
    signal = first_aid.verdict_for(update.update_id, text) if first_aid is not None else detect_crisis(text)
    if signal is None:
        return
    # Without the user id: a crisis is a health fact and must not be tied to a person in the log.
    logger.warning(
        "crisis_detected severity=%s about=%s rules=%s", signal.severity, signal.about, ",".join(signal.rules)
    )
    if context.user_data is not None:
        context.user_data[_SHOWN_KEY] = update.update_id
    if not await _answered_on_arrival(update, context):
        await _send(update, context, intro_for(signal))


def intro_for(signal: CrisisSignal) -> str:
    """The catalogue key of the opening: acute danger opens with 112, and a helper gets advice for the other
    person before the numbers everyone gets."""
    if signal.about == "other":
        return f"crisis.other.intro_{signal.severity}"
    if signal.severity == "acute":
        return "crisis.acute.intro"
    return "crisis.intro_detected"


async def crisis_command(update: Update, context: MakkerContext) -> None:
    logger.info("crisis_requested")  # without the person's id, like crisis_detected
    if not await _answered_on_arrival(update, context):
        await _send(update, context, "crisis.intro_command")


async def crisis_button(press: Press, context: MakkerContext, button: CrisisButton) -> None:
    """ "Help now" under the consent text: answered first, so that the help follows at once."""
    logger.info("crisis_requested")
    if await _answered_on_arrival(press.update, context):
        press.answered = True  # first aid answered the press when it arrived
        return
    await press.answer()
    await _send(press.update, context, "crisis.intro_command")


async def _answered_on_arrival(update: Update, context: MakkerContext) -> bool:
    """First aid (handlers/first_aid.py) answers from memory when the update arrives; never twice."""
    first_aid = context.services.first_aid
    return first_aid is not None and await first_aid.answered(update.update_id)


async def _send(update: Update, context: MakkerContext, intro_key: str) -> None:
    svc = context.services
    language = await svc.language_for(update.effective_user)
    text = crisis_text(
        svc, language, await _region_code(svc, update.effective_user.id if update.effective_user else None)
    )
    body = svc.catalogue.text(language, intro_key) + "\n\n" + text
    await context.bot.send_message(update.effective_chat.id, body)  # type: ignore[union-attr]


def crisis_text(svc: Services, language: str, region_code: str | None) -> str:
    emergency = svc.catalogue.text(language, f"crisis.emergency.{region_code or 'unknown'}")
    return svc.catalogue.text(language, "crisis.body", emergency=emergency)


async def _region_code(svc: Services, user_id: int | None) -> str | None:
    """The person's region from the intake, when they have told it; otherwise every region is listed."""
    if user_id is None:
        return None
    draft = await svc.store.intake.draft(user_id)
    answers = draft.answers if draft else None
    if answers is None or answers.municipality_code is None:
        request = await svc.store.intake.open_request(user_id)
        answers = request.answers if request else None
    if answers is None or answers.municipality_code is None:
        return None
    return svc.geography.region_of(answers.municipality_code, local_today(svc.settings.zone)).code
