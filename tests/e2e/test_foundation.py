"""The foundation through the real process: start-up, /start over HTTP, migrate, signals, webhook."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_ID, ROOT, TOKEN, BotProcess, free_port
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
USER = 5001


def run_cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_start_is_answered_in_danish_over_http(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(USER, "/start", first_name="Maja", language_code="da")
    reply = api.wait_for_text(USER, "velkommen til Makker")
    assert reply["params"]["text"].startswith("Hej Maja, og velkommen til Makker")
    assert [c["command"] for c in api.commands("da")][:2] == ["start", "krise"]
    assert "crisis" in [c["command"] for c in api.commands("en")]
    assert bot.stop() == 0


def test_sigterm_stops_within_five_seconds_with_code_zero(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    started = time.monotonic()
    code = bot.stop(signal.SIGTERM)
    assert code == 0 and time.monotonic() - started < 5
    assert "Traceback" not in bot.output()
    assert "stopped" in bot.output()


def test_sigint_stops_cleanly(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    assert bot.stop(signal.SIGINT) == 0
    assert "Traceback" not in bot.output()


def test_missing_token_is_one_clear_line(tmp_path: Path, bot: BotProcess) -> None:
    env = bot.env()
    del env["BOT_TOKEN"]
    result = run_cli(cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "makker: BOT_TOKEN is not set: put the token from BotFather in .env (see .env.example)"
    ]


def test_malformed_setting_names_the_setting(tmp_path: Path, bot: BotProcess) -> None:
    env = bot.env() | {"WEBHOOK_PORT": "eighty"}
    result = run_cli(cwd=tmp_path, env=env)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "WEBHOOK_PORT" in result.stderr and "Traceback" not in result.stderr


def test_migrate_twice_applies_nothing_the_second_time(tmp_path: Path, bot: BotProcess) -> None:
    env = bot.env()
    del env["BOT_TOKEN"]  # migrating needs no token
    first = run_cli("migrate", cwd=tmp_path, env=env)
    assert first.returncode == 0 and "Applied" in first.stdout and "0001_init" in first.stdout
    second = run_cli("migrate", cwd=tmp_path, env=env)
    assert second.returncode == 0
    assert second.stdout.strip() == f"Nothing to apply: {bot.database} is up to date."


def test_a_database_from_a_newer_makker_is_refused(tmp_path: Path, bot: BotProcess) -> None:
    env = bot.env()
    assert run_cli("migrate", cwd=tmp_path, env=env).returncode == 0
    with sqlite3.connect(bot.database) as db:
        db.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00.000000Z')")
    result = run_cli(cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "schema version 999, newer than this Makker knows" in result.stderr
    assert "Traceback" not in result.stderr


def test_backup_copies_the_database(tmp_path: Path, bot: BotProcess) -> None:
    env = bot.env()
    run_cli("migrate", cwd=tmp_path, env=env)
    result = run_cli("backup", str(tmp_path / "copy.sqlite3"), cwd=tmp_path, env=env)
    assert result.returncode == 0
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 1


def test_duplicate_update_has_its_effect_once(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    update = api.send_text(USER, "/help")
    api.wait_for_text(USER, "/mydata")
    api.push_update(update)
    api.send_text(USER, "/krise")
    api.wait_for_text(USER, "70 201 201")
    assert len([c for c in api.sent(USER, "sendMessage") if "/mydata" in c["params"].get("text", "")]) == 1
    bot.stop()


def test_a_flood_is_slowed_with_one_notice_and_others_are_answered(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    for _ in range(60):  # twice the burst of 30
        api.send_text(USER, "hej hej")
    started = time.monotonic()
    api.send_text(USER + 1, "/help")
    api.wait_for_text(USER + 1, "/mydata", timeout=5)
    assert time.monotonic() - started < 2
    api.wait_for_text(USER, "lidt hurtigt")
    time.sleep(1.5)
    notices = [c for c in api.sent(USER, "sendMessage") if "lidt hurtigt" in c["params"]["text"]]
    assert len(notices) == 1
    assert len(api.sent(USER, "sendMessage")) <= 40
    bot.stop()


def test_errors_reach_the_admin_through_the_outbox_despite_a_429(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(ADMIN_ID, "/help")  # the admin has started the bot, so Makker may write to them
    api.wait_for_text(ADMIN_ID, "/mydata")
    api.inject("sendMessage", 500, times=6)  # the reply to /help fails, and its five retries too: a handled error
    api.send_text(USER, "/help")
    api.wait_for_text(USER, "gik noget galt", timeout=20)
    api.inject("sendMessage", 429, retry_after=1)
    report = api.wait_for_text(ADMIN_ID, "fejl NetworkError", timeout=15)
    assert str(USER) not in report["params"]["text"] and "fejl-id" in report["params"]["text"]
    bot.stop()
    with sqlite3.connect(bot.database) as db:
        rows = db.execute("SELECT status FROM outbox WHERE chat_id = ?", (ADMIN_ID,)).fetchall()
    assert rows == [("sent",)]


def test_a_person_who_blocked_makker_is_recorded_not_crashed_on(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    api.send_text(USER, "/help")
    api.wait_for_text(USER, "/mydata")
    api.block(USER)
    api.send_text(USER, "/help")
    api.send_text(USER + 1, "/help")
    api.wait_for_text(USER + 1, "/mydata")
    time.sleep(0.5)
    assert bot.stop() == 0
    with sqlite3.connect(bot.database) as db:
        assert db.execute("SELECT blocked_at IS NOT NULL FROM users WHERE user_id = ?", (USER,)).fetchone() == (1,)
    assert "handler_failed event=command error=Forbidden" in bot.output()


def test_webhook_mode_checks_the_secret_and_drops_retries(api: FakeBotApi, bot: BotProcess) -> None:
    port = free_port()
    bot.extra_env = {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": "s3cret-token",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    bot.start(wait_ready=False)
    api.wait_for(lambda call: call["method"] == "setWebhook", timeout=30)
    update = {
        "update_id": 777,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            "chat": {"id": USER, "type": "private", "first_name": "W"},
            "from": {"id": USER, "is_bot": False, "first_name": "W", "language_code": "da"},
        },
    }
    api.send_text(USER, "registers the chat with the fake server")  # never polled in webhook mode
    url = f"http://127.0.0.1:{port}/telegram"
    deadline = time.monotonic() + 15
    while True:
        try:
            refused = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            break
        except httpx.ConnectError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert refused.status_code == 403
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    assert (
        httpx.post(url, content=json.dumps(update), headers=headers | {"content-type": "application/json"}).status_code
        == 200
    )
    api.wait_for_text(USER, "/mydata")
    assert httpx.post(url, json=update, headers=headers).status_code == 200  # Telegram's retry
    time.sleep(1)
    assert len([c for c in api.sent(USER, "sendMessage") if "/mydata" in c["params"]["text"]]) == 1
    assert bot.stop() == 0


def test_readme_quick_start_names_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick_start.strip().splitlines()]
    assert commands == ["./run.sh", "./test.sh"]
    assert TOKEN not in readme
