"""A peer's own commands through the real process: /profil, /pause until a date (and a date that cannot be), /mine,
and the pause ending by itself after a restart of the bot."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalogue
from bot.store import Store
from matching.geo import default_geography
from tests.e2e.conftest import BotProcess
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi
from tests.test_match_handlers import peer

pytestmark = pytest.mark.e2e

PEER = 7301
TEXTS = Catalogue()


async def _add_peer(database: Path) -> None:
    store = await Store.open(database, default_geography())
    try:
        await store.peers.save(peer(PEER), "Sol")
    finally:
        await store.close()


def _peer_row(bot: BotProcess) -> sqlite3.Row:
    with sqlite3.connect(bot.database) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM peers WHERE user_id = ?", (PEER,)).fetchone()
    assert row is not None
    return row


def _reach(bot: BotProcess) -> int:
    with sqlite3.connect(bot.database) as db:
        return int(db.execute("SELECT COUNT(*) FROM peer_reach").fetchone()[0])


def test_a_pause_until_a_date_ends_by_itself_after_a_restart(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    asyncio.run(_add_peer(bot.database))
    sol = Person(api, PEER)
    sol.say("/profil", TEXTS.text("da", "peer_self.profile.status_active"))
    last_day = datetime.now(ZoneInfo("Europe/Copenhagen")).date() + timedelta(days=2)
    shown = f"{last_day:%d.%m.%Y}"
    sol.say(f"/pause {shown}", TEXTS.text("da", "peer.paused_until", until=shown))
    row = _peer_row(bot)
    assert row["status"] == "paused" and row["paused_until"] is not None and _reach(bot) == 0
    sol.say("/pause 31.02.2027", TEXTS.text("da", "peer_self.pause.date_malformed"))
    sol.say("/mine", TEXTS.text("da", "peer_self.mine.nothing_paused"))
    assert bot.stop() == 0

    # The last day has passed while the bot was down: the pause ends at the next start, said once.
    with sqlite3.connect(bot.database) as db:
        db.execute("UPDATE peers SET paused_until = '2000-01-01T00:00:00.000000Z' WHERE user_id = ?", (PEER,))
    sol.mark = api.mark()
    bot.start()
    sol.wait(TEXTS.text("da", "peer.resumed_by_date"))
    assert _peer_row(bot)["status"] == "approved" and _reach(bot) > 0
    assert bot.stop() == 0
    ended = [m for m in api.messages(PEER) if m.get("text") == TEXTS.text("da", "peer.resumed_by_date")]
    assert len(ended) == 1
