"""The anonymous relay between a person and their peer: the router's RELAY conversation (bot/router.py).

Each message is copied straight from the handler with copyMessage and protect_content (never forwarded: no name
or profile travels, and neither side can forward the other's words on). Directly, not through the outbox: a
relayed message is a live conversation and waits for no outbox tick, and the inbox (bot/inbox.py) already hands
each update to the handler once. A message already relayed (the relay map holds it) is not copied again, so a
replayed update sends nothing twice; only a crash between the copy and the map's row can duplicate a message,
which beats losing it. Replies thread through the relay map in SQLite; a peer with several conversations sees
"Fra Makker-samtale #n" above each message and answers by replying, or by choosing the conversation.
"""

from __future__ import annotations

import logging

from telegram import Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden

from bot.context import MakkerContext
from bot.outcomes import Refusal, Result
from bot.relay import EditTarget, Relay, Route
from bot.router import Kind
from bot.store import matches as rows
from bot.store.matches import RelayedMessage
from bot.store.owners import Claim
from handlers.peer_replies import matches, text_of
from handlers.safety import crisis_shown_for

logger = logging.getLogger(__name__)


def relay(context: MakkerContext) -> Relay:
    service = context.services.relay
    assert service is not None, "built at start-up (bot/app.py)"
    return service


async def on_message(update: Update, context: MakkerContext, claim: Claim) -> bool:
    """Copy the message to the other side of its match, or tell the writer plainly why it was not."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return True
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    service = relay(context)
    conversation = claim.ref if reply_to is None else None
    route = await service.route(user.id, reply_to=reply_to, conversation=conversation, message_id=message.message_id)
    if isinstance(route, Result) and route.refusal is Refusal.NOT_FOUND and claim.ref is not None:
        # the chosen conversation ended: the only one left
        route = await service.route(user.id, reply_to=reply_to, message_id=message.message_id)
    if isinstance(route, Result):
        logger.info("relay_refused user_id=%d refusal=%s", user.id, route.refusal)
        await message.reply_text(await text_of(context, user, route))
        if route.refusal is Refusal.NO_OPEN_MATCH:
            await context.services.router.release(user.id, Kind.RELAY, claim.ref)
        return True
    if route.copied_before:
        return True  # a replayed update: copied before
    try:
        copied = await _copy(context, message, route)
    except Forbidden:
        logger.info("relay_recipient_blocked match_id=%d", route.match_id)
        await message.reply_text(await context.services.text_for(user, "relay_chat.not_delivered"))
        return True
    await service.record(RelayedMessage(route.match_id, user.id, message.message_id, route.to_chat, copied))
    logger.info("relayed match_id=%d", route.match_id)
    if crisis_shown_for(update, context):
        # The writer got the crisis message from the safety check; the peer is told gently, once.
        await service.crisis_shown(route.match_id, user.id, message.message_id)
    return True


async def _copy(context: MakkerContext, message: Message, route: Route) -> int:
    if route.labelled and route.number is not None:
        language = context.services.catalogue.pick_language(*route.languages)
        await context.bot.send_message(
            route.to_chat,
            context.services.catalogue.text(language, "peer_match.from_conversation", number=route.number),
        )
    reply = ReplyParameters(route.reply_to, allow_sending_without_reply=True) if route.reply_to else None
    copied = await context.bot.copy_message(
        route.to_chat, message.chat_id, message.message_id, protect_content=True, reply_parameters=reply
    )
    return copied.message_id


async def on_edit(update: Update, context: MakkerContext) -> None:
    """An edited message: the copy is edited too while the match is open; otherwise the writer is told."""
    message, user = update.edited_message, update.effective_user
    if message is None or user is None:
        return
    target = await relay(context).edit_target(user.id, message.message_id)
    if isinstance(target, Result):
        if target.refusal is not Refusal.NOT_FOUND:  # not a relayed message: an edit of words to Makker itself
            await context.bot.send_message(message.chat_id, await text_of(context, user, target))
        return
    await _edit(context, message, target, user.id)


async def _edit(context: MakkerContext, message: Message, target: EditTarget, user_id: int) -> None:
    try:
        if message.text is not None:
            await context.bot.edit_message_text(message.text, target.to_chat, target.to_message)
        elif message.caption is not None:
            await context.bot.edit_message_caption(target.to_chat, target.to_message, caption=message.caption)
        else:
            raise BadRequest("media edits are not passed on")
    except BadRequest:
        logger.info("relay_edit_not_passed user_id=%d", user_id)
        text = await context.services.text_for(message.from_user, "relay_chat.edit_not_passed_media")
        await context.bot.send_message(message.chat_id, text)


async def end_command(update: Update, context: MakkerContext) -> None:
    """/afslut [number] [reason]: end the conversation; the other side is told only that it ended."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    args = list(context.args or [])
    number = int(args.pop(0)) if args and args[0].isascii() and args[0].isdigit() and len(args[0]) < 10 else None
    route = await relay(context).route(user.id, conversation=number)
    if isinstance(route, Result):
        await message.reply_text(await text_of(context, user, route))
        return
    reason = args[0] if args else None
    result = await matches(context).end_match(user.id, route.match_id, reason)
    if result.ok and not await _any_open(context, user.id):
        await context.services.router.release(user.id, Kind.RELAY)
    await message.reply_text(await text_of(context, user, result))


async def _any_open(context: MakkerContext, user_id: int) -> bool:
    return bool(
        await context.services.store.db.read(lambda connection: rows.matches_of(connection, user_id, state="open"))
    )
