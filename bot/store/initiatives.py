"""The initiatives catalogue in the database: imported from data/initiatives.csv, read from a cache."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from bot.clock import db_now
from bot.store.codec import area_from_json, area_to_json, codes_from_json, codes_to_json
from bot.store.database import Database
from matching.catalogue import Audience, Initiative, Status
from matching.taxonomy import SupportForm, TargetGroup


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


class InitiativeRepository:
    """Matching reads every initiative for every request, so they are kept in memory and reloaded
    only after an import changed them."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: list[Initiative] | None = None

    async def import_all(self, initiatives: list[Initiative]) -> ImportResult:
        """Insert new keys and update changed ones in one transaction: a re-import never duplicates."""
        existing = {row["key"]: row for row in await self._db.fetch_all("SELECT * FROM initiatives")}
        added = updated = 0
        now = db_now()
        changed: list[tuple[str, tuple[object, ...]]] = []
        for initiative in initiatives:
            values = _columns(initiative)
            old = existing.get(initiative.key)
            if old is not None and all(old[name] == value for name, value in values.items()):
                continue
            added += old is None
            updated += old is not None
            names = ", ".join([*values, "imported_at"])
            marks = ", ".join("?" for _ in range(len(values) + 1))
            updates = ", ".join(f"{name} = excluded.{name}" for name in [*values, "imported_at"] if name != "key")
            changed.append(
                (
                    f"INSERT INTO initiatives ({names}) VALUES ({marks}) ON CONFLICT (key) DO UPDATE SET {updates}",
                    (*values.values(), now),
                )
            )

        def run(connection: sqlite3.Connection) -> None:
            for sql, params in changed:
                connection.execute(sql, params)

        await self._db.transaction(run)
        self._cache = None
        return ImportResult(added, updated, len(initiatives) - added - updated)

    async def count(self) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM initiatives")
        return row["n"] if row else 0

    async def all(self) -> list[Initiative]:
        if self._cache is None:
            rows = await self._db.fetch_all("SELECT * FROM initiatives ORDER BY key")
            self._cache = [_initiative(row) for row in rows]
        return self._cache

    async def by_key(self, key: str) -> Initiative | None:
        return next((initiative for initiative in await self.all() if initiative.key == key), None)


def _columns(initiative: Initiative) -> dict[str, object]:
    return {
        "key": initiative.key,
        "name": initiative.name,
        "organiser": initiative.organiser,
        "description_da": initiative.description_da,
        "description_en": initiative.description_en,
        "target_groups": codes_to_json(initiative.target_groups),
        "min_age": initiative.min_age,
        "max_age": initiative.max_age,
        "support_forms": codes_to_json(initiative.support_forms),
        "area": area_to_json(initiative.area),
        "audience": initiative.audience.value,
        "contact_da": initiative.contact_da,
        "contact_en": initiative.contact_en,
        "active": int(initiative.active),
        "relatives_of": codes_to_json(initiative.relatives_of),
        "start_year": initiative.start_year,
        "end_year": initiative.end_year,
        "status": initiative.status.value,
        "last_checked": initiative.last_checked.isoformat() if initiative.last_checked else None,
        "notes": initiative.notes,
    }


def _initiative(row: sqlite3.Row) -> Initiative:
    return Initiative(
        key=row["key"],
        name=row["name"],
        organiser=row["organiser"],
        description_da=row["description_da"],
        description_en=row["description_en"],
        target_groups=codes_from_json(TargetGroup, row["target_groups"]),
        min_age=row["min_age"],
        max_age=row["max_age"],
        support_forms=codes_from_json(SupportForm, row["support_forms"]),
        area=area_from_json(row["area"]),
        audience=Audience(row["audience"]),
        contact_da=row["contact_da"],
        contact_en=row["contact_en"],
        active=bool(row["active"]),
        relatives_of=codes_from_json(TargetGroup, row["relatives_of"]),
        start_year=row["start_year"],
        end_year=row["end_year"],
        status=Status(row["status"]),
        last_checked=date.fromisoformat(row["last_checked"]) if row["last_checked"] else None,
        notes=row["notes"],
    )
