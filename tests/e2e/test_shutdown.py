"""A stop signal ends Makker within five seconds with exit code 0, however the network and the queue
stand (issue #10, finding 8). Shutdown times belong in bench/; these margins only catch the old 7-25 s."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest

from tests.e2e.blackhole import Blackhole
from tests.e2e.conftest import BotProcess
from tests.e2e.people import wait_until
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
LIMIT = 5.0


def timed_stop(bot: BotProcess) -> tuple[int, float]:
    started = time.monotonic()
    code = bot.stop(signal.SIGTERM, timeout=60)
    return code, time.monotonic() - started


def test_sigterm_with_telegram_unreachable_stops_within_five_seconds(api: FakeBotApi, bot: BotProcess) -> None:
    hole = Blackhole(api.port)
    try:
        bot.extra_env["BOT_API_URL"] = hole.base_url(api.token or "")
        bot.start()
        api.send_text(7301, "/help")
        api.wait_for_text(7301, "/mydata")
        api.send_text(7302, "/start")  # fetched, and then its answer is lost on the way
        wait_until(lambda: not api.pending_updates(), 10, "the update to be fetched")
        hole.go_silent()
        time.sleep(1)  # the answer to /start and the next long poll hang
        code, seconds = timed_stop(bot)
    finally:
        hole.close()
    assert code == 0 and seconds < LIMIT, f"exit {code} after {seconds:.1f} s"
    assert "stopped" in bot.output()


def test_sigterm_with_thousands_of_updates_queued_stops_within_five_seconds(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    for n in range(3000):
        api.send_text(20_000 + n % 300, "/help")
    wait_until(lambda: len(api.pending_updates()) == 0, 30, "every update to be fetched")
    code, seconds = timed_stop(bot)
    assert code == 0 and seconds < LIMIT, f"exit {code} after {seconds:.1f} s"
    output = bot.output()
    assert "stopped" in output and "Traceback" not in output
    answered = len([c for c in api.sent(method="sendMessage") if c["ok"]])
    left = next((int(line.rsplit("=", 1)[1]) for line in output.splitlines() if "updates_left_unhandled" in line), 0)
    assert answered + left <= 3000 and left > 0, "what was not started is left for the restart"
    with sqlite3.connect(bot.database) as db:  # the handled ones are remembered, so a redelivery is dropped
        remembered = db.execute("SELECT COUNT(*) FROM inbox WHERE state = 'handled'").fetchone()[0]
    assert remembered >= answered
