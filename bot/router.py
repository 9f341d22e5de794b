"""Who gets a person's free text, photo or voice note: one place decides, from one row in SQLite.

A conversation that expects the person to type (the intake, a peer application, a relay with one of the person's
matches, an admin composing a broadcast, a check-in comment) claims the person before it asks, and releases them
when it is done. Claims are written before the question goes out (state before speech), in the same transaction
as the conversation's own state where it has any (see IntakeRepository). The newest claim wins: the person's last
step decides where their next message goes, and a conversation that lost the person takes them back by claiming
again (a "reply" button, the next intake question). A release only removes the releasing conversation's own claim,
so a conversation that finishes never takes the person from another. With no owner, the person is told what they
can do, and nothing they wrote is stored or passed on.

The crisis check and the guards run before the router (bot/app.py), as for every update. A conversation sees a
message the crisis check answered too, and decides itself what to do with it (handlers.safety.crisis_shown_for).

To plug in a conversation: give it a Kind, register a Conversation with that kind and its message handler in
bot/app.py (CONVERSATIONS), call `router.claim(user_id, Kind.X, ref)` before asking the person to type, and
`router.release(user_id, Kind.X, ref)` when the conversation ends. The handler returns False when it no longer
has anything under way for the person: the router then releases the claim and answers as if there were no owner.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from telegram import Update

from bot.store.owners import Claim, OwnerRepository

if TYPE_CHECKING:
    from bot.context import MakkerContext

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    """The kinds of conversation that can own a person's messages; the value is stored."""

    INTAKE = "intake"
    PEER_APPLICATION = "peer_application"
    APPLICATION_REVIEW = "application_review"  # a coordinator typing the reason for a rejection
    PEER_PROFILE = "peer_profile"  # a peer typing an answer of their profile (handlers/peer_profile.py)
    RELAY = "relay"
    BROADCAST = "broadcast"
    CHECKIN = "checkin"
    REPORT = "report"  # /rapporter waits for the reporter's own words; ref is the match


OnMessage = Callable[[Update, "MakkerContext", Claim], Awaitable[bool]]
NoOwner = Callable[[Update, "MakkerContext"], Awaitable[None]]


@dataclass(frozen=True)
class Conversation:
    """A conversation that can own a person's messages: its kind, and what it does with one of them."""

    kind: Kind
    on_message: OnMessage


class Router:
    def __init__(self, owners: OwnerRepository, conversations: Iterable[Conversation], no_owner: NoOwner) -> None:
        self._owners = owners
        self._no_owner = no_owner
        self._conversations: dict[str, Conversation] = {}
        for conversation in conversations:
            self.register(conversation)

    def register(self, conversation: Conversation) -> None:
        if conversation.kind in self._conversations:
            raise ValueError(f"a conversation of kind {conversation.kind} is registered already")
        self._conversations[conversation.kind] = conversation

    async def owner(self, user_id: int) -> Claim | None:
        """The claim that owns the person's messages; from memory after the first read."""
        return await self._owners.owner(user_id)

    async def claim(self, user_id: int, kind: Kind, ref: int | None = None) -> Claim | None:
        """The person's next messages go to this conversation; returns the claim it replaced, if any."""
        if kind not in self._conversations:
            raise ValueError(f"no conversation of kind {kind} is registered")
        previous = await self._owners.claim(user_id, Claim(kind, ref))
        logger.info(
            "conversation_claimed user_id=%d kind=%s replaced=%s", user_id, kind, previous.kind if previous else "-"
        )
        return previous

    async def release(self, user_id: int, kind: Kind, ref: int | None = None) -> bool:
        """Done: the person's messages go nowhere, unless another conversation has claimed them since."""
        released = await self._owners.release(user_id, kind, ref)
        if released:
            logger.info("conversation_released user_id=%d kind=%s", user_id, kind)
        return released

    async def route(self, update: Update, context: MakkerContext) -> None:
        """Hand a message to the conversation that owns its sender, or answer that nothing is under way."""
        user = update.effective_user
        if user is None:
            return
        claim = await self._owners.owner(user.id)
        conversation = self._conversations.get(claim.kind) if claim else None
        if claim is not None and conversation is None:
            logger.warning("conversation_unknown user_id=%d kind=%s", user.id, claim.kind)
        if claim is not None and conversation is not None:
            if await conversation.on_message(update, context, claim):
                return
            await self._owners.release(user.id, claim.kind, claim.ref)
            logger.info("conversation_ended_unseen user_id=%d kind=%s", user.id, claim.kind)
        await self._no_owner(update, context)
