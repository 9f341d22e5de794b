"""The durable inbox and crisis first aid through the real process (issue #10, findings 1-3)."""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time

import pytest

from tests.e2e.conftest import ADMIN_ID, BotProcess
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
SUICIDE = "Jeg vil ikke leve mere"
HELP_REPLY = "/mydata"
CRISIS_REPLY = "akut fare: ring 112"  # the crisis message's first line (the /help text names 70 201 201 too)


def inbox_rows(bot: BotProcess) -> dict[int, tuple[str, str | None, str | None]]:
    with sqlite3.connect(bot.database) as db:
        rows = db.execute("SELECT update_id, state, body, error FROM inbox").fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def texts_to(api: FakeBotApi, chat_id: int, contains: str) -> list[str]:
    return [c["params"]["text"] for c in api.sent(chat_id, "sendMessage") if contains in c["params"].get("text", "")]


# A poll as a Bot API server older than 9.6 sends it: no persistent_id on the options, no allows_revoting.
OLD_SERVER_POLL = {
    "poll": {
        "id": "5100200300",
        "question": "Hvem kan hjælpe mig i Køge? Jeg vil ikke leve mere",
        "options": [{"text": "Køge Kommune", "voter_count": 0}, {"text": "Roskilde", "voter_count": 0}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
}


def test_finding_1_an_unreadable_update_is_set_aside_and_everyone_else_is_answered(
    api: FakeBotApi, bot: BotProcess
) -> None:
    bot.start()
    api.send_text(ADMIN_ID, "/help")  # the coordinator has started the bot, so Makker may write to them
    api.wait_for_text(ADMIN_ID, HELP_REPLY)
    poll = api.push_update(OLD_SERVER_POLL)
    api.send_text(7001, "/krise")
    api.send_text(7002, "/help")
    api.wait_for_text(7001, CRISIS_REPLY, timeout=10)
    api.wait_for_text(7002, HELP_REPLY, timeout=10)
    report = api.wait_for_text(ADMIN_ID, f"opdatering {poll['update_id']} kunne ikke læses", timeout=15)
    assert "Køge" not in report["params"]["text"]
    api.push_update(dict(OLD_SERVER_POLL, update_id=poll["update_id"] + 100))
    api.send_text(7003, "/help")
    api.wait_for_text(7003, HELP_REPLY, timeout=10)
    started = time.monotonic()
    assert bot.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 5
    output = bot.output()
    assert "Køge" not in output and "leve mere" not in output, "no content of the update in the log"
    assert "CRITICAL" not in output and "Traceback" not in output
    assert f"update_set_aside update_id={poll['update_id']}" in output
    state, body, error = inbox_rows(bot)[poll["update_id"]]
    assert state == "set_aside" and body is None and error and "persistent_id" in error
    assert len(texts_to(api, ADMIN_ID, "kunne ikke læses")) == 1, "the coordinators are told once"


def test_finding_2_updates_fetched_before_a_kill_are_answered_after_the_restart(
    api: FakeBotApi, bot: BotProcess
) -> None:
    people = list(range(7100, 7140))
    rng = random.Random(10)
    for _ in range(3):
        bot.start()
        mark = api.mark()
        for person in people:
            api.send_text(person, "/help")
        time.sleep(rng.uniform(0.06, 0.15))
        bot.kill()
        bot.start()
        for person in people:
            api.wait_for_text(person, HELP_REPLY, timeout=20, after=mark)  # raises when an answer was lost
        assert bot.stop() == 0
    assert all(state == "handled" for state, _, _ in inbox_rows(bot).values())
    assert len(inbox_rows(bot)) == 3 * len(people)


def test_finding_2_a_redelivered_update_has_its_effect_once_even_right_after_a_kill(
    api: FakeBotApi, bot: BotProcess
) -> None:
    from tests.e2e.test_intake import Person

    bot.start()
    person = Person(api, 7200)
    person.say("/start", "Giver du samtykke")
    person.tap("c:yes", "Hvem søger du støtte til?")
    person.tap("i:whom:pick:relative", "Hvad handler det om for den, du er pårørende til?")
    message = next(m for m in reversed(api.messages(7200)) if "i:grp:tog:mental_health" in str(m.get("reply_markup")))
    person.mark = api.mark()
    toggle = api.press_button(7200, message["message_id"], "i:grp:tog:mental_health")
    person.wait("✅ Psykiske vanskeligheder")
    bot.kill()  # within a second of the toggle: before the old code saved its dedup ids
    api.push_update(toggle)  # Telegram delivers it again
    bot.start()
    person.tap("i:grp:tog:substance_use", "✅ Misbrug")
    assert bot.stop() == 0
    with sqlite3.connect(bot.database) as db:
        answers = db.execute("SELECT answers FROM intake_drafts WHERE user_id = 7200").fetchone()[0]
    assert '"mental_health"' in answers and '"substance_use"' in answers, "the toggle was applied once, not twice"


class DatabaseLock:
    """Another process's write lock on the database, held until released."""

    def __init__(self, bot: BotProcess) -> None:
        self._connection = sqlite3.connect(bot.database, isolation_level=None, timeout=30, check_same_thread=False)
        self._connection.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self._connection.execute("ROLLBACK")
        self._connection.close()


def seconds_until_crisis_reply(api: FakeBotApi, user_id: int, text: str) -> float:
    mark = api.mark()
    sent = time.monotonic()
    api.send_text(user_id, text, first_name="Sara", language_code="da")
    api.wait_for_text(user_id, CRISIS_REPLY, timeout=20, after=mark)
    return time.monotonic() - sent


def test_finding_3_crisis_help_does_not_wait_for_a_locked_database(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(7301, "/help")
    api.wait_for_text(7301, HELP_REPLY)
    lock = DatabaseLock(bot)
    try:
        time.sleep(1.5)  # the bot's own writes are now stuck behind the lock
        delays = [seconds_until_crisis_reply(api, 7300, SUICIDE)]
        delays.append(seconds_until_crisis_reply(api, 7301, "/krise"))
        time.sleep(2)
        delays.append(seconds_until_crisis_reply(api, 7302, "jeg har selvmordstanker"))
    finally:
        lock.release()
    assert max(delays) < 1.0, f"crisis replies took {delays} s"
    api.send_text(7300, "/help")
    api.wait_for_text(7300, HELP_REPLY, timeout=20)
    time.sleep(0.5)
    for person in (7300, 7301, 7302):
        assert len(texts_to(api, person, CRISIS_REPLY)) == 1, "answered once, not again when handled"
    assert bot.stop() == 0
    assert "database is locked" not in bot.output()


def test_the_crisis_reply_arrives_within_a_second_while_another_process_holds_the_lock(
    api: FakeBotApi, bot: BotProcess
) -> None:
    """Held for 12 s, longer than the database's busy timeout: the inbox write fails and is tried again."""
    bot.start()
    lock = DatabaseLock(bot)
    released = threading.Timer(12, lock.release)
    released.start()
    try:
        delay = seconds_until_crisis_reply(api, 7400, SUICIDE)
        time.sleep(6)
        later = seconds_until_crisis_reply(api, 7401, SUICIDE)
    finally:
        released.join()
    assert delay < 1.0 and later < 1.0, (delay, later)
    api.send_text(7402, "/help")
    api.wait_for_text(7402, HELP_REPLY, timeout=20)
    assert bot.stop() == 0
    # Every update the inbox holds is handled; one the locked database refused for more than five seconds was
    # handed over unstored (bot/inbox_updater.py), so that nobody waits for the lock without an answer.
    states = inbox_rows(bot)
    assert len(states) >= 2 and all(state == "handled" for state, _, _ in states.values())
    assert len(texts_to(api, 7400, CRISIS_REPLY)) == 1 and len(texts_to(api, 7401, CRISIS_REPLY)) == 1


def test_sigterm_with_updates_in_hand_stops_within_five_seconds_and_the_next_start_answers_the_rest(
    api: FakeBotApi, bot: BotProcess
) -> None:
    people = list(range(7500, 7540))
    bot.start()
    mark = api.mark()
    for person in people:
        api.send_text(person, "/help")
    time.sleep(0.1)
    started = time.monotonic()
    assert bot.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 5
    bot.start()
    for person in people:
        api.wait_for_text(person, HELP_REPLY, timeout=20, after=mark)
    assert bot.stop() == 0
    rows = inbox_rows(bot)
    assert len(rows) == len(people) and all(state == "handled" for state, _, _ in rows.values())
    for person in people:
        assert len(texts_to(api, person, HELP_REPLY)) == 1, "handled ones were saved as handled, not answered again"


def test_webhook_answers_200_only_once_stored_and_crisis_help_does_not_wait(api: FakeBotApi, bot: BotProcess) -> None:
    from tests.e2e.conftest import free_port

    port = free_port()
    bot.extra_env = {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": "s3cret-token",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    bot.start(wait_ready=False)
    api.wait_for(lambda call: call["method"] == "setWebhook", timeout=30)
    api.send_text(7601, "/help")
    api.wait_for_text(7601, HELP_REPLY, timeout=15)
    lock = DatabaseLock(bot)
    released = threading.Timer(8, lock.release)
    released.start()
    try:
        delay = seconds_until_crisis_reply(api, 7600, SUICIDE)
    finally:
        released.join()
    assert delay < 1.0
    mark = api.mark()
    api.send_text(7601, "/help")  # delivered after the crisis message, which Telegram retries until it gets a 200
    api.wait_for_text(7601, HELP_REPLY, timeout=20, after=mark)
    assert bot.stop() == 0
    rows = inbox_rows(bot)
    assert len(rows) == 3 and all(state == "handled" for state, _, _ in rows.values())
    assert len(texts_to(api, 7600, CRISIS_REPLY)) == 1
    assert "inbox_store_failed" in bot.output(), "the locked database made the webhook refuse the update first"
