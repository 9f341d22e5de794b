"""The composition root: builds Makker's Application with its handlers, jobs and services."""

from __future__ import annotations

import gc
import logging

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import jobs
from bot.config import Settings
from bot.cpu import pin_to_one_cpu
from bot.dedup import UpdateDeduplicator
from bot.flood import FloodGuard
from bot.i18n import LANGUAGES, Catalogue
from bot.matchmaker import Matchmaker
from bot.outbox import OutboxDispatcher
from bot.services import SERVICES_KEY, Services
from bot.shutdown import BoundedRequest, install_stop_signals
from bot.store import Store
from bot.telegram_bot import MakkerBot
from bot.update_processor import PerUserUpdateProcessor
from handlers import common, guards, intake, match, privacy, safety
from handlers.errors import on_error
from handlers.intake_views import INTAKE_PREFIX, IntakeViews
from matching.catalogue import load_initiatives
from matching.geo import default_geography

logger = logging.getLogger(__name__)

SETTINGS_KEY = "settings"
REQUESTS_KEY = "requests"
# PTB holds its concurrency slot while an update waits for the same person's earlier one, so the limit is
# generous: a person who floods the bot must not use up the slots everyone else needs.
MAX_CONCURRENT_UPDATES = 4096
MENU_COMMANDS = {
    "da": ("start", "krise", "forslag", "mydata", "delete", "cancel", "language", "help"),
    "en": ("start", "crisis", "suggestions", "mydata", "delete", "cancel", "language", "help"),
}


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """Everything but the network loop; tests pass an offline request to run it without Telegram."""
    # PTB's own choices when it builds the connections: a pool of 256 to send, one to poll; bounded, so
    # that a stop signal ends every call to Telegram in time (bot/shutdown.py).
    send_request = request or BoundedRequest(connection_pool_size=256)
    poll_request = get_updates_request or request or BoundedRequest(connection_pool_size=1)
    bot = MakkerBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        base_file_url=settings.bot_api_file_url,
        request=send_request,
        get_updates_request=poll_request,
        defaults=Defaults(tzinfo=settings.zone),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SETTINGS_KEY] = settings
    application.bot_data[REQUESTS_KEY] = (send_request, poll_request)
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    """All handlers in one place. Groups run in ascending order; within a group the first match wins."""
    private = filters.ChatType.PRIVATE
    # Guards first: a redelivered update stops before anything else, then flood control.
    application.add_handler(TypeHandler(Update, guards.admit), group=-2)

    # The crisis check sees every text and caption first, in its own group so that it never
    # keeps the conversation from answering too.
    application.add_handler(MessageHandler((filters.TEXT | filters.CAPTION) & private, safety.check_message), group=-1)

    # Group 0, first match wins: commands that work at any moment, then the conversation.
    commands = [
        ("start", intake.start),
        ("help", common.help_command),
        ("language", common.language_command),
        ("krise", safety.crisis_command),
        ("crisis", safety.crisis_command),
        ("cancel", intake.cancel),
        ("mydata", privacy.my_data),
        ("delete", privacy.delete_command),
        ("forslag", match.suggestions_command),
        ("suggestions", match.suggestions_command),
    ]
    for name, callback in commands:
        application.add_handler(CommandHandler(name, callback, filters=private))
    buttons = [
        (f"^{common.LANGUAGE_CALLBACK_PREFIX}", common.language_chosen),
        (f"^{safety.CRISIS_CALLBACK}$", safety.crisis_command),
        (f"^{intake.CONSENT_PREFIX}:", intake.consent_answer),
        (f"^{intake.RESUME_PREFIX}:", intake.resume_answer),
        (f"^{INTAKE_PREFIX}:", intake.button),
        (f"^{privacy.DELETE_PREFIX}", privacy.delete_answer),
        (f"^{match.MATCH_PREFIX}", match.choose),
    ]
    for pattern, callback in buttons:
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, intake.message
        )
    )

    application.add_handler(ChatMemberHandler(common.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))

    # Last resorts: an unknown command, a button nobody handles.
    application.add_handler(MessageHandler(filters.COMMAND & private, common.unknown_command))
    application.add_handler(CallbackQueryHandler(common.stale_button))

    application.add_error_handler(on_error)


async def _post_init(application: Application) -> None:
    settings: Settings = application.bot_data[SETTINGS_KEY]
    if settings.pin_to_one_cpu:  # before the database thread starts, which then inherits it
        logger.info("cpu_pinned cpu=%s", pin_to_one_cpu())
    geography = default_geography()
    store = await Store.open(settings.database_path, geography)
    catalogue = Catalogue(settings.default_language)
    dedup = UpdateDeduplicator(store.updates)
    await dedup.load()
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        store=store,
        catalogue=catalogue,
        flood=FloodGuard(settings.flood_max_updates, settings.flood_window_seconds),
        dedup=dedup,
        geography=geography,
        matchmaker=Matchmaker(store, geography, settings.match_weights(), settings.match_limits()),
        intake_views=IntakeViews(catalogue, geography),
    )
    if await store.initiatives.count() == 0:
        result = await store.initiatives.import_all(load_initiatives())
        logger.info("initiatives_loaded added=%d", result.added)
    await _set_command_menu(application, catalogue)
    jobs.schedule(application, settings, OutboxDispatcher(store, catalogue))
    # What start-up built (geography, catalogues, PTB, caches) lives as long as the process: taken out of
    # the collector's view, a full collection no longer walks it and pauses for about 5 ms instead of 35.
    # Start-up's garbage is collected first, so that none of it is kept for good.
    gc.collect()
    gc.freeze()
    install_stop_signals(application, application.bot_data[REQUESTS_KEY])
    logger.info("started bot_id=%d", application.bot.id)


async def _post_shutdown(application: Application) -> None:
    services: Services | None = application.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        await services.dedup.flush()
        await services.store.close()
    logger.info("stopped")


async def _set_command_menu(application: Application, catalogue: Catalogue) -> None:
    """The command menu in Danish (also for clients in other languages) and English."""
    try:
        for language in (None, *LANGUAGES):
            shown_in = language or catalogue.default_language
            commands = [
                BotCommand(name, catalogue.text(shown_in, f"commands.{name}")) for name in MENU_COMMANDS[shown_in]
            ]
            await application.bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
    except TelegramError as error:
        logger.warning("command_menu_failed error=%s", type(error).__name__)
