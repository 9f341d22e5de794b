"""Every notice and reply the peers' services make renders in Danish and English, and the offer's summary reads
as a peer should read it: labels, no name, no free text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Catalogue, load_catalogue
from bot.outcomes import Refusal, Result, refused
from bot.peer_application import SINGLE_CHOICE, Statement, Step
from bot.peer_texts import render
from matching.geo import default_geography
from matching.model import PeerKind
from matching.taxonomy import Gender
from tests.peer_world import COORDINATOR, ZONE, Clock, World
from tests.test_offers import OTHER_PERSON, PEER_A, PEER_B, PERSON, offered
from tests.test_peer_application import applied

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["bot/offers.py", "bot/peers.py", "bot/relay.py", "bot/peer_application.py"]
KEY = re.compile(r'"((?:peer_match|peer_offer|peer_apply|peer|report|suspension|relay)\.[a-z_.]+)"')


def rendered(key: str, params: object, language: str) -> str:
    assert isinstance(params, dict)
    return render(Catalogue(), language, key, params, geography=default_geography(), zone=ZONE)


def test_every_key_the_services_name_is_in_both_catalogues() -> None:
    named = {key for path in SERVICES for key in KEY.findall((ROOT / path).read_text(encoding="utf-8"))}
    named |= {f"refusal.{refusal.value}" for refusal in Refusal}
    assert len(named) > 60
    for language in LANGUAGES:
        missing = named - set(load_catalogue(language))
        assert not missing, f"{language}: {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_refusal_renders(language: str) -> None:
    for refusal in Refusal:
        result = refused(refusal, number=2, capacity=2, numbers=[1, 3])
        assert rendered(result.reply, dict(result.params), language)


async def test_every_notice_and_reply_of_a_busy_day_renders(tmp_path: Path) -> None:
    world = await World.open(tmp_path / "m.sqlite3", Clock())
    results: list[Result] = []
    try:
        application = await applied(world, 7_500_000_001)
        results.append(await world.peers.approve(COORDINATOR, application))
        results.append(await world.peers.pause(7_500_000_001, world.clock().date().replace(day=20)))
        _, offer_id = await offered(world)
        await world.peer(PEER_B, "Jens")
        results.append(await world.matches.decline(offer_id, PEER_A, "not_a_fit"))
        world.clock.advance(hours=30)
        await world.matches.run_due()
        await world.store.db.write("UPDATE outbox SET status = 'sent'")  # a sent reminder is never taken back
        world.clock.advance(hours=30)
        await world.matches.run_due()
        _, second = await offered(world, OTHER_PERSON, 7_500_000_009, "Lise")
        accepted = await world.matches.accept(second, 7_500_000_009)
        assert accepted.match is not None
        match_id = accepted.match.id
        results += [accepted, await world.matches.agree_contact(OTHER_PERSON, match_id, "@sol")]
        results.append(await world.matches.agree_contact(OTHER_PERSON, match_id, "@sol"))
        results.append(await world.matches.decline_contact(7_500_000_009, match_id))
        results.append(await world.matches.decline_contact(OTHER_PERSON, match_id))
        results.append(await world.matches.agree_contact(7_500_000_009, match_id, "tg://user?id=7500000009"))
        results.append(await world.matches.agree_contact(OTHER_PERSON, match_id, "@sol"))
        results.append(await world.matches.report(OTHER_PERSON, match_id, "Ubehageligt", block=True))
        results.append(await world.matches.suspend_reported(COORDINATOR, 1))
        results.append(await world.matches.suspend_reported(COORDINATOR, 1))
        results.append(await world.matches.suspend(COORDINATOR, 7_500_000_009, "x"))
        results.append(Result("report.flow.choose", {"numbers": [1, 2]}))
        rows = await world.outbox()
    finally:
        await world.close()
    keys = {row["text_key"] for row in rows} | {r.reply for r in results}
    assert {"peer_offer.new", "peer_offer.reminder", "peer_offer.expired_peer", "peer_offer.person_next_asked"} <= keys
    exchange = {"contact.waiting", "contact.already_waiting", "contact.declined_you", "contact.cancelled"}
    exchange |= {"contact.asked_peer", "contact.asked_person", "contact.declined_person"}
    exchange |= {"contact.exchanged_peer", "contact.exchanged_person", "suspension.command.done_report"}
    assert exchange | {"suspension.command.already_report", "report.to_coordinators"} <= keys
    for language in LANGUAGES:
        for row in rows:
            assert rendered(row["text_key"], json.loads(row["params"]), language)
        for result in results:
            assert rendered(result.reply, dict(result.params), language)


async def test_the_offer_summary_reads_plainly_and_holds_nothing_personal(tmp_path: Path) -> None:
    world = await World.open(tmp_path / "m.sqlite3", Clock())
    try:
        await offered(world)
        [row] = await world.outbox(PEER_A)
    finally:
        await world.close()
    text = rendered(row["text_key"], json.loads(row["params"]), "da")
    assert "• Søger støtte til sig selv\n• Det handler om: psykiske vanskeligheder\n• Alder: 25–39 år" in text
    assert "• Bor i: Køge\n" in text and "• Kan kontaktes: Chat gennem Makker" in text
    assert "Hemmelig" not in text and str(PERSON) not in text
    english = rendered(row["text_key"], json.loads(row["params"]), "en")
    assert "• It is about: mental-health difficulties" in english and "within 48 hours" in english


def test_every_question_statement_and_choice_of_the_application_has_a_text() -> None:
    wanted = {f"peer_apply.question.{step.value}" for step in Step}
    wanted |= {f"peer_apply.statement.{statement.value}" for statement in Statement}
    wanted |= {f"peer_apply.kind.{kind.value}" for kind in PeerKind} | {f"peer_apply.gender.{g.value}" for g in Gender}
    wanted |= {f"taxonomy.age_band.{band}" for band in SINGLE_CHOICE[Step.AGE]}
    for language in LANGUAGES:
        assert wanted <= set(load_catalogue(language)), wanted - set(load_catalogue(language))
