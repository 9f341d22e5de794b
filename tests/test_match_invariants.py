"""A random walk through the life of many matches at once (choices, answers right and wrong, silence, pauses,
ends, blocks, suspensions, erasure), checking after every step what must always hold."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.store import matches as rows
from tests.peer_world import COORDINATOR, ZONE, Clock, World

PEERS = [7_600_000_001 + n for n in range(4)]
PEOPLE = [7_700_000_001 + n for n in range(10)]
STEPS = 300


def invariants(connection: sqlite3.Connection) -> list[str]:
    broken = []
    for peer in connection.execute("SELECT * FROM peers"):
        open_matches = connection.execute(
            "SELECT COUNT(*) FROM matches WHERE peer_id = ? AND state = 'open'", (peer["id"],)
        ).fetchone()[0]
        if peer["active_matches"] != open_matches:
            broken.append(f"peer {peer['id']}: active_matches {peer['active_matches']} != {open_matches} open")
        if open_matches > peer["capacity"]:
            broken.append(f"peer {peer['id']}: {open_matches} open matches beyond capacity {peer['capacity']}")
        suspended = rows.is_suspended(connection, peer["user_id"])
        should_be_found = peer["status"] == "approved" and not suspended and open_matches < peer["capacity"]
        indexed = connection.execute("SELECT 1 FROM peer_reach WHERE peer_id = ?", (peer["id"],)).fetchone()
        if bool(indexed) != should_be_found:
            broken.append(f"peer {peer['id']}: in the search index {bool(indexed)}, should be {should_be_found}")
        if suspended and peer["status"] == "approved":
            broken.append(f"peer {peer['id']}: suspended yet approved")
    for offer in connection.execute("SELECT * FROM offers WHERE state = 'open'"):
        if rows.open_match_for_request(connection, offer["request_id"]):
            broken.append(f"offer {offer['id']}: open beside an open match of its request")
        if rows.never_paired(connection, offer["user_id"], offer["peer_user_id"]):
            broken.append(f"offer {offer['id']}: open between a pair kept apart")
        peer = rows.peer_state(connection, peer_id=offer["peer_id"])
        if peer is None or peer.status != "approved" or peer.suspended:
            broken.append(f"offer {offer['id']}: open for a peer who cannot answer")
        if rows.is_suspended(connection, offer["user_id"]):
            broken.append(f"offer {offer['id']}: open for a suspended person")
    for match in connection.execute("SELECT * FROM matches WHERE state = 'open'"):
        if rows.is_suspended(connection, match["user_id"]) or rows.is_suspended(connection, match["peer_user_id"]):
            broken.append(f"match {match['id']}: open with a suspended side")
    doubled = connection.execute(
        "SELECT request_id FROM matches WHERE state = 'open' GROUP BY request_id HAVING COUNT(*) > 1"
    ).fetchall()
    if doubled:
        broken.append(f"requests with two open matches: {[r[0] for r in doubled]}")
    return broken


async def step(world: World, rng: random.Random) -> str | None:
    """One random action; returns what it achieved, if anything."""
    m, p = world.matches, world.peers
    read = world.store.db.read
    open_offers = await read(lambda c: [dict(r) for r in c.execute("SELECT * FROM offers WHERE state = 'open'")])
    open_matches = await read(lambda c: [dict(r) for r in c.execute("SELECT * FROM matches WHERE state = 'open'")])
    action = rng.choice(
        ["choose"] * 4
        + ["accept"] * 3
        + ["decline", "time", "time", "end", "block", "pause", "resume"]
        + ["suspend", "lift", "erase", "stranger"]
    )
    if action == "choose":
        person = rng.choice(PEOPLE)
        request = await world.store.intake.open_request(person)
        if request is None:
            request = await world.person(person)
        await world.matchmaker.match(request, world.clock().astimezone(ZONE).date())
        suggestions = await world.store.db.fetch_all(
            "SELECT id FROM suggestions WHERE user_id = ? AND kind = 'peer'", (person,)
        )
        if suggestions and (await m.choose_peer(person, rng.choice(suggestions)["id"])).notices:
            return "offered"
    elif action == "accept" and open_offers:
        offer = rng.choice(open_offers)
        accepted = await m.accept(offer["id"], offer["peer_user_id"])
        await m.accept(offer["id"], offer["peer_user_id"])  # a double tap
        return "matched" if accepted.ok else None
    elif action == "decline" and open_offers:
        offer = rng.choice(open_offers)
        await m.decline(offer["id"], offer["peer_user_id"], rng.choice([None, "no_time", "knows_person"]))
    elif action == "time":
        world.clock.advance(hours=rng.choice([1, 12, 25, 49]))
        return "expired" if (await m.run_due()).expired else None
    elif action == "end" and open_matches:
        match = rng.choice(open_matches)
        await m.end_match(rng.choice([match["user_id"], match["peer_user_id"]]), match["id"])
        return "ended"
    elif action == "block" and open_matches:
        match = rng.choice(open_matches)
        await m.report(match["user_id"], match["id"], rng.choice(["", "Det var ikke rart"]), block=True)
    elif action == "pause":
        await p.pause(rng.choice(PEERS), rng.choice([None, world.clock().date()]))
    elif action == "resume":
        await p.resume(rng.choice(PEERS))
    elif action == "suspend":
        await m.suspend(COORDINATOR, rng.choice(PEERS + PEOPLE), "test")
    elif action == "lift":
        await m.lift_suspension(COORDINATOR, rng.choice(PEERS + PEOPLE))
    elif action == "erase":
        who = rng.choice(PEOPLE + PEERS[:1])
        await m.erase_person(who)
        if who in PEERS:
            await world.peer(who, "Igen", capacity=2)
    elif action == "stranger" and open_offers:
        offer = rng.choice(open_offers)
        await m.accept(offer["id"], rng.choice(PEOPLE))  # a non-peer, or the wrong peer, presses Accept
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_what_must_always_hold_holds_after_every_step(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    world = await World.open(tmp_path / "walk.sqlite3", Clock())
    try:
        for n, user_id in enumerate(PEERS):
            await world.peer(user_id, f"Peer {n}", capacity=1 + n % 2)
        achieved: Counter[str | None] = Counter()
        for number in range(STEPS):
            achieved[await step(world, rng)] += 1
            broken = await world.store.db.read(invariants)
            assert not broken, f"seed {seed}, step {number}: {broken}"
        assert min(achieved[what] for what in ("offered", "matched", "expired", "ended")) >= 1, achieved
    finally:
        await world.close()
