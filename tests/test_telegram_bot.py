"""MakkerBot's lean sends post exactly what PTB's own methods post, and cached keyboards serialise as PTB would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest
from telegram.ext import Defaults

from bot.telegram_bot import MakkerBot
from handlers.keyboards import SerialisedKeyboard
from tests.offline import OfflineBotApi

ROWS = [
    [InlineKeyboardButton("Ja", callback_data="c:yes")],
    [InlineKeyboardButton("Hjælp nu", callback_data="crisis"), InlineKeyboardButton("Nej", callback_data="c:no")],
]


@pytest.fixture
async def bot() -> AsyncIterator[tuple[MakkerBot, OfflineBotApi]]:
    api = OfflineBotApi()
    # Every default PTB's methods would apply to these calls, so that the comparison covers them.
    defaults = Defaults(
        parse_mode="HTML",
        disable_notification=True,
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    makker_bot = MakkerBot("123:ABC", request=api, get_updates_request=api, defaults=defaults)
    await makker_bot.initialize()
    api.calls.clear()
    yield makker_bot, api
    await makker_bot.shutdown()


def test_a_serialised_keyboard_is_the_data_ptb_would_send() -> None:
    assert SerialisedKeyboard(ROWS).to_dict() == InlineKeyboardMarkup(ROWS).to_dict()
    assert SerialisedKeyboard(ROWS) == InlineKeyboardMarkup(ROWS)


async def test_lean_sends_post_what_ptb_posts(bot: tuple[MakkerBot, OfflineBotApi]) -> None:
    makker_bot, api = bot
    keyboard = SerialisedKeyboard(ROWS)
    pairs = [
        (
            makker_bot.send_message(7, "Hej", reply_markup=InlineKeyboardMarkup(ROWS)),
            makker_bot.send_text(7, "Hej", keyboard),
        ),
        (makker_bot.send_message(7, "Hej"), makker_bot.send_text(7, "Hej")),
        (
            makker_bot.edit_message_text("Ny", chat_id=7, message_id=5, reply_markup=InlineKeyboardMarkup(ROWS)),
            makker_bot.edit_text(7, 5, "Ny", keyboard),
        ),
        (makker_bot.edit_message_text("Ny", chat_id=7, message_id=5), makker_bot.edit_text(7, 5, "Ny")),
        (
            makker_bot.edit_message_reply_markup(chat_id=7, message_id=5, reply_markup=InlineKeyboardMarkup(ROWS)),
            makker_bot.edit_keyboard(7, 5, keyboard),
        ),
        (makker_bot.edit_message_reply_markup(chat_id=7, message_id=5), makker_bot.edit_keyboard(7, 5, None)),
    ]
    for ptb_call, lean_call in pairs:
        await ptb_call
        await lean_call
        ptb, lean = api.calls[-2], api.calls[-1]
        assert (lean.method, lean.params) == (ptb.method, ptb.params)


async def test_send_text_returns_the_message_id_and_errors_are_ptbs(bot: tuple[MakkerBot, OfflineBotApi]) -> None:
    makker_bot, api = bot
    first, second = await makker_bot.send_text(7, "a"), await makker_bot.send_text(7, "b")
    assert second == first + 1
    api.fail_next["editMessageText"] = (400, "Bad Request: message is not modified", {})
    with pytest.raises(BadRequest, match="not modified"):
        await makker_bot.edit_text(7, first, "a")


async def test_a_press_too_old_to_answer_does_not_stop_the_handler(bot: tuple[MakkerBot, OfflineBotApi]) -> None:
    makker_bot, api = bot
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    api.fail_next["answerCallbackQuery"] = (400, too_old, {})
    assert await makker_bot.answer_callback_query("42") is False
    api.fail_next["answerCallbackQuery"] = (400, "Bad Request: message text is empty", {})
    with pytest.raises(BadRequest, match="text is empty"):
        await makker_bot.answer_callback_query("43")
