"""End-to-end fixtures: `python -m bot` as a real process against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import contextlib
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


# Generous limits for a loaded machine: a start that takes more is broken, not slow.
READY_CPU_SECONDS = 20.0
READY_WALL_SECONDS = 90.0


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux /proc; 0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


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
            self._wait_ready(mark)
            time.sleep(0.3)  # the first getUpdates follows the command menu
        return self

    def _wait_ready(self, mark: int) -> None:
        """Until the command menu is set. A start costs the bot about 1.5 s of CPU, but on a 2-core machine shared
        with other test runs it got so little of it that 30 s of wall time passed before its first call (an empty
        log, no call). So a start fails when the bot exits, spins (far more CPU than a start takes), or is not ready
        after READY_WALL_SECONDS, and says which, with the end of its log."""
        assert self.process is not None
        started = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                self.api.wait_for(
                    lambda call: call["method"] == "setMyCommands" and call["params"].get("language_code") == "en",
                    timeout=1,
                    after=mark,
                )
                return
            code, cpu, waited = self.process.poll(), cpu_seconds(self.process.pid), time.monotonic() - started
            if code is not None or cpu > READY_CPU_SECONDS or waited > READY_WALL_SECONDS:
                self.log.flush()
                tail = "\n".join(self.output().splitlines()[-15:])
                raise TimeoutError(
                    f"the bot was not ready after {waited:.0f} s (exit code {code}, {cpu:.1f} s of CPU); log:\n{tail}"
                )

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
