"""The matching side of the store: peers' search index, candidates, the catalogue import."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import aiosqlite

from bot.db import MIGRATIONS_DIR, migrate
from bot.store import Store
from bot.store.peers import places_for, places_reached
from matching.catalogue import load_initiatives
from matching.geo import Area, default_geography
from matching.model import Need, PeerStatus
from matching.taxonomy import AgeBand, ContactMode, ForWhom, GenderPreference, Language, SupportForm, TargetGroup
from tests.test_match_handlers import KOEGE, peer

ROOT = Path(__file__).resolve().parents[1]
ODENSE, AARHUS = 461, 751


def need(municipality: int | None = KOEGE, **changes: object) -> Need:
    values: dict[str, object] = dict(
        person_id=1,
        request_id=1,
        for_whom=ForWhom.SELF,
        target_groups=frozenset({TargetGroup.MENTAL_HEALTH}),
        age_band=AgeBand.A25_39,
        municipality_code=municipality,
        online_only=municipality is None,
        support_forms=frozenset({SupportForm.ONE_TO_ONE}),
        languages=frozenset({Language.DA}),
        gender_preference=GenderPreference.NONE,
        contact_modes=frozenset({ContactMode.CHAT}),
    )
    values.update(changes)
    return Need(**values)  # type: ignore[arg-type]


async def open_store(tmp_path: Path) -> Store:
    return await Store.open(tmp_path / "m.sqlite3", default_geography())


def test_places_cover_the_merger_and_the_neighbours() -> None:
    geography = default_geography()
    assert places_reached(Area(municipalities=frozenset({KOEGE})), geography) == {
        f"m:{KOEGE}",
        "r:sjaelland",
        "r:oestdanmark",
    }
    places = places_for(need(), geography, date(2026, 11, 23))
    assert places[0] == f"m:{KOEGE}" and "r:hovedstaden" in places and places[-2:] == ["online", "national"]
    assert places_for(need(None), geography, date(2026, 11, 23)) == ["online", "national"]


async def test_candidates_share_group_place_and_language_and_have_room(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    try:
        fits = await store.peers.save(peer(10), "Fits")
        await store.peers.save(peer(11, area=Area(municipalities=frozenset({AARHUS}))), "Far away")
        await store.peers.save(peer(12, languages=frozenset({Language.AR})), "Other language")
        await store.peers.save(peer(13, target_groups=frozenset({TargetGroup.HOMELESSNESS})), "Other group")
        full = await store.peers.save(peer(14, active_matches=2), "Full")
        national = await store.peers.save(peer(15, area=Area(national=True)), "National")
        pending = await store.peers.save(peer(16, status=PeerStatus.PENDING), "Pending")
        found = {p.peer_id for p in await store.peers.candidates(need(), date(2026, 11, 23))}
        assert found == {fits, national}
        await store.peers.set_active_matches(full, 1)
        await store.peers.set_status(pending, PeerStatus.APPROVED)
        found = {p.peer_id for p in await store.peers.candidates(need(), date(2026, 11, 23))}
        assert found == {fits, national, full, pending}
        await store.peers.set_status(fits, PeerStatus.PAUSED)
        assert fits not in {p.peer_id for p in await store.peers.candidates(need(), date(2026, 11, 23))}
        assert await store.peers.candidates(need(None), date(2026, 11, 23)) != []
        assert [
            p.user_id for p in await store.peers.candidates(need(person_id=15), date(2026, 11, 23)) if p.user_id == 15
        ] == [], "a person is never their own candidate"
    finally:
        await store.close()


async def test_each_slot_brings_its_least_loaded_peers(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    try:
        for user_id in range(100, 140):
            await store.peers.save(peer(user_id, capacity=40, active_matches=user_id - 100), f"P{user_id}")
        found = await store.peers.candidates(need(), date(2026, 11, 23), per_slot=5)
        assert sorted(p.active_matches for p in found) == [0, 1, 2, 3, 4]
    finally:
        await store.close()


async def test_import_is_idempotent_and_updates(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    try:
        initiatives = load_initiatives()
        first = await store.initiatives.import_all(initiatives)
        assert first.added == len(initiatives) == 14
        again = await store.initiatives.import_all(initiatives)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 14)
        changed = [replace(initiatives[0], name="Nyt navn")]
        assert (await store.initiatives.import_all(changed)).updated == 1
        assert (await store.initiatives.by_key(initiatives[0].key)).name == "Nyt navn"  # type: ignore[union-attr]
        assert await store.initiatives.count() == 14
    finally:
        await store.close()


def run_import(tmp_path: Path, file: Path) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_PATH": str(tmp_path / "m.sqlite3"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "import-initiatives", str(file)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_import_command_twice_and_a_broken_file(tmp_path: Path) -> None:
    shipped = ROOT / "data" / "initiatives.csv"
    first = run_import(tmp_path, shipped)
    assert first.returncode == 0 and "14 added" in first.stdout
    second = run_import(tmp_path, shipped)
    assert "0 added, 0 updated, 14 unchanged" in second.stdout
    lines = shipped.read_text("utf-8").splitlines()
    broken = tmp_path / "broken.csv"
    bad_row = lines[2].replace("mental_health", "astrology", 1)
    broken.write_text(
        "\n".join([lines[0], lines[1].replace(lines[1].split(",")[0], "ny-noegle", 1), bad_row]) + "\n", "utf-8"
    )
    result = run_import(tmp_path, broken)
    assert result.returncode == 1
    assert "line 3: unknown target group 'astrology'" in result.stderr
    assert "nothing imported" in result.stderr
    check = run_import(tmp_path, shipped)
    assert "14 unchanged" in check.stdout, "the broken file changed nothing"


async def test_a_peer_who_was_a_relative_is_found_for_relatives_of_that_situation_only(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    try:
        on = date(2026, 11, 23)
        mother = await store.peers.save(
            peer(20, target_groups=frozenset(), relative_of=frozenset({TargetGroup.MENTAL_HEALTH})), "Mother"
        )
        own = await store.peers.save(peer(21), "Own experience")
        await store.peers.save(
            peer(22, target_groups=frozenset(), relative_of=frozenset({TargetGroup.RARE_DIAGNOSIS})), "Rare parent"
        )
        as_relative = need(for_whom=ForWhom.RELATIVE)
        assert {p.peer_id for p in await store.peers.candidates(as_relative, on)} == {mother, own}
        assert {p.peer_id for p in await store.peers.candidates(need(), on)} == {own}
        saved = await store.peers.get(mother)
        assert saved is not None and saved.relative_of == {TargetGroup.MENTAL_HEALTH} and not saved.target_groups
    finally:
        await store.close()


async def test_period_status_and_notes_survive_the_database(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    try:
        initiatives = load_initiatives()
        await store.initiatives.import_all(initiatives)
        assert await store.initiatives.all() == sorted(initiatives, key=lambda initiative: initiative.key)
    finally:
        await store.close()


async def test_the_migration_reads_the_old_relatives_group_as_a_qualifier(tmp_path: Path) -> None:
    """Rows written before 0004: an initiative or peer with 'relatives' served relatives of its other groups."""
    old = tmp_path / "old-migrations"
    old.mkdir()
    for script in sorted(MIGRATIONS_DIR.glob("*.sql"))[:3]:
        (old / script.name).write_text(script.read_text("utf-8"), "utf-8")
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path) as db:
        await migrate(db, old)
        await db.execute(
            "INSERT INTO initiatives (key, name, organiser, description_da, description_en, target_groups,"
            " support_forms, area, audience, contact_da, contact_en, active, imported_at) VALUES ('x', 'X', 'O', 'D',"
            " '', '[\"mental_health\", \"relatives\"]', '[\"one_to_one\"]', '{}', 'seekers', 'C', '', 1, 'now')"
        )
        await db.execute(
            "INSERT INTO peers (user_id, display_name, status, kind, gender, target_groups, support_forms, languages,"
            " contact_modes, area, capacity, created_at, updated_at) VALUES (5, 'P', 'approved', 'volunteer', 'woman',"
            " '[\"relatives\", \"substance_use\"]', '[]', '[\"da\"]', '[]', '{}', 2, 'now', 'now')"
        )
        for group in ("relatives", "substance_use"):
            await db.execute(
                "INSERT INTO peer_reach VALUES (?, 'm:101', 'da', 0, (SELECT id FROM peers WHERE user_id = 5))",
                (group,),
            )
        await db.commit()
        await migrate(db)
        async with db.execute("SELECT target_groups, relatives_of, status, notes FROM initiatives") as cursor:
            assert await cursor.fetchall() == [('["mental_health"]', '["mental_health"]', "unknown", "")]
        async with db.execute("SELECT target_groups, relative_of FROM peers") as cursor:
            assert await cursor.fetchall() == [('["substance_use"]', '["substance_use"]')]
        async with db.execute("SELECT target_group FROM peer_reach ORDER BY target_group") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["relative:substance_use", "substance_use"]
