"""Peers and their search index (peer_reach): whom, where and in which language they can support."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date

from bot.clock import db_now
from bot.store.codec import area_from_json, area_to_json, codes_from_json, codes_to_json
from bot.store.database import Database
from matching.geo import Area, Geography
from matching.model import Need, PeerKind, PeerProfile, PeerStatus
from matching.taxonomy import ContactMode, ForWhom, Gender, Language, SupportForm, TargetGroup

# How many of the least-loaded peers one (target group, place, language) slot contributes to a
# request's candidates. Matching scores the union; a small number keeps a request fast at 100,000 peers.
PER_SLOT = 12

_PEER_COLUMNS = (
    "user_id, display_name, status, kind, gender, target_groups, support_forms, languages, contact_modes, area,"
    " min_age, max_age, capacity, active_matches, relative_of"
)
_MARKS = ", ".join("?" * 17)  # the columns above, created_at and updated_at
RELATIVE_PREFIX = "relative:"  # peer_reach.target_group of a peer's experience as a relative of that situation


def reach_groups(peer: PeerProfile) -> set[str]:
    """The index's target_group values of a peer: own experience as the code, a relative's as 'relative:<code>'."""
    return {group.value for group in peer.target_groups} | {RELATIVE_PREFIX + group.value for group in peer.relative_of}


def wanted_groups(need: Need) -> list[str]:
    """The index's target_group values that may fit a person: a relative also looks for peers who were relatives."""
    groups = sorted(group.value for group in need.target_groups if group is not TargetGroup.RELATIVES)
    relative = need.for_whom is ForWhom.RELATIVE or TargetGroup.RELATIVES in need.target_groups
    return [*(RELATIVE_PREFIX + group for group in groups), *groups] if relative else groups


def places_reached(area: Area, geography: Geography) -> set[str]:
    """The index places of an area. A listed municipality also reaches its regions (all it ever had),
    so that people elsewhere in the region find the peer and geo.proximity ranks them."""
    places = {f"r:{code}" for code in area.regions} | {f"m:{code}" for code in area.municipalities}
    for code in area.municipalities:
        places |= {f"r:{region}" for region in geography.municipality(code).region_codes}
    if area.national:
        places.add("national")
    if area.online:
        places.add("online")
    return places


def places_for(need: Need, geography: Geography, on: date) -> list[str]:
    """The places to look in for a person: home municipality, its regions, their neighbours, then the
    whole country. A person who chose online looks only at national and online peers."""
    if need.online_only or need.municipality_code is None:
        return ["online", "national"]
    municipality = geography.municipality(need.municipality_code)
    regions = set(municipality.region_codes)
    neighbours = {n for code in regions for n in geography.neighbours(code)} - regions
    return [
        f"m:{municipality.code}",
        *(f"r:{r}" for r in sorted(regions)),
        *(f"r:{r}" for r in sorted(neighbours)),
        "online",
        "national",
    ]


class PeerRepository:
    def __init__(self, db: Database, geography: Geography) -> None:
        self._db = db
        self._geography = geography

    async def save(self, peer: PeerProfile, display_name: str) -> int:
        """Create or update the peer of a Telegram user; the search index follows in the same transaction."""

        def run(connection: sqlite3.Connection) -> int:
            peer_id = self._upsert(connection, peer, display_name)
            self._reindex(connection, [(peer_id, peer)])
            return peer_id

        return await self._db.transaction(run)

    async def save_many(self, peers: Sequence[tuple[PeerProfile, str]]) -> None:
        """Bulk load (benchmarks, imports): one transaction, batched statements."""
        now = db_now()

        def run(connection: sqlite3.Connection) -> None:
            connection.executemany(
                f"INSERT INTO peers ({_PEER_COLUMNS}, created_at, updated_at) VALUES ({_MARKS})",
                [(*_values(peer, name), now, now) for peer, name in peers],
            )
            ids = {row["user_id"]: row["id"] for row in connection.execute("SELECT id, user_id FROM peers")}
            self._reindex(connection, [(ids[peer.user_id], peer) for peer, _ in peers])

        await self._db.transaction(run)

    def _upsert(self, connection: sqlite3.Connection, peer: PeerProfile, display_name: str) -> int:
        now = db_now()
        updates = ", ".join(f"{name.strip()} = excluded.{name.strip()}" for name in _PEER_COLUMNS.split(",")[1:])
        row = connection.execute(
            f"INSERT INTO peers ({_PEER_COLUMNS}, created_at, updated_at) VALUES ({_MARKS})"
            f" ON CONFLICT (user_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at RETURNING id",
            (*_values(peer, display_name), now, now),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def _reindex(self, connection: sqlite3.Connection, peers: Iterable[tuple[int, PeerProfile]]) -> None:
        rows = []
        ids = []
        for peer_id, peer in peers:
            ids.append((peer_id,))
            if peer.status is not PeerStatus.APPROVED or not peer.has_room:
                continue
            load = peer.active_matches / peer.capacity
            for place in places_reached(peer.area, self._geography):
                rows.extend(
                    (group, place, language.value, load, peer_id)
                    for group in reach_groups(peer)
                    for language in peer.languages
                )
        connection.executemany("DELETE FROM peer_reach WHERE peer_id = ?", ids)
        connection.executemany(
            "INSERT OR IGNORE INTO peer_reach (target_group, place, language, load, peer_id) VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    def upsert_in(self, connection: sqlite3.Connection, peer: PeerProfile, display_name: str) -> int:
        """Create or update a peer inside a caller's transaction; the search index follows."""
        peer_id = self._upsert(connection, peer, display_name)
        self._reindex(connection, [(peer_id, peer)])
        return peer_id

    def reindex_in(self, connection: sqlite3.Connection, peer_ids: Iterable[int]) -> None:
        """Bring the search index in step with the peers' rows inside a caller's transaction (after a change of
        status, pause or load made there)."""
        for peer_id in peer_ids:
            row = connection.execute("SELECT * FROM peers WHERE id = ?", (peer_id,)).fetchone()
            if row is None:
                connection.execute("DELETE FROM peer_reach WHERE peer_id = ?", (peer_id,))
            else:
                self._reindex(connection, [(peer_id, _profile(row))])

    async def set_status(self, peer_id: int, status: PeerStatus) -> None:
        await self._update(peer_id, "status = ?", (status.value,))

    async def set_active_matches(self, peer_id: int, active_matches: int) -> None:
        await self._update(peer_id, "active_matches = ?", (active_matches,))

    async def _update(self, peer_id: int, assignment: str, params: tuple[object, ...]) -> None:
        now = db_now()

        def run(connection: sqlite3.Connection) -> None:
            connection.execute(f"UPDATE peers SET {assignment}, updated_at = ? WHERE id = ?", (*params, now, peer_id))
            row = connection.execute("SELECT * FROM peers WHERE id = ?", (peer_id,)).fetchone()
            if row is not None:
                self._reindex(connection, [(peer_id, _profile(row))])

        await self._db.transaction(run)

    async def get(self, peer_id: int) -> PeerProfile | None:
        row = await self._db.fetch_one("SELECT * FROM peers WHERE id = ?", (peer_id,))
        return _profile(row) if row else None

    async def display_names(self, peer_ids: Iterable[int]) -> dict[int, str]:
        ids = list(peer_ids)
        if not ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT id, display_name FROM peers WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
        return {row["id"]: row["display_name"] for row in rows}

    async def candidates(self, need: Need, on: date, per_slot: int = PER_SLOT) -> list[PeerProfile]:
        """Approved peers with room who share a target group, a language and a place with the person:
        the least loaded of each slot, in one query. Matching applies every rule again and ranks."""
        slots = [
            (group, place, language.value)
            for group in wanted_groups(need)
            for place in places_for(need, self._geography, on)
            for language in sorted(need.languages)
        ]
        if not slots:
            return []
        union = " UNION ".join(
            "SELECT peer_id FROM (SELECT peer_id FROM peer_reach WHERE target_group = ? AND place = ?"
            " AND language = ? ORDER BY load LIMIT ?)"
            for _ in slots
        )
        params = [value for slot in slots for value in (*slot, per_slot)]
        rows = await self._db.fetch_all(
            f"SELECT * FROM peers WHERE id IN ({union}) AND status = 'approved' AND active_matches < capacity"
            " AND user_id != ? AND user_id NOT IN (SELECT user_id FROM suspensions)",
            (*params, need.person_id),
        )
        return [_profile(row) for row in rows]

    async def exclusions(self, user_id: int) -> frozenset[int]:
        """Peers never to suggest to this person: excluded by them, or paired never again in either direction
        (a decline, silence, "I know this person", a block)."""
        rows = await self._db.fetch_all(
            "SELECT peer_id FROM match_exclusions WHERE user_id = ?"
            " UNION SELECT p.id FROM never_pairs n JOIN peers p ON p.user_id = n.peer_user_id"
            " WHERE n.person_user_id = ?"
            " UNION SELECT p.id FROM never_pairs n JOIN peers p ON p.user_id = n.person_user_id"
            " WHERE n.peer_user_id = ?",
            (user_id, user_id, user_id),
        )
        return frozenset(row["peer_id"] for row in rows)

    async def exclude(self, user_id: int, peer_id: int, reason: str) -> None:
        await self._db.write(
            "INSERT OR IGNORE INTO match_exclusions (user_id, peer_id, reason, created_at) VALUES (?, ?, ?, ?)",
            (user_id, peer_id, reason, db_now()),
        )


def _values(peer: PeerProfile, display_name: str) -> tuple[object, ...]:
    return (
        peer.user_id,
        display_name,
        peer.status.value,
        peer.kind.value,
        peer.gender.value,
        codes_to_json(peer.target_groups),
        codes_to_json(peer.support_forms),
        codes_to_json(peer.languages),
        codes_to_json(peer.contact_modes),
        area_to_json(peer.area),
        peer.min_age,
        peer.max_age,
        peer.capacity,
        peer.active_matches,
        codes_to_json(peer.relative_of),
    )


def _profile(row: sqlite3.Row) -> PeerProfile:
    return PeerProfile(
        peer_id=row["id"],
        user_id=row["user_id"],
        status=PeerStatus(row["status"]),
        kind=PeerKind(row["kind"]),
        target_groups=codes_from_json(TargetGroup, row["target_groups"]),
        support_forms=codes_from_json(SupportForm, row["support_forms"]),
        languages=codes_from_json(Language, row["languages"]),
        gender=Gender(row["gender"]),
        contact_modes=codes_from_json(ContactMode, row["contact_modes"]),
        area=area_from_json(row["area"]),
        capacity=row["capacity"],
        active_matches=row["active_matches"],
        min_age=row["min_age"],
        max_age=row["max_age"],
        relative_of=codes_from_json(TargetGroup, row["relative_of"]),
    )


def profile_from_row(row: sqlite3.Row) -> PeerProfile:
    """A peer's matching profile from its row, for services that read it inside their own transaction."""
    return _profile(row)
