"""The composition root: builds Makker's Application with its handlers, jobs and services."""

from __future__ import annotations

import asyncio
import gc
import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import buttons, jobs
from bot.clock import utc_now
from bot.config import Settings
from bot.context import CONTEXT_TYPES
from bot.cpu import pin_to_one_cpu
from bot.crisis_model import load_model
from bot.flood import FloodGuard
from bot.i18n import LANGUAGES, Catalogue
from bot.inbox import Inbox
from bot.inbox_updater import InboxUpdater
from bot.matches import build_match_service
from bot.matchmaker import Matchmaker
from bot.outbox import OutboxDispatcher
from bot.peer_profile import build_peer_services
from bot.peer_texts import render as render_peer_text
from bot.rate_limiter import MakkerRateLimiter
from bot.relay import Relay
from bot.router import Conversation, Kind, Router
from bot.services import SERVICES_KEY, Services
from bot.shutdown import BoundedRequest, install_stop_signals
from bot.store import Store
from bot.telegram_bot import MakkerBot
from bot.update_processor import PerUserUpdateProcessor
from handlers import (
    common,
    guards,
    intake,
    match,
    match_safety,
    offers,
    peer_apply,
    peer_profile,
    peer_review,
    peer_self,
    privacy,
    relay,
    safety,
)
from handlers.buttons import dispatcher as button_dispatcher
from handlers.commands import command_handler
from handlers.errors import on_error
from handlers.first_aid import CrisisFirstAid
from handlers.intake_views import IntakeViews
from matching.catalogue import load_initiatives
from matching.geo import default_geography

logger = logging.getLogger(__name__)

SETTINGS_KEY = "settings"
DISPATCHER_KEY = "outbox_dispatcher"
REQUESTS_KEY = "requests"
# The clock of the peers' services (offers, matches, the relay), utc_now unless a test puts its own here before
# start-up, to move time across a restart (tests/test_offer_clock.py).
CLOCK_KEY = "clock"
# How long a stopping bot lets outbox sends under way finish: within the five seconds a stop may take.
SHUTDOWN_SEND_SECONDS = 2.0
# PTB holds its concurrency slot while an update waits for the same person's earlier one, so the limit is
# generous: a person who floods the bot must not use up the slots everyone else needs.
MAX_CONCURRENT_UPDATES = 4096
MENU_COMMANDS = {
    "da": ("start", "krise", "forslag", "peer", "mine", "profil", "mydata", "delete", "cancel", "language", "help"),
    "en": (
        "start",
        "crisis",
        "suggestions",
        "peer",
        "matches",
        "profile",
        "mydata",
        "delete",
        "cancel",
        "language",
        "help",
    ),
}
# Coordinators (ADMIN_IDS) see their review command in their own chat's menu as well.
COORDINATOR_COMMANDS = {"da": ("ansoegninger",), "en": ("applications",)}
# Which handler answers each kind of button; the dispatcher refuses to start when a kind has none.
BUTTON_HANDLERS = {
    buttons.CrisisButton: safety.crisis_button,
    buttons.LanguageButton: common.language_chosen,
    buttons.ConsentButton: intake.consent_answer,
    buttons.ResumeButton: intake.resume_answer,
    buttons.IntakeButton: intake.button,
    buttons.SuggestionButton: match.choose,
    buttons.PrivacyButton: privacy.delete_answer,
    buttons.OfferButton: offers.answer,
    buttons.PeerEntryButton: peer_apply.entry_answer,
    buttons.PeerApplyButton: peer_apply.button,
    buttons.ReviewButton: peer_review.review_button,
    buttons.ProfileButton: peer_profile.profile_button,
    buttons.ProfileEditButton: peer_profile.edit_button,
    buttons.ContactButton: match_safety.contact_answer,
    buttons.ReportButton: match_safety.report_skipped,
    buttons.SuspendButton: match_safety.suspend_pressed,
}

# The conversations that can own a person's typed messages (bot/router.py); the router hands each message to one.
CONVERSATIONS = (
    Conversation(Kind.INTAKE, intake.on_message),
    Conversation(Kind.RELAY, relay.on_message),
    Conversation(Kind.PEER_APPLICATION, peer_apply.on_message),
    Conversation(Kind.APPLICATION_REVIEW, peer_review.on_reason),
    Conversation(Kind.PEER_PROFILE, peer_profile.on_message),
    Conversation(Kind.REPORT, match_safety.on_report_message),
)


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
        rate_limiter=MakkerRateLimiter(settings.outbox_rate_per_second, global_limit=settings.telegram_global_limit),
    )
    application = (
        ApplicationBuilder()
        # Makker's own getUpdates loop and webhook: every update is stored before Telegram hears it arrived.
        .updater(InboxUpdater(bot, asyncio.Queue()))
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_stop(_post_stop)
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

    # Group 0, first match wins: commands that work at any moment (one handler, which calls the one for the
    # name), then the conversation.
    commands = [
        ("start", peer_apply.start),
        ("help", common.help_command),
        ("language", common.language_command),
        ("krise", safety.crisis_command),
        ("crisis", safety.crisis_command),
        ("cancel", peer_apply.cancel),
        ("mydata", privacy.my_data),
        ("delete", privacy.delete_command),
        ("forslag", match.suggestions_command),
        ("suggestions", match.suggestions_command),
        ("afslut", relay.end_command),
        ("end", relay.end_command),
        ("peer", peer_apply.peer_command),
        ("bliv_peer", peer_apply.peer_command),
        ("ansoegninger", peer_review.applications_command),
        ("applications", peer_review.applications_command),
        # A peer's own: the profile, a pause, their matches and offers, the initiatives for peers.
        ("profil", peer_profile.profile_command),
        ("profile", peer_profile.profile_command),
        ("pause", peer_self.pause_command),
        ("resume", peer_self.resume_command),
        ("genoptag", peer_self.resume_command),
        ("mine", peer_self.mine_command),
        ("matches", peer_self.mine_command),
        ("peertilbud", peer_self.for_peers_command),
        ("for_peers", peer_self.for_peers_command),
        ("kontakt", match_safety.contact_command),
        ("contact", match_safety.contact_command),
        ("rapporter", match_safety.report_command),
        ("report", match_safety.report_command),
        ("suspender", match_safety.suspend_command),
        ("suspend", match_safety.suspend_command),
        ("genaktiver", match_safety.reactivate_command),
        ("reactivate", match_safety.reactivate_command),
    ]
    application.add_handler(command_handler(dict(commands), private))
    # Every button, by its kind in bot/buttons.py; forged, stale and malformed presses end in this one handler too.
    application.add_handler(CallbackQueryHandler(button_dispatcher(BUTTON_HANDLERS)))
    # An edit of a relayed message follows it to the other side, or the writer is told it did not.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, relay.on_edit))
    # Free text, photos, voice notes ...: to the conversation that owns the person's messages, or a word on what to do.
    # A message with text is never a status update (Telegram's service messages carry none), so text skips the check
    # of all 40-odd kinds of status update.
    not_a_status_update = filters.TEXT | ~filters.StatusUpdate.ALL
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & private & ~filters.COMMAND & not_a_status_update, common.route_message
        )
    )

    application.add_handler(ChatMemberHandler(common.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))

    # Last resort: an unknown command.
    application.add_handler(MessageHandler(filters.COMMAND & private, common.unknown_command))

    application.add_error_handler(on_error)


async def _post_init(application: Application) -> None:
    settings: Settings = application.bot_data[SETTINGS_KEY]
    if settings.pin_to_one_cpu:  # before the database thread starts, which then inherits it
        logger.info("cpu_pinned cpu=%s", pin_to_one_cpu())
    geography = default_geography()
    store = await Store.open(settings.database_path, geography)
    catalogue = Catalogue(settings.default_language)
    inbox = Inbox(store, application.bot, application.update_queue.put, settings.admin_ids)
    svc = application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        store=store,
        catalogue=catalogue,
        flood=FloodGuard(settings.flood_max_updates, settings.flood_window_seconds),
        inbox=inbox,
        geography=geography,
        matchmaker=Matchmaker(store, geography, settings.match_weights(), settings.match_limits()),
        intake_views=IntakeViews(catalogue, geography),
        router=Router(store.owners, CONVERSATIONS, no_owner=common.no_owner),
    )
    svc.first_aid = CrisisFirstAid(application.bot, svc)
    load_model()  # read now (about 0.13 s), not while the first person in crisis waits for the answer
    clock = application.bot_data.get(CLOCK_KEY, utc_now)
    svc.matches = build_match_service(store, svc.matchmaker, settings, clock=clock)
    svc.relay = Relay(store, clock)
    svc.peers, svc.profiles = build_peer_services(store, svc.matches, svc.matchmaker, settings)
    _wire_inbox(application, inbox, svc.first_aid)
    if await store.initiatives.count() == 0:
        result = await store.initiatives.import_all(load_initiatives())
        logger.info("initiatives_loaded added=%d", result.added)
    resent, unknown = await store.outbox.recover_after_crash()
    if resent or unknown:
        logger.warning("outbox_recovered resent=%d unknown=%d", resent, unknown)
    await _set_command_menu(application, catalogue)
    dispatcher = OutboxDispatcher(
        store,
        catalogue,
        per_second=settings.outbox_rate_per_second,
        render=lambda language, key, params: render_peer_text(
            catalogue, language, key, params, geography=geography, zone=settings.zone
        ),
    )
    application.bot_data[DISPATCHER_KEY] = dispatcher
    jobs.schedule(application, settings, dispatcher)
    install_stop_signals(application, application.bot_data[REQUESTS_KEY])
    assert application.job_queue is not None
    application.job_queue.run_once(_coordinator_menus_job, when=1, name="menus:coordinators")
    logger.info("started bot_id=%d", application.bot.id)


def freeze_start_up_objects() -> None:
    """What start-up built (geography, catalogues, PTB, caches) lives as long as the process: taken out of
    the collector's view, a full collection no longer walks it and pauses for about 5 ms instead of 35.
    Start-up's garbage is collected first, so that none of it is kept for good. Called by the command that
    runs the bot (bot/__main__.py), after start-up, not by every test that builds the application."""
    gc.collect()
    gc.freeze()


async def _post_stop(application: Application) -> None:
    """Sends under way finish before the connections close; a row still unfinished stays 'sending' and is
    settled at the next start (bot/outbox.py)."""
    dispatcher: OutboxDispatcher | None = application.bot_data.get(DISPATCHER_KEY)
    if dispatcher is not None:
        await dispatcher.drain(SHUTDOWN_SEND_SECONDS)


def _wire_inbox(application: Application, inbox: Inbox, first_aid: CrisisFirstAid) -> None:
    """The updater stores and hands over updates, the processor reports them handled."""
    updater = application.updater
    if isinstance(updater, InboxUpdater):
        updater.inbox = inbox
        updater.first_aid = first_aid
    processor = application.update_processor
    if isinstance(processor, PerUserUpdateProcessor):
        processor.on_handled = inbox.handled


async def _post_shutdown(application: Application) -> None:
    services: Services | None = application.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        await services.inbox.flush()
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


async def _coordinator_menus_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    await _set_coordinator_menus(context.application, context.application.bot_data[SERVICES_KEY].catalogue)


async def _set_coordinator_menus(application: Application, catalogue: Catalogue) -> None:
    """Each coordinator's own chat also lists the review command. A job once Makker runs, not part of start-up:
    start-up is over when the public menu is set, and a stop signal must not meet these calls half-way."""
    settings: Settings = application.bot_data[SETTINGS_KEY]
    for coordinator in settings.admin_ids:
        try:
            for language in (None, *LANGUAGES):
                shown_in = language or catalogue.default_language
                names = MENU_COMMANDS[shown_in] + COORDINATOR_COMMANDS[shown_in]
                commands = [BotCommand(name, catalogue.text(shown_in, f"commands.{name}")) for name in names]
                scope = BotCommandScopeChat(coordinator)
                await application.bot.set_my_commands(commands, scope=scope, language_code=language)
        except TelegramError as error:  # e.g. a coordinator who has not written to Makker yet
            logger.warning("coordinator_menu_failed error=%s", type(error).__name__)
