"""Typical people walk the intake through the real process, and every suggestion they are shown is inside their
area, for their situation and true about whether it still runs (issue #11)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

import pytest

from bot.i18n import Catalogue
from matching.catalogue import Initiative, load_initiatives
from matching.geo import default_geography
from matching.taxonomy import TargetGroup
from tests.e2e.conftest import BotProcess
from tests.e2e.test_intake import Person
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e

CATALOGUE = {initiative.key: initiative for initiative in load_initiatives()}
GEO = default_geography()
TEXTS = Catalogue()
EDITORIAL = ("kilden", "kataloget", "bevilget", "afsluttet i", "Kilde:")


@dataclass(frozen=True)
class Walker:
    """A typical person: who they are, what they answer, which initiative is theirs, and what must not be shown."""

    user_id: int
    who: str
    for_whom: str
    groups: tuple[str, ...]
    age: str
    typed_place: str
    municipality: int
    forms: tuple[str, ...]
    expected: str
    never: tuple[str, ...] = field(default=())


WALKERS = (
    Walker(
        7001,
        "a mother in Aarhus whose son has had a psychosis",
        "relative",
        ("mental_health",),
        "40_64",
        "aarhus",
        751,
        ("one_to_one",),
        "ligestillet-stoette",
        ("sjaeldne-navigatorer", "peer-to-peer-odense"),
    ),
    Walker(
        7002,
        "a man in Roskilde on sick leave with depression",
        "self",
        ("mental_health",),
        "40_64",
        "Roskilde",
        265,
        ("bridge_work_education",),
        "peers-som-brobyggere",
        ("peer-stoette-region-hovedstaden", "bro-til-hverdagslivet"),
    ),
    Walker(
        7003,
        "a young gamer with social anxiety in Odense",
        "self",
        ("mental_health",),
        "18_24",
        "odense",
        461,
        ("group_community",),
        "peer-to-peer-odense",
        ("ligestillet-stoette", "peers-som-brobyggere"),
    ),
    Walker(
        7004,
        "a 20-year-old from Syria in Varde",
        "self",
        ("refugees_immigrants",),
        "18_24",
        "Varde",
        573,
        ("group_community",),
        "mindspring",
    ),
    Walker(
        7005,
        "parents of a child with a rare diagnosis in Vejle",
        "relative",
        ("rare_diagnosis",),
        "25_39",
        "vejle",
        630,
        ("one_to_one",),
        "sjaeldne-navigatorer",
        ("ligestillet-stoette",),
    ),
    Walker(
        7006,
        "a woman in Helsingør with bipolar disorder",
        "self",
        ("mental_health",),
        "25_39",
        "Helsingor",
        217,
        ("one_to_one",),
        "peer-stoette-region-hovedstaden",
        ("peers-som-brobyggere", "ligestillet-stoette"),
    ),
    Walker(
        7007,
        "a woman in Aalborg who recently lost her sight",
        "self",
        ("vision_loss",),
        "65_plus",
        "Aalborg",
        851,
        ("course",),
        "at-mestre-livet-med-et-synstab",
    ),
)


def walk(person: Person, walker: Walker) -> str:
    """The whole intake with buttons and typed text, as a person in the Telegram app; the suggestions shown."""
    t = TEXTS.text
    person.say("/start", "Giver du samtykke")
    person.tap("c:yes", "Hvem søger du støtte til?")
    person.tap(f"i:whom:pick:{walker.for_whom}", "Hvad handler det om")
    for group in walker.groups:
        person.tap(f"i:grp:tog:{group}", "✅ " + t("da", f"taxonomy.target_group.{group}"))
    person.tap("i:grp:done", "Hvor gammel er du?")
    person.tap(f"i:age:pick:{walker.age}", "Hvor bor du?")
    name = GEO.municipality(walker.municipality).name
    person.say(walker.typed_place, f"Jeg har noteret {name} som din kommune")
    for form in walker.forms:
        person.tap(f"i:form:tog:{form}", "✅ " + t("da", f"taxonomy.support_form.{form}"))
    person.tap("i:form:done", "Hvilke sprog")
    person.tap("i:lang:done", "Har du et ønske om")
    person.tap("i:gen:pick:none", "Hvordan vil du helst")
    person.tap("i:cont:tog:in_person", "✅ Møde ansigt til ansigt")
    person.tap("i:cont:done", "Til sidst")
    person.tap("i:text:skip", "Her er det, du har fortalt mig")
    person.tap("i:sum:confirm", "Her er mine forslag til dig")
    return str(person.last_message()["text"])


def shown_initiatives(bot: BotProcess, user_id: int) -> list[str]:
    with sqlite3.connect(bot.database) as db:
        rows = db.execute(
            "SELECT candidate FROM suggestions WHERE user_id = ? AND kind = 'initiative' ORDER BY position",
            (user_id,),
        ).fetchall()
    return [row[0] for row in rows]


def fits(walker: Walker, initiative: Initiative) -> bool:
    groups = {TargetGroup(group) for group in walker.groups}
    served = initiative.target_groups | (initiative.relatives_of if walker.for_whom == "relative" else frozenset())
    return bool(groups & served)


def test_typical_people_see_only_suggestions_for_their_area_and_situation(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    for walker in WALKERS:
        text = walk(Person(api, walker.user_id), walker)
        keys = shown_initiatives(bot, walker.user_id)
        assert walker.expected in keys[:3], (walker.who, keys)
        for key in keys:
            initiative = CATALOGUE[key]
            assert initiative.name in text, (walker.who, key)
            assert initiative.offered_to_seekers, (walker.who, key)
            local = not (initiative.area.national or initiative.area.online)
            assert not local or GEO.covers(walker.municipality, initiative.area), (walker.who, key, "outside area")
            assert fits(walker, initiative), (walker.who, key, "not for their situation")
            if initiative.ended:
                assert f"Projektet kørte {initiative.start_year}–{initiative.end_year}." in text or (
                    f"Projektet sluttede i {initiative.end_year}." in text
                ), (walker.who, key)
        for key in walker.never:
            assert key not in keys and CATALOGUE[key].name not in text, (walker.who, key)
        assert "I en naboregion" not in text, walker.who  # no local service of another area
        assert not any(word in text for word in EDITORIAL), walker.who
        if walker.for_whom == "relative":
            assert "For pårørende til" in text, walker.who
        for_peers = ("peer-netvaerket-danmark", "medarbejder-med-brugererfaring")
        assert not set(for_peers) & set(keys), walker.who
    assert bot.stop() == 0
    with sqlite3.connect(bot.database) as db:
        saved = dict(db.execute("SELECT user_id, for_whom FROM support_requests").fetchall())
        groups = dict(db.execute("SELECT user_id, target_groups FROM support_requests").fetchall())
    assert saved[7001] == "relative" and json.loads(groups[7001]) == ["mental_health"]
    assert len(saved) == len(WALKERS)
