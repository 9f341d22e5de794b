"""Makker's Bot: PTB's ExtBot, plus sends for the conversation that skip reading Telegram's answer."""

from __future__ import annotations

import logging
import warnings
from typing import Any, cast

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.rate_limiter import RateLimitArgs

logger = logging.getLogger(__name__)

# The parameters PTB's methods leave to Defaults; PTB fills them in from the bot's Defaults, as it does for them.
_MESSAGE_DEFAULTS = dict.fromkeys(("parse_mode", "disable_notification", "protect_content"), BaseRequest.DEFAULT_NONE)
_TEXT_DEFAULTS = {**_MESSAGE_DEFAULTS, "link_preview_options": BaseRequest.DEFAULT_NONE}

# do_api_request suggests the typed method when one exists; Makker calls these on purpose for the raw answer.
_RAW_METHODS = "sendMessage|editMessageText|editMessageReplyMarkup|copyMessage|sendDocument|sendPhoto"
warnings.filterwarnings("ignore", message=rf"Please use 'Bot\.({_RAW_METHODS})'", category=PTBUserWarning)


class MakkerBot(ExtBot[RateLimitArgs]):
    """Telegram answers every send and edit with the whole message, keyboard included, and PTB's methods
    build a Message from it: some 200 attribute assignments and an object per button, a quarter of what
    an intake step costs on a two-core server (bench/README.md, "Updates"). The conversation never reads
    that answer, so its sends go through these methods. They use PTB's public `do_api_request`, which
    returns Telegram's raw answer, and post the same parameters as send_message, edit_message_text and
    edit_message_reply_markup and raise the same errors (tests/test_telegram_bot.py compares the two).
    Every call passes the rate limiter (bot/rate_limiter.py)."""

    async def send_text(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None) -> int:
        """sendMessage; returns the new message's id."""
        data = {"chat_id": chat_id, "text": text, "reply_markup": keyboard, **_TEXT_DEFAULTS}
        sent = await self._raw("sendMessage", data)
        return int(sent["message_id"])

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
    ) -> None:
        """editMessageText; without a keyboard the message loses the one it had."""
        data = {"chat_id": chat_id, "message_id": message_id, "text": text, "reply_markup": keyboard}
        await self._raw("editMessageText", data | _TEXT_DEFAULTS)

    async def edit_keyboard(self, chat_id: int, message_id: int, keyboard: InlineKeyboardMarkup | None) -> None:
        """editMessageReplyMarkup; None removes the keyboard."""
        data = {"chat_id": chat_id, "message_id": message_id, "reply_markup": keyboard}
        await self._raw("editMessageReplyMarkup", data | _MESSAGE_DEFAULTS)

    async def _raw(self, endpoint: str, data: dict[str, Any]) -> Any:
        return await self.do_api_request(endpoint, data)

    async def answer_callback_query(self, callback_query_id: str, *args: Any, **kwargs: Any) -> bool:
        """A press can be answered once and only for a short while. After a crash its update is replayed
        (bot/inbox.py) and can no longer be answered; the handler must still do its work and reply."""
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except BadRequest as error:
            if "query is too old" not in error.message and "query id is invalid" not in error.message.lower():
                raise
            logger.info("callback_answer_too_late")
            return False


def makker_bot(context: CallbackContext) -> MakkerBot:  # type: ignore[type-arg]
    """The application's bot, which build_application makes a MakkerBot."""
    return cast(MakkerBot, context.bot)
