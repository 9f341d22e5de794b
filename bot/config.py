"""Makker's settings, read from the environment and `.env`; every field is documented in `.env.example`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from matching.engine import Limits
from matching.scoring import Weights

TELEGRAM_API_URL = "https://api.telegram.org/bot"
_TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class DatabaseSettings(BaseSettings):
    """What the database commands need: they run without a bot token."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore")

    database_path: Path = Path("data/makker.sqlite3")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(DatabaseSettings):
    """Everything an operator can set. Defaults make a local polling bot with a file database."""

    bot_token: SecretStr
    bot_api_url: str = TELEGRAM_API_URL
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: Literal["da", "en"] = "da"
    timezone: str = "Europe/Copenhagen"

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    flood_max_updates: int = Field(default=30, ge=1)
    flood_window_seconds: float = Field(default=10.0, gt=0)
    outbox_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_rate_per_second: int = Field(default=25, ge=1)
    telegram_global_limit: int = Field(default=30, ge=1)
    outbox_retention_days: float = Field(default=30, gt=0)
    polling_timeout_seconds: int = Field(default=10, ge=0, le=50)

    match_top_peers: int = Field(default=3, ge=0, le=10)
    match_top_initiatives: int = Field(default=3, ge=0, le=10)
    match_weight_target_group: float = Field(default=4.0, ge=0)
    match_weight_proximity: float = Field(default=3.0, ge=0)
    match_weight_support_form: float = Field(default=2.0, ge=0)
    match_weight_language: float = Field(default=1.0, ge=0)
    match_weight_age: float = Field(default=1.0, ge=0)
    match_weight_gender: float = Field(default=1.5, ge=0)
    match_weight_contact: float = Field(default=1.0, ge=0)
    match_weight_load: float = Field(default=1.5, ge=0)
    rematch_interval_minutes: float = Field(default=10, gt=0)
    offer_timeout_hours: float = Field(default=48, gt=0)
    pin_to_one_cpu: bool = False

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("must look like 123456:ABC-DEF (the token BotFather gives)")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if not value.endswith("/bot") else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        """Accept `1,2 3` from the environment: a comma- or space-separated list of numeric ids."""
        if isinstance(value, str):
            parts = [part for part in re.split(r"[,\s]+", value.strip()) if part]
            if not all(part.isdigit() for part in parts):
                raise ValueError("must be numeric Telegram user ids separated by commas")
            return tuple(int(part) for part in parts)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("is not a known time zone such as Europe/Copenhagen") from error
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    def match_weights(self) -> Weights:
        return Weights(
            target_group=self.match_weight_target_group,
            proximity=self.match_weight_proximity,
            support_form=self.match_weight_support_form,
            language=self.match_weight_language,
            age=self.match_weight_age,
            gender=self.match_weight_gender,
            contact=self.match_weight_contact,
            load=self.match_weight_load,
        )

    def match_limits(self) -> Limits:
        return Limits(peers=self.match_top_peers, initiatives=self.match_top_initiatives)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def bot_api_file_url(self) -> str:
        """Telegram serves files under /file/bot<token>; a local server mirrors that layout."""
        return self.bot_api_url.removesuffix("/bot") + "/file/bot"


def describe_error(error: ValidationError) -> str:
    """One line an operator can act on, naming the setting by its environment variable."""
    first = error.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if isinstance(part, str)]
    setting = location[0].upper() if location else ""
    message = first.get("msg", "is invalid").removeprefix("Value error, ")
    if first.get("type") == "missing":
        if setting == "BOT_TOKEN":
            return "BOT_TOKEN is not set: put the token from BotFather in .env (see .env.example)"
        return f"{setting} is not set (see .env.example)"
    if setting:
        return f"{setting} {message}" if not message[:1].isupper() else f"{setting}: {message}"
    return message
