"""/help, /language, blocking and unblocking, and the friendly answers to what nothing else handles."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.i18n import LANGUAGES
from bot.services import services

logger = logging.getLogger(__name__)

LANGUAGE_CALLBACK_PREFIX = "lang:"


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **params: object) -> None:
    """Answer in the person's language with a catalogue text."""
    text = await services(context).text_for(update.effective_user, key, **params)
    await context.bot.send_message(update.effective_chat.id, text)  # type: ignore[union-attr]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, "help.text")


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    catalogue = services(context).catalogue
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    catalogue.text(code, f"language.button_{code}"), callback_data=f"{LANGUAGE_CALLBACK_PREFIX}{code}"
                )
                for code in LANGUAGES
            ]
        ]
    )
    text = await services(context).text_for(update.effective_user, "language.prompt")
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard)  # type: ignore[union-attr]


async def language_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    language = query.data.removeprefix(LANGUAGE_CALLBACK_PREFIX)
    if language not in LANGUAGES:
        await stale_button(update, context)
        return
    await services(context).choose_language(query.from_user.id, language)
    logger.info("language_chosen user_id=%d language=%s", query.from_user.id, language)
    await query.answer()
    await query.edit_message_text(services(context).catalogue.text(language, "language.changed"))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from an old message or with forged data: say so kindly instead of failing."""
    query = update.callback_query
    if query is None:
        return
    logger.info("stale_button user_id=%d", query.from_user.id)
    await query.answer(await services(context).text_for(query.from_user, "errors.stale_button"), show_alert=True)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, "errors.unknown_command")


async def not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anything else in a private chat (text, sticker, photo ...) outside a conversation."""
    await reply(update, context, "errors.not_understood")


async def membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells when a person blocks or unblocks Makker; the outbox must know who can be written to."""
    change = update.my_chat_member
    if change is None or change.chat.type != change.chat.PRIVATE:
        return
    users = services(context).store.users
    if change.new_chat_member.status == change.new_chat_member.BANNED:
        await users.mark_blocked(change.from_user.id)
        logger.info("blocked_by_user user_id=%d", change.from_user.id)
    else:
        await users.clear_blocked(change.from_user.id)
        logger.info("unblocked_by_user user_id=%d", change.from_user.id)
