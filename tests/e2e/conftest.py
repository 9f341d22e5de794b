"""End-to-end fixtures: `python -m bot` as a real process against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakebotapi import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token_for-makker"
ADMIN_ID = 9001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BotProcess:
    """One run of the bot; restartable over the same database, as an operator would."""

    def __init__(self, api: FakeBotApi, workdir: Path) -> None:
        self.api = api
        self.workdir = workdir
        self.database = workdir / "data" / "makker.sqlite3"
        self.process: subprocess.Popen[str] | None = None
        self.extra_env: dict[str, str] = {}

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_", "ADMIN_", "DATABASE_"))}
        env.update(
            {
                "BOT_TOKEN": TOKEN,
                "BOT_API_URL": self.api.base_url,
                "DATABASE_PATH": str(self.database),
                "ADMIN_IDS": str(ADMIN_ID),
                "POLLING_TIMEOUT_SECONDS": "1",
                "OUTBOX_INTERVAL_SECONDS": "0.2",
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, wait_ready: bool = True) -> BotProcess:
        mark = self.api.mark()
        self.log = (self.workdir / "bot.log").open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=self.workdir,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if wait_ready:
            self.api.wait_for(
                lambda call: call["method"] == "setMyCommands" and call["params"].get("language_code") == "en",
                timeout=30,
                after=mark,
            )
            time.sleep(0.3)  # the first getUpdates follows the command menu
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.log.close()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.log.close()

    def output(self) -> str:
        return (self.workdir / "bot.log").read_text()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def bot(api: FakeBotApi, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(api, tmp_path)
    yield process
    if process.process is not None and process.process.poll() is None:
        process.kill()
