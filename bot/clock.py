"""One place for time: people see Europe/Copenhagen, the database stores UTC as ISO-8601 text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    """Sortable UTC text, so comparisons in SQL are plain string comparisons."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def db_now() -> str:
    return to_db(utc_now())


def local_today(zone: ZoneInfo) -> date:
    """Today's date where the people are: region data and quiet hours follow local dates."""
    return datetime.now(zone).date()


def local_date_text(db_text: str, zone: ZoneInfo) -> str:
    """A stored UTC time as the local date people expect to read (dd.mm.yyyy)."""
    return from_db(db_text).astimezone(zone).strftime("%d.%m.%Y")
