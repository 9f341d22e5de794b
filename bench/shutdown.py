"""How long `python -m bot` takes from SIGTERM to exit, in the states issue #10 found slow.

States: idle; Telegram unreachable (a relay that swallows every byte, with a reply and a long poll under
way); 3,000 updates from 300 people fetched and queued. The bot runs as a process against the fake Bot
API on 127.0.0.1, as in the end-to-end tests. Target: every run under 5 s with exit code 0.

    .venv/bin/python bench/shutdown.py --runs 5
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers are not installed with Makker

from tests.e2e.blackhole import Blackhole
from tests.e2e.conftest import BotProcess
from tests.e2e.people import wait_until
from tests.fakebotapi import FakeBotApi


def _stop(bot: BotProcess) -> tuple[int, float]:
    started = time.monotonic()
    code = bot.stop(signal.SIGTERM, timeout=120)
    return code, time.monotonic() - started


def idle(api: FakeBotApi, bot: BotProcess) -> tuple[int, float]:
    bot.start()
    return _stop(bot)


def unreachable(api: FakeBotApi, bot: BotProcess) -> tuple[int, float]:
    hole = Blackhole(api.port)
    try:
        bot.extra_env["BOT_API_URL"] = hole.base_url("")
        bot.start()
        api.send_text(1, "/start")
        wait_until(lambda: not api.pending_updates(), 10, "the update to be fetched")
        hole.go_silent()
        time.sleep(1)
        return _stop(bot)
    finally:
        hole.close()


def queued(api: FakeBotApi, bot: BotProcess) -> tuple[int, float]:
    bot.start()
    for n in range(3000):
        api.send_text(20_000 + n % 300, "/help")
    wait_until(lambda: not api.pending_updates(), 30, "every update to be fetched")
    return _stop(bot)


STATES: dict[str, Callable[[FakeBotApi, BotProcess], tuple[int, float]]] = {
    "idle": idle,
    "Telegram unreachable": unreachable,
    "3,000 updates queued": queued,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print("| state | runs | exit codes | median s | max s |")
    print("|---|---|---|---|---|")
    for name, scenario in STATES.items():
        codes, seconds = [], []
        for _ in range(runs):
            with FakeBotApi() as api, tempfile.TemporaryDirectory() as tmp:
                code, took = scenario(api, BotProcess(api, Path(tmp)))
                codes.append(code)
                seconds.append(took)
        print(
            f"| {name} | {runs} | {','.join(map(str, sorted(set(codes))))} | "
            f"{statistics.median(seconds):.2f} | {max(seconds):.2f} |"
        )


if __name__ == "__main__":
    main()
