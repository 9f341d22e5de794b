"""The router: which conversation gets a person's text, photo or voice note, decided from one row in SQLite."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update

from bot.clock import utc_now
from bot.context import MakkerContext
from bot.db import MIGRATIONS_DIR, connect, migrate
from bot.intake import Step
from bot.router import Conversation, Kind
from bot.store.owners import Claim, OwnerRepository
from tests.conftest import BotHarness
from tests.test_intake_handlers import consent, current_step, walk_to

SEEKER = 501
PEER = 502
NO_OWNER = "ingen samtale i gang"


@dataclass
class Recorder:
    """A test conversation: records what reaches it and answers with its own words."""

    kind: Kind
    words: str
    seen: list[tuple[int, int | None, str | None]] = field(default_factory=list)
    keeps: bool = True

    async def on_message(self, update: Update, context: MakkerContext, claim: Claim) -> bool:
        assert update.effective_user is not None and update.effective_message is not None
        if not self.keeps:
            return False
        self.seen.append((update.effective_user.id, claim.ref, update.effective_message.text))
        await context.bot.send_message(update.effective_user.id, f"{self.words} {claim.ref}")
        return True


@pytest.fixture
def relay(harness: BotHarness) -> Recorder:
    recorder = Recorder(Kind.CHECKIN, "checkin")
    harness.services.router.register(Conversation(Kind.CHECKIN, recorder.on_message))
    return recorder


@pytest.fixture
def application(harness: BotHarness) -> Recorder:
    recorder = Recorder(Kind.BROADCAST, "application")
    harness.services.router.register(Conversation(Kind.BROADCAST, recorder.on_message))
    return recorder


async def test_without_an_owner_the_person_is_told_what_they_can_do(harness: BotHarness) -> None:
    text = await harness.say(SEEKER, "hej")
    assert NO_OWNER in text and "/start" in text and "/krise" in text
    for update in (harness.updates.photo(SEEKER), harness.updates.voice(SEEKER), harness.updates.sticker(SEEKER)):
        before = len(harness.api.texts_to(SEEKER))
        await harness.feed(update)
        assert len(harness.api.texts_to(SEEKER)) == before + 1 and NO_OWNER in harness.api.last_text(SEEKER)
    assert not any((await harness.services.store.privacy.export(SEEKER)).values()), "nothing stored"


async def test_each_conversation_gets_its_own_texts(
    harness: BotHarness, relay: Recorder, application: Recorder
) -> None:
    router = harness.services.router
    await router.claim(SEEKER, Kind.CHECKIN, 7)
    await router.claim(PEER, Kind.BROADCAST)
    assert await harness.say(SEEKER, "til min makker") == "checkin 7"
    assert await harness.say(PEER, "om mig selv") == "application None"
    assert relay.seen == [(SEEKER, 7, "til min makker")]
    assert application.seen == [(PEER, None, "om mig selv")]


async def test_a_relay_with_one_of_several_matches(harness: BotHarness, relay: Recorder) -> None:
    router = harness.services.router
    await router.claim(PEER, Kind.CHECKIN, 7)
    await harness.say(PEER, "til den første")
    assert await router.claim(PEER, Kind.CHECKIN, 8) == Claim(Kind.CHECKIN, 7)
    await harness.say(PEER, "til den anden")
    assert relay.seen == [(PEER, 7, "til den første"), (PEER, 8, "til den anden")]
    assert not await router.release(PEER, Kind.CHECKIN, 7), "the relay with match 7 no longer owns the person"
    assert await router.owner(PEER) == Claim(Kind.CHECKIN, 8)


async def test_a_peer_in_a_relay_who_starts_an_intake_is_never_confused(harness: BotHarness, relay: Recorder) -> None:
    router = harness.services.router
    await router.claim(PEER, Kind.CHECKIN, 7)
    await walk_to(harness, Step.MUNICIPALITY, user=PEER)
    assert await router.owner(PEER) == Claim(Kind.INTAKE)
    await harness.say(PEER, "Koege")  # the intake's answer, not a message for the match
    assert await current_step(harness, PEER) is Step.SUPPORT_FORMS
    assert relay.seen == []
    assert not await router.release(PEER, Kind.CHECKIN, 7), "the relay ending does not take the person from the intake"
    assert await router.owner(PEER) == Claim(Kind.INTAKE)

    await router.claim(PEER, Kind.CHECKIN, 7)  # the peer taps "reply" on a message from the match
    await harness.say(PEER, "Hej igen")
    assert relay.seen == [(PEER, 7, "Hej igen")]
    assert await current_step(harness, PEER) is Step.SUPPORT_FORMS, "the draft is untouched"

    await harness.press(PEER, "i:form:tog:one_to_one")  # back in the intake: it owns the person's text again
    await harness.press(PEER, "i:form:done")
    await harness.press(PEER, "i:lang:done")
    await harness.press(PEER, "i:gen:pick:none")
    await harness.press(PEER, "i:cont:tog:chat")
    await harness.press(PEER, "i:cont:done")
    await harness.say(PEER, "Nogen at tale med")
    assert await current_step(harness, PEER) is Step.SUMMARY and len(relay.seen) == 1
    await harness.press(PEER, "i:sum:confirm")
    assert await router.owner(PEER) is None, "a finished intake lets go"
    assert NO_OWNER in await harness.say(PEER, "tak")
    assert len(relay.seen) == 1, "a finished intake does not hand the person to an earlier conversation"


async def test_the_intake_claims_and_lets_go_with_its_draft(harness: BotHarness) -> None:
    router, db = harness.services.router, harness.services.store.db
    await consent(harness, SEEKER)
    row = await db.fetch_one("SELECT kind, ref FROM conversation_owners WHERE user_id = ?", (SEEKER,))
    assert row is not None and (row["kind"], row["ref"]) == ("intake", None), "written with the consent and draft"
    await harness.say(SEEKER, "/cancel")
    assert await router.owner(SEEKER) is None
    assert NO_OWNER in await harness.say(SEEKER, "hej")
    await harness.say(SEEKER, "/start")  # consented before: straight to the first question, a new draft
    assert await router.owner(SEEKER) == Claim(Kind.INTAKE)
    await harness.say(SEEKER, "/delete")
    await harness.press(SEEKER, "p:del:yes")
    assert await router.owner(SEEKER) is None
    assert await db.fetch_one("SELECT 1 FROM conversation_owners WHERE user_id = ?", (SEEKER,)) is None


async def test_a_claim_is_read_from_the_database_after_a_restart(harness: BotHarness, relay: Recorder) -> None:
    await harness.services.router.claim(PEER, Kind.CHECKIN, 9)
    fresh = OwnerRepository(harness.services.store.db)  # an empty cache, as after a restart
    assert await fresh.owner(PEER) == Claim(Kind.CHECKIN, 9)
    assert await fresh.owner(SEEKER) is None


async def test_the_owner_is_read_once_then_remembered(harness: BotHarness, relay: Recorder) -> None:
    await harness.services.router.claim(PEER, Kind.CHECKIN, 9)
    await harness.say(PEER, "først")
    hand_offs = harness.services.store.db.hand_offs
    await harness.say(PEER, "så")
    assert harness.services.store.db.hand_offs == hand_offs, "routing a message costs no trip to the database"


async def test_an_owner_with_nothing_under_way_lets_go(harness: BotHarness, relay: Recorder) -> None:
    await harness.services.router.claim(PEER, Kind.CHECKIN, 3)
    relay.keeps = False  # e.g. the match ended meanwhile
    assert NO_OWNER in await harness.say(PEER, "hallo?")
    assert await harness.services.router.owner(PEER) is None


async def test_an_owner_nobody_registered_gets_the_friendly_answer(harness: BotHarness) -> None:
    await harness.services.store.owners.claim(SEEKER, Claim("broadcast"))  # a kind this build has no handler for
    assert NO_OWNER in await harness.say(SEEKER, "hej")
    with pytest.raises(ValueError, match="registered"):
        await harness.services.router.claim(SEEKER, Kind.CHECKIN)


async def test_crisis_first_then_the_owner_sees_it_and_no_owner_stays_quiet(
    harness: BotHarness, relay: Recorder
) -> None:
    await harness.say(SEEKER, "jeg vil ikke leve mere")
    assert len(harness.api.texts_to(SEEKER)) == 1 and "Livslinien" in harness.api.last_text(SEEKER)
    await harness.services.router.claim(PEER, Kind.CHECKIN, 4)
    await harness.say(PEER, "jeg vil ikke leve mere")
    texts = harness.api.texts_to(PEER)
    assert "Livslinien" in texts[0] and texts[1] == "checkin 4", "the crisis help comes first"


async def test_stale_drafts_forgotten_by_housekeeping_let_go_of_the_person(harness: BotHarness) -> None:
    await consent(harness, SEEKER)
    assert await harness.services.store.intake.forget_stale_drafts(utc_now() + timedelta(seconds=1)) == 1
    assert await harness.services.router.owner(SEEKER) is None


async def test_an_intake_under_way_before_the_upgrade_owns_the_persons_text(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    router_migration = next(MIGRATIONS_DIR.glob("*_router.sql"))
    for migration in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if migration == router_migration:
            break
        shutil.copy(migration, earlier / migration.name)
    connection = await connect(tmp_path / "makker.sqlite3")
    try:
        await migrate(connection, earlier)
        await connection.execute(
            "INSERT INTO intake_drafts (user_id, step, answers, started_at, updated_at) VALUES (?, 'age', '{}', ?, ?)",
            (SEEKER, "2026-11-30T10:00:00Z", "2026-11-30T10:00:00Z"),
        )
        await connection.commit()
        applied = [m.name for m in await migrate(connection)]
        assert applied[0] == router_migration.stem.split("_", 1)[1]
        async with connection.execute("SELECT user_id, kind, ref FROM conversation_owners") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [(SEEKER, "intake", None)]
    finally:
        await connection.close()
