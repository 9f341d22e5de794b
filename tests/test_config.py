"""Settings: defaults, parsing, and one clear line per mistake."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings, describe_error


def settings_error(**values: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **values)  # type: ignore[arg-type]
    return describe_error(caught.value)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(bot_token="123:ABC", _env_file=None)  # type: ignore[arg-type]
    assert settings.bot_api_url == "https://api.telegram.org/bot"
    assert settings.bot_api_file_url == "https://api.telegram.org/file/bot"
    assert str(settings.database_path) == "data/makker.sqlite3"
    assert settings.default_language == "da" and settings.timezone == "Europe/Copenhagen"
    assert settings.webhook_url is None and settings.admin_ids == ()


def test_admin_ids_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("ADMIN_IDS", "11, 22 33")
    assert Settings(_env_file=None).admin_ids == (11, 22, 33)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"bot_token": "nonsense"}, "BOT_TOKEN must look like"),
        ({"bot_token": "1:a", "admin_ids": "12,abc"}, "ADMIN_IDS must be numeric"),
        ({"bot_token": "1:a", "timezone": "Mars/Olympus"}, "TIMEZONE is not a known time zone"),
        ({"bot_token": "1:a", "webhook_url": "https://makker.example/telegram"}, "WEBHOOK_SECRET is required"),
        ({"bot_token": "1:a", "webhook_port": 0}, "WEBHOOK_PORT"),
        ({"bot_token": "1:a", "bot_api_url": "ftp://x"}, "BOT_API_URL must start with http"),
    ],
)
def test_each_mistake_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, object], line: str
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    message = settings_error(**values)
    assert message.startswith(line) and "\n" not in message
