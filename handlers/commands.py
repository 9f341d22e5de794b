"""One handler for all of Makker's commands: PTB checks it once per update instead of once per command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from telegram import MessageEntity, Update
from telegram.ext import CommandHandler, filters

from bot.context import MakkerContext

CommandCallback = Callable[[Update, MakkerContext], Awaitable[None]]


def command_name(update: Update) -> str | None:
    """The command a message starts with, lower case and without the bot's @name, as CommandHandler reads it."""
    message = update.effective_message
    if message is None or not message.text or not message.entities:
        return None
    entity = message.entities[0]
    if entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    return message.text[1 : entity.length].split("@")[0].lower()


def command_handler(commands: Mapping[str, CommandCallback], chats: filters.BaseFilter) -> CommandHandler:  # type: ignore[type-arg]
    """A CommandHandler for every name in `commands` (PTB matches the name and the bot's @name, and fills in
    context.args), whose callback calls the one registered for the name."""
    table = {name.lower(): callback for name, callback in commands.items()}

    async def dispatch(update: Update, context: MakkerContext) -> None:
        callback = table.get(command_name(update) or "")
        if callback is not None:  # always, as CommandHandler admits only these names
            await callback(update, context)

    return CommandHandler(table.keys(), dispatch, filters=chats)
