"""Makker's own CallbackContext: handlers and jobs reach the services as `context.services`, typed."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.services import SERVICES_KEY, Services


class MakkerContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """What PTB passes to every handler and job, with the services created at start-up."""

    __slots__ = ()

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]


CONTEXT_TYPES: ContextTypes[MakkerContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]] = ContextTypes(
    context=MakkerContext
)
