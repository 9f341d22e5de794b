"""The composition root: builds Makker's Application with its handlers, jobs and services."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.flood import FloodGuard
from bot.i18n import LANGUAGES, Catalogue
from bot.outbox import OutboxDispatcher
from bot.services import SERVICES_KEY, Services, services
from bot.store import Store
from bot.update_processor import PerUserUpdateProcessor
from handlers import common, guards
from handlers.errors import on_error

logger = logging.getLogger(__name__)

SETTINGS_KEY = "settings"
MAX_CONCURRENT_UPDATES = 4096
MENU_COMMANDS = ("start", "help", "language")
UPDATE_MEMORY = timedelta(hours=48)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """Everything but the network loop; tests pass an offline request to run it without Telegram."""
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(Defaults(tzinfo=settings.zone))
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    application = builder.build()
    application.bot_data[SETTINGS_KEY] = settings
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    """All handlers in one place. Groups run in ascending order; within a group the first match wins."""
    private = filters.ChatType.PRIVATE
    # Guards first: a redelivered update stops before anything else, then flood control.
    application.add_handler(TypeHandler(Update, guards.drop_duplicate_update), group=-3)
    application.add_handler(TypeHandler(Update, guards.hold_back_flood), group=-2)

    application.add_handler(CommandHandler("start", common.start, filters=private))
    application.add_handler(CommandHandler("help", common.help_command, filters=private))
    application.add_handler(CommandHandler("language", common.language_command, filters=private))
    application.add_handler(CallbackQueryHandler(common.language_chosen, pattern=f"^{common.LANGUAGE_CALLBACK_PREFIX}"))

    # Last resorts: an unknown command, a button nobody handles, anything else in a private chat.
    application.add_handler(MessageHandler(filters.COMMAND & private, common.unknown_command))
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, common.not_understood))

    application.add_error_handler(on_error)


async def _post_init(application: Application) -> None:
    settings: Settings = application.bot_data[SETTINGS_KEY]
    store = await Store.open(settings.database_path)
    catalogue = Catalogue(settings.default_language)
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        store=store,
        catalogue=catalogue,
        flood=FloodGuard(settings.flood_max_updates, settings.flood_window_seconds),
    )
    await _set_command_menu(application, catalogue)
    _schedule_jobs(application, settings, OutboxDispatcher(store, catalogue))
    logger.info("started bot_id=%d", application.bot.id)


async def _post_shutdown(application: Application) -> None:
    services: Services | None = application.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        await services.store.close()
    logger.info("stopped")


async def _set_command_menu(application: Application, catalogue: Catalogue) -> None:
    """The command menu in Danish (also for clients in other languages) and English."""
    try:
        for language in (None, *LANGUAGES):
            commands = [
                BotCommand(name, catalogue.text(language or catalogue.default_language, f"commands.{name}"))
                for name in MENU_COMMANDS
            ]
            await application.bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
    except TelegramError as error:
        logger.warning("command_menu_failed error=%s", type(error).__name__)


def _schedule_jobs(application: Application, settings: Settings, dispatcher: OutboxDispatcher) -> None:
    """Recurring jobs by stable names, so a name doubles as the key that keeps one of each."""
    job_queue = application.job_queue
    if job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")

    async def dispatch_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
        await dispatcher.dispatch_due(context.bot)

    async def housekeeping(context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)
        await svc.store.updates.forget_older_than(UPDATE_MEMORY)
        svc.flood.forget_idle(time.monotonic())

    job_queue.run_repeating(dispatch_outbox, interval=settings.outbox_interval_seconds, first=1,
                            name="outbox:dispatch", job_kwargs={"max_instances": 1, "coalesce": True})
    job_queue.run_repeating(housekeeping, interval=timedelta(minutes=10), first=60,
                            name="housekeeping", job_kwargs={"max_instances": 1, "coalesce": True})
