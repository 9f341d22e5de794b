"""/help, /language, blocking and unblocking, and the friendly answers to what nothing else handles."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons import LanguageButton, pack
from bot.context import MakkerContext
from bot.i18n import LANGUAGES
from handlers.buttons import Press
from handlers.safety import crisis_shown_for

logger = logging.getLogger(__name__)


async def reply(update: Update, context: MakkerContext, key: str, **params: object) -> None:
    """Answer in the person's language with a catalogue text."""
    text = await context.services.text_for(update.effective_user, key, **params)
    await context.bot.send_message(update.effective_chat.id, text)  # type: ignore[union-attr]


async def help_command(update: Update, context: MakkerContext) -> None:
    """The commands for everyone, then those for one's matches and for peers (peer_self.help)."""
    svc = context.services
    language = await svc.language_for(update.effective_user)
    text = f"{svc.catalogue.text(language, 'help.text')}\n\n{svc.catalogue.text(language, 'peer_self.help')}"
    await context.bot.send_message(update.effective_chat.id, text)  # type: ignore[union-attr]


async def language_command(update: Update, context: MakkerContext) -> None:
    catalogue = context.services.catalogue
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    catalogue.text(code, f"language.button_{code}"), callback_data=pack(LanguageButton(code))
                )
                for code in LANGUAGES
            ]
        ]
    )
    text = await context.services.text_for(update.effective_user, "language.prompt")
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)  # type: ignore[union-attr]


async def language_chosen(press: Press, context: MakkerContext, button: LanguageButton) -> None:
    message = press.message
    await context.services.choose_language(press.user.id, button.language)
    logger.info("language_chosen user_id=%d language=%s", press.user.id, button.language)
    await press.answer()
    await message.edit_text(context.services.catalogue.text(button.language, "language.changed"))


async def unknown_command(update: Update, context: MakkerContext) -> None:
    await reply(update, context, "errors.unknown_command")


async def not_understood(update: Update, context: MakkerContext) -> None:
    """Anything else in a private chat (text, sticker, photo ...) outside a conversation."""
    await reply(update, context, "errors.not_understood")


async def route_message(update: Update, context: MakkerContext) -> None:
    """A message that is no command: the router knows which conversation, if any, it belongs to."""
    await context.services.router.route(update, context)


async def no_owner(update: Update, context: MakkerContext) -> None:
    """No conversation is under way: say what the person can do, unless the crisis help was just sent."""
    if not crisis_shown_for(update, context):
        await reply(update, context, "router.no_owner")


async def membership_changed(update: Update, context: MakkerContext) -> None:
    """Telegram tells when a person blocks or unblocks Makker; the outbox must know who can be written to."""
    change = update.my_chat_member
    if change is None or change.chat.type != change.chat.PRIVATE:
        return
    users = context.services.store.users
    if change.new_chat_member.status == change.new_chat_member.BANNED:
        await users.mark_blocked(change.from_user.id)
        logger.info("blocked_by_user user_id=%d", change.from_user.id)
    else:
        await users.clear_blocked(change.from_user.id)
        logger.info("unblocked_by_user user_id=%d", change.from_user.id)
