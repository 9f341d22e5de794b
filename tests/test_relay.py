"""The relay's decisions: which match a message belongs to, threading, edits, and every refusal; and that
/mydata and /delete reach every new table from both sides."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.outcomes import Refusal, Result
from bot.relay import EditTarget, Relay, Route
from bot.store.matches import MatchRecord, RelayedMessage
from tests.peer_world import COORDINATOR, Clock, World
from tests.test_offers import OTHER_PERSON, PEER_A, PEER_B, PERSON, STRANGER, offered


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    opened = await World.open(tmp_path / "m.sqlite3", Clock())
    try:
        yield opened
    finally:
        await opened.close()


async def matched(world: World, person: int = PERSON, peer_user: int = PEER_A) -> MatchRecord:
    _, offer_id = await offered(world, person, peer_user)
    result = await world.matches.accept(offer_id, peer_user)
    assert result.match is not None, result
    return result.match


def relay(world: World) -> Relay:
    return Relay(world.store, world.clock)


async def test_a_relay_message_with_no_open_match_is_refused(world: World) -> None:
    result = await relay(world).route(PERSON)
    assert isinstance(result, Result) and result.refusal is Refusal.NO_OPEN_MATCH


async def test_messages_go_to_the_other_side_and_the_peer_sees_the_number(world: World) -> None:
    match = await matched(world)
    to_peer = await relay(world).route(PERSON)
    assert to_peer == Route(match.id, PEER_A, None, 1)
    to_person = await relay(world).route(PEER_A)
    assert to_person == Route(match.id, PERSON, None, None), "the person is not shown conversation numbers"


async def test_replies_thread_to_the_right_message_on_the_other_side(world: World) -> None:
    match = await matched(world)
    r = relay(world)
    await r.record(RelayedMessage(match.id, PERSON, 10, PEER_A, 110))
    await r.record(RelayedMessage(match.id, PERSON, 10, PEER_A, 110))  # a redelivered update records once
    await r.record(RelayedMessage(match.id, PEER_A, 111, PERSON, 11))
    assert await r.route(PEER_A, reply_to=110) == Route(match.id, PERSON, 10, None), "a reply to a received copy"
    assert await r.route(PERSON, reply_to=10) == Route(match.id, PEER_A, 110, 1), "a reply to one's own message"
    assert await r.route(PERSON, reply_to=11) == Route(match.id, PEER_A, 111, 1)
    assert await r.route(PERSON, reply_to=5) == Route(match.id, PEER_A, None, 1), "a reply to Makker's own text"


async def test_a_peer_with_several_matches_chooses_and_a_forged_number_is_refused(world: World) -> None:
    first = await matched(world)
    second = await matched(world, OTHER_PERSON, PEER_A)
    r = relay(world)
    ambiguous = await r.route(PEER_A)
    assert isinstance(ambiguous, Result) and ambiguous.refusal is Refusal.CHOOSE_CONVERSATION
    assert ambiguous.params == {"numbers": [1, 2]}
    assert await r.route(PEER_A, conversation=2) == Route(second.id, OTHER_PERSON, None, None)
    await r.record(RelayedMessage(first.id, PERSON, 10, PEER_A, 110))
    assert await r.route(PEER_A, reply_to=110) == Route(first.id, PERSON, 10, None), "a reply picks the match"
    for forged in (3, 0, -1):
        result = await r.route(PEER_A, conversation=forged)
        assert isinstance(result, Result) and result.refusal is Refusal.NOT_FOUND
    await matched(world, STRANGER, PEER_B)
    result = await r.route(PERSON, conversation=1)
    assert isinstance(result, Result) and result.refusal is Refusal.NOT_FOUND, "only a peer's own numbers count"
    stolen = await r.route(PEER_B, conversation=2)
    assert isinstance(stolen, Result) and stolen.refusal is Refusal.NOT_FOUND, "another peer's number"


async def test_a_message_to_an_ended_match_is_not_relayed(world: World) -> None:
    match = await matched(world)
    r = relay(world)
    await r.record(RelayedMessage(match.id, PERSON, 10, PEER_A, 110))
    assert await r.edit_target(PERSON, 10) == EditTarget(PEER_A, 110)
    await world.matches.end_match(PERSON, match.id)
    reply = await r.route(PEER_A, reply_to=110)
    assert isinstance(reply, Result) and reply.refusal is Refusal.MATCH_ENDED
    by_number = await r.route(PEER_A, conversation=1)
    assert isinstance(by_number, Result) and by_number.refusal is Refusal.MATCH_ENDED
    plain = await r.route(PERSON)
    assert isinstance(plain, Result) and plain.refusal is Refusal.NO_OPEN_MATCH
    edit = await r.edit_target(PERSON, 10)
    assert isinstance(edit, Result) and edit.refusal is Refusal.MATCH_ENDED and edit.reply == "relay.edit_not_passed"
    unknown = await r.edit_target(PERSON, 99)
    assert isinstance(unknown, Result) and unknown.refusal is Refusal.NOT_FOUND


async def test_a_stranger_replying_to_a_number_in_someone_elses_map_finds_nothing(world: World) -> None:
    match = await matched(world)
    await relay(world).record(RelayedMessage(match.id, PERSON, 10, PEER_A, 110))
    result = await relay(world).route(STRANGER, reply_to=110)
    assert isinstance(result, Result) and result.refusal is Refusal.NO_OPEN_MATCH


async def test_the_peer_is_told_gently_once_when_the_person_was_shown_crisis_help(world: World) -> None:
    match = await matched(world)
    r = relay(world)
    notice = await r.crisis_shown(match.id, PERSON, 10)
    assert notice is not None and notice.chat_id == PEER_A and notice.key == "relay.crisis_shown"
    await r.crisis_shown(match.id, PERSON, 10)
    assert (await world.keys_to(PEER_A)).count("relay.crisis_shown") == 1
    assert await r.crisis_shown(match.id, PEER_A, 11) is None, "a peer's own words concern only the peer"


async def _mentions(world: World, user_id: int) -> dict[str, int]:
    found: dict[str, int] = {}
    tables = await world.store.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in [r["name"] for r in tables]:
        if table == "processed_updates":
            continue
        for column in [r["name"] for r in await world.store.db.fetch_all(f"PRAGMA table_info({table})")]:
            row = await world.store.db.fetch_one(
                f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ? OR CAST({column} AS TEXT) LIKE ?",
                (user_id, f"%{user_id}%"),
            )
            if row and row["n"]:
                found[f"{table}.{column}"] = row["n"]
    return found


@pytest.mark.parametrize("erased", [PERSON, PEER_A])
async def test_every_new_table_is_exported_and_erased_for_either_side(world: World, erased: int) -> None:
    match = await matched(world)
    await relay(world).record(RelayedMessage(match.id, PERSON, 10, PEER_A, 110))
    await world.matches.report(PERSON, match.id, "ubehagelig", block=False)
    await world.matches.suspend(COORDINATOR, PERSON, "x")
    await world.peers.start_application(PERSON, "da")
    other = PEER_A if erased == PERSON else PERSON
    exported = await world.store.privacy.export(erased)
    assert exported["matches"] and exported["offers"] and exported["relay_messages"] and exported["reports"]
    assert str(other) not in json.dumps(exported), "an export never shows the other side's Telegram id"
    if erased == PEER_A:
        assert "ubehagelig" not in json.dumps(exported), "a report's words never reach the one it is about"
    assert set(await _mentions(world, erased)) >= {"matches.user_id" if erased == PERSON else "matches.peer_user_id"}
    await world.matches.erase_person(erased)
    assert await _mentions(world, erased) == {}
    assert await _mentions(world, other), "the other side keeps what is theirs"
