"""Update ids are remembered in memory and in the database, so a redelivery after a restart is dropped."""

from __future__ import annotations

from pathlib import Path

from bot.dedup import UpdateDeduplicator
from bot.store import Store
from matching.geo import default_geography


async def test_seen_ids_survive_a_restart_once_flushed(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "m.sqlite3", default_geography())
    dedup = UpdateDeduplicator(store.updates)
    assert dedup.first_time(1) and dedup.first_time(2)
    assert not dedup.first_time(1)
    await dedup.flush()
    await dedup.flush()  # nothing new: nothing written twice
    await store.close()

    store = await Store.open(tmp_path / "m.sqlite3", default_geography())
    restarted = UpdateDeduplicator(store.updates)
    await restarted.load()
    assert not restarted.first_time(1) and not restarted.first_time(2)
    assert restarted.first_time(3)
    rows = await store.db.fetch_all("SELECT update_id FROM processed_updates ORDER BY update_id")
    assert [row["update_id"] for row in rows] == [1, 2]
    await store.close()
