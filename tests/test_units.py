"""Pure pieces without Telegram: the catalogues, flood control and per-user ordering."""

from __future__ import annotations

import asyncio
import string

from telegram import Chat, Message, Update, User

from bot.flood import FloodGuard
from bot.i18n import LANGUAGES, Catalogue, load_catalogue
from bot.update_processor import PerUserUpdateProcessor


def test_every_key_exists_in_every_language() -> None:
    keys = {language: set(load_catalogue(language)) for language in LANGUAGES}
    assert keys["da"], "the Danish catalogue is empty"
    for language in LANGUAGES:
        assert keys[language] == keys["da"], f"{language} differs: {keys[language] ^ keys['da']}"


def test_placeholders_match_between_languages() -> None:
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    danish, english = load_catalogue("da"), load_catalogue("en")
    for key, text in danish.items():
        assert placeholders(text) == placeholders(english[key]), key


def test_language_choice() -> None:
    catalogue = Catalogue("da")
    assert catalogue.pick_language(None, None) == "da"
    assert catalogue.pick_language(None, "en-US") == "en"
    assert catalogue.pick_language(None, "sv") == "da"
    assert catalogue.pick_language("da", "en") == "da"
    assert catalogue.text("en", "flood.notice").startswith("You are writing")


def test_flood_guard_holds_back_and_notifies_once() -> None:
    guard = FloodGuard(max_updates=3, window_seconds=10)  # a burst of 3, then one each 3.3 s
    verdicts = [guard.check(1, now=0.1 * i, more_queued=True) for i in range(6)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False, False]
    assert [v.notify for v in verdicts] == [False, False, False, True, False, False]
    assert guard.check(2, now=0.6).allowed, "another person is not affected"
    assert guard.check(1, now=3.5).allowed, "the bucket refills"
    guard.forget_idle(now=100)
    assert guard._buckets == {}


def test_flood_guard_holds_the_last_update_until_it_may_be_answered() -> None:
    guard = FloodGuard(max_updates=30, window_seconds=10)
    for i in range(30):
        assert guard.check(1, now=0.01 * i).allowed
    last = guard.check(1, now=0.3)  # nothing queued behind it: answered once a token is due
    assert last.allowed and 0 < last.wait <= 1 / 3
    dropped = guard.check(1, now=0.31, more_queued=True)
    assert not dropped.allowed and dropped.notify


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "P", is_bot=False)
    message = Message(update_id, date=None, chat=Chat(user_id, "private"), from_user=user)  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_updates_of_one_person_in_order_different_people_concurrently() -> None:
    processor = PerUserUpdateProcessor(64)
    finished: list[tuple[int, int]] = []
    running: set[int] = set()
    overlap_seen = asyncio.Event()

    async def handle(user_id: int, n: int, delay: float) -> None:
        running.add(user_id)
        if len(running) > 1:
            overlap_seen.set()
        await asyncio.sleep(delay)
        running.discard(user_id)
        finished.append((user_id, n))

    tasks = []
    for n in range(5):
        tasks.append(asyncio.create_task(processor.process_update(_update(n, 1), handle(1, n, 0.02 / (n + 1)))))
        tasks.append(asyncio.create_task(processor.process_update(_update(100 + n, 2), handle(2, n, 0.001))))
    await asyncio.gather(*tasks)
    assert [n for user, n in finished if user == 1] == [0, 1, 2, 3, 4]
    assert [n for user, n in finished if user == 2] == [0, 1, 2, 3, 4]
    assert overlap_seen.is_set(), "two people were never handled at the same time"
    assert processor._locks == {}
