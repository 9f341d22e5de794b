"""Inline keyboards that are sent again and again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


class SerialisedKeyboard(InlineKeyboardMarkup):
    """A keyboard that turns itself into Bot API data once, when it is made.

    PTB walks every button of a keyboard on every send (about 0.2 ms for the 14 buttons of the target
    group question on a two-core server). Rendered intake questions are cached and sent to everyone
    at that step, so they pay that once. Keyboards are immutable, so the data stays right; PTB only
    reads it.
    """

    __slots__ = ("_data",)

    def __init__(self, inline_keyboard: Sequence[Sequence[InlineKeyboardButton]], **kwargs: Any) -> None:
        super().__init__(inline_keyboard, **kwargs)
        object.__setattr__(self, "_data", super().to_dict())

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        return self._data if recursive else super().to_dict(recursive)
