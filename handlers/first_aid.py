"""Crisis first aid: the crisis message goes out the moment an update arrives, from memory only.

It runs on the raw update (bot/inbox_updater.py), before the update is stored and independently of
the database, so a locked or slow database never delays it. Language comes from what memory holds
(a language chosen with /language and seen since start-up) or the Telegram client's language; the
region from an intake draft held in memory, else every region is listed. The handlers that see the
update later (handlers/safety.py) ask `answered` and do not send it again; the detection's record is
theirs to write, after. They also take the verdict on the text from here (`verdict_for`) instead of
judging the same text a second time.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from telegram import Bot

from bot.buttons import CrisisButton, pack
from bot.clock import local_today
from bot.safety import CrisisSignal, detect_crisis
from bot.services import Services
from handlers.safety import crisis_text, intro_for

logger = logging.getLogger(__name__)

_COMMANDS = {"/krise", "/crisis"}
_REMEMBERED = 10_000
# Verdicts waiting for their update's handler; one is taken when the handler asks. Few wait at a time (the
# updates stored but not yet handled); the bound only drops those of updates that never reach a handler.
_VERDICTS_KEPT = 1_000
_CRISIS_BUTTON = pack(CrisisButton())

Judged = Callable[[str, CrisisSignal | None], None]


def crisis_intro(raw: dict[str, Any], judged: Judged | None = None) -> tuple[dict[str, Any], str] | None:
    """The private message or button press that calls for the crisis message, and which intro fits.

    `judged` is told the text and the detector's verdict whenever the detector ran."""
    query = raw.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if query.get("data") == _CRISIS_BUTTON and isinstance(message, dict) and _private(message):
            return query, "crisis.intro_command"
        return None
    for kind in ("message", "edited_message"):
        message = raw.get(kind)
        if isinstance(message, dict) and _private(message):
            text = message.get("text") if "text" in message else message.get("caption")
            if not isinstance(text, str) or not text:
                return None
            if text.startswith("/") and text.split(maxsplit=1)[0].split("@")[0].lower() in _COMMANDS:
                return message, "crisis.intro_command"
            signal = detect_crisis(text)
            if judged is not None:
                judged(text, signal)
            return (message, intro_for(signal)) if signal is not None else None
    return None


def _private(message: dict[str, Any]) -> bool:
    chat = message.get("chat")
    return isinstance(chat, dict) and chat.get("type") == "private" and isinstance(chat.get("id"), int)


class CrisisFirstAid:
    def __init__(self, bot: Bot, services: Services) -> None:
        self._bot = bot
        self._svc = services
        self._sends: OrderedDict[int, asyncio.Task[bool]] = OrderedDict()
        self._verdicts: OrderedDict[int, tuple[str, CrisisSignal | None]] = OrderedDict()

    def check(self, raw: dict[str, Any]) -> None:
        """Start the crisis reply for this update if it needs one; never waits for anything."""
        update_id = raw.get("update_id")
        if not isinstance(update_id, int) or update_id in self._sends:
            return  # asked for again while it was being stored: answered once
        try:
            found = crisis_intro(raw, lambda text, signal: self._keep_verdict(update_id, text, signal))
        except Exception as error:  # a strange update must never stop the loop that fetches the others
            logger.error("crisis_first_aid_check_failed update_id=%d error=%s", update_id, type(error).__name__)
            return
        if found is None:
            return
        logger.warning("crisis_first_aid update_id=%d", update_id)
        self._sends[update_id] = asyncio.get_running_loop().create_task(
            self._send(update_id, *found), name="crisis:first-aid"
        )
        if len(self._sends) > _REMEMBERED:
            self._sends.popitem(last=False)

    def verdict_for(self, update_id: int, text: str) -> CrisisSignal | None:
        """The detector's verdict on this update's text: the one made on arrival, taken once, else judged now.
        Judging once saves a whole second pass of the detector over every text."""
        kept = self._verdicts.pop(update_id, None)
        if kept is not None and kept[0] == text:
            return kept[1]
        return detect_crisis(text)

    def _keep_verdict(self, update_id: int, text: str, signal: CrisisSignal | None) -> None:
        self._verdicts[update_id] = (text, signal)
        if len(self._verdicts) > _VERDICTS_KEPT:
            self._verdicts.popitem(last=False)

    async def answered(self, update_id: int) -> bool:
        """Whether first aid sent the crisis message for this update (waits for a send under way)."""
        send = self._sends.get(update_id)
        if send is None:
            return False
        return await asyncio.shield(send)

    async def _send(self, update_id: int, source: dict[str, Any], intro_key: str) -> bool:
        try:
            person = source.get("from") if isinstance(source.get("from"), dict) else {}
            message = source.get("message") if "data" in source else source
            chat_id = message["chat"]["id"]
            user_id = person.get("id") if isinstance(person.get("id"), int) else None
            client_language = person.get("language_code") if isinstance(person.get("language_code"), str) else None
            language = self._svc.language_in_memory(user_id, client_language)
            intro = self._svc.catalogue.text(language, intro_key)
            body = intro + "\n\n" + crisis_text(self._svc, language, self._region(user_id))
            if "data" in source and isinstance(source.get("id"), str):
                await self._bot.answer_callback_query(source["id"])
            await self._bot.send_message(chat_id, body)
        except Exception as error:  # TelegramError above all; the handler sends it when the update is handled
            logger.warning("crisis_first_aid_failed update_id=%d error=%s", update_id, type(error).__name__)
            return False
        return True

    def _region(self, user_id: int | None) -> str | None:
        draft = self._svc.store.intake.cached_draft(user_id) if user_id is not None else None
        code = draft.answers.municipality_code if draft is not None else None
        if code is None:
            return None
        return self._svc.geography.region_of(code, local_today(self._svc.settings.zone)).code
