"""The one handler for every button press: parse the data into its typed button, hand it to the handler of its
kind, and make sure the press is answered exactly once.

Whatever cannot be acted on ends here with a friendly answer and nothing else: data that bot/buttons.py did not
produce (forged, malformed, from an older format), a button a handler finds stale (it raises StaleButton before
changing anything), a message too old for Telegram to show. A press without a message (an inline button from
another chat) is answered and ignored: there is no conversation to act in.

A button that destroys something (erases, withdraws consent, wipes answers, ends a match) must be able to tell
that it is still the question the person sees: it carries what it was shown for (ConsentButton.shown_for), or its
handler checks the state it was offered in or the message's age (privacy.DELETE_CONFIRMATION_MAX_AGE), and asks
again or raises StaleButton otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram import CallbackQuery, Message, Update, User

from bot import buttons
from bot.context import MakkerContext

logger = logging.getLogger(__name__)

STALE_KEY = "errors.stale_button"


class StaleButton(Exception):
    """Raised by a button handler, before it changes anything, when the press does not fit the person's state."""

    def __init__(self, key: str = STALE_KEY) -> None:
        super().__init__(key)
        self.key = key


class Press:
    """One press of a button: who pressed, where, and an answer that can be given only once."""

    def __init__(self, update: Update, query: CallbackQuery) -> None:
        self.update = update
        self.query = query
        self.answered = False

    @property
    def user(self) -> User:
        return self.query.from_user

    @property
    def chat_id(self) -> int:
        assert self.query.message is not None  # the dispatcher admits no press without a message
        return self.query.message.chat.id

    @property
    def message(self) -> Message:
        """The message the button is on; one too old for Telegram to show cannot be edited, so it is stale."""
        message = self.query.message
        # PTB reads an inaccessible message (date 0) of a callback query as a Message: is_accessible tells.
        if not isinstance(message, Message) or not message.is_accessible:
            raise StaleButton()
        return message

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Stop the button's spinner, optionally with a note; a second call does nothing."""
        if self.answered:
            logger.warning("button_answered_twice user_id=%d", self.user.id)
            return
        self.answered = True
        await self.query.answer(text, show_alert=True if alert else None)  # unsent when False, as Telegram's default


ButtonHandler = Callable[[Press, MakkerContext, Any], Awaitable[None]]


def dispatcher(handlers: Mapping[type, ButtonHandler]) -> Callable[[Update, MakkerContext], Awaitable[None]]:
    """The callback for PTB's CallbackQueryHandler; every registered kind of button must have its handler."""
    missing = [kind.cls.__name__ for kind in buttons.kinds() if kind.cls not in handlers]
    if missing:
        raise ValueError(f"buttons without a handler: {', '.join(missing)}")
    table = dict(handlers)

    async def on_button(update: Update, context: MakkerContext) -> None:
        query = update.callback_query
        if query is None:
            return
        if query.message is None:
            logger.info("button_without_message user_id=%d", query.from_user.id)
            await query.answer()
            return
        press = Press(update, query)
        pressed = buttons.parse(query.data)
        if pressed is None:
            logger.info("button_unknown user_id=%d", query.from_user.id)
            await refuse(press, context, STALE_KEY)
            return
        try:
            await table[type(pressed)](press, context, pressed)
        except StaleButton as stale:
            logger.info("button_stale user_id=%d kind=%s", query.from_user.id, type(pressed).__name__)
            await refuse(press, context, stale.key)
            return
        except Exception:
            if not press.answered:  # the error handler tells the person; the spinner stops here
                press.answered = True
                await _answer_quietly(query)
            raise
        if not press.answered:
            await press.answer()

    return on_button


async def refuse(press: Press, context: MakkerContext, key: str) -> None:
    """A kind word instead of an action: on the button when it is still unanswered, else as a message."""
    text = await context.services.text_for(press.user, key)
    if not press.answered:
        await press.answer(text, alert=True)
    else:
        await context.bot.send_message(press.chat_id, text)


async def _answer_quietly(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except Exception:  # the original error is the one worth reporting
        logger.warning("button_answer_failed user_id=%d", query.from_user.id)
