"""The rules that make suggestions trustworthy: right area, right situation (relatives), true about what still runs."""

from __future__ import annotations

from datetime import date

import pytest

from matching.catalogue import Status
from matching.engine import Exclusion, initiative_exclusion, initiative_tier, peer_tier, person_proximity, rank
from matching.geo import Area, default_geography
from matching.model import Need
from matching.scoring import Reason
from matching.taxonomy import ForWhom, SupportForm, TargetGroup
from tests.test_scoring import make_initiative, make_need, make_peer

GEO = default_geography()
BEFORE = date(2026, 12, 1)
AFTER = date(2027, 3, 1)  # Hovedstaden and Sjælland are Region Østdanmark
KOEBENHAVN, FREDERIKSBERG, HELSINGOER, BORNHOLM = 101, 147, 217, 400
ROSKILDE, KOEGE, LOLLAND = 265, 259, 360
ODENSE, NYBORG, KOLDING, VARDE, ESBJERG = 461, 450, 621, 573, 561
AARHUS, SILKEBORG = 751, 740
HOVEDSTADEN_OLD = {m.code for m in GEO.municipalities_in("hovedstaden", BEFORE)}
SJAELLAND_OLD = {m.code for m in GEO.municipalities_in("sjaelland", BEFORE)}


def keys(need: Need, initiatives: list, on: date = BEFORE) -> list[str]:
    return [str(s.candidate_id) for s in rank(need, [], initiatives, geography=GEO, on=on).initiatives]


def excluded(need: Need, initiative, on: date = BEFORE) -> Exclusion | None:  # type: ignore[no-untyped-def]
    proximity = person_proximity(need, initiative.area, geography=GEO, on=on)
    return initiative_exclusion(need, initiative, proximity, geography=GEO)


# Area: a local initiative only inside its area


def test_a_municipal_initiative_is_suggested_only_in_its_municipalities() -> None:
    odense = make_initiative(key="odense", area=Area(municipalities=frozenset({ODENSE})))
    assert keys(make_need(municipality_code=ODENSE), [odense]) == ["odense"]
    for elsewhere in (NYBORG, KOLDING, VARDE, SILKEBORG, AARHUS):  # same region, neighbour region, farther away
        need = make_need(municipality_code=elsewhere)
        assert keys(need, [odense]) == [], elsewhere
        assert excluded(need, odense) is Exclusion.NOT_IN_AREA


def test_a_regional_initiative_is_suggested_only_in_its_region() -> None:
    midt = make_initiative(key="midt", area=Area(regions=frozenset({"midtjylland"})))
    assert keys(make_need(municipality_code=SILKEBORG), [midt]) == ["midt"]
    for elsewhere in (ODENSE, VARDE, KOLDING):  # Syddanmark, the neighbour
        assert keys(make_need(municipality_code=elsewhere), [midt]) == [], elsewhere
    sjaelland = make_initiative(key="sjaelland", area=Area(regions=frozenset({"sjaelland"})))
    for elsewhere in (HELSINGOER, FREDERIKSBERG, KOEBENHAVN):
        assert keys(make_need(municipality_code=elsewhere), [sjaelland]) == [], elsewhere
    hovedstaden = make_initiative(key="hovedstaden", area=Area(regions=frozenset({"hovedstaden"})))
    assert keys(make_need(municipality_code=ROSKILDE), [hovedstaden]) == []


@pytest.mark.parametrize("on", [BEFORE, AFTER], ids=str)
def test_after_the_merger_an_old_region_serves_exactly_its_old_municipalities(on: date) -> None:
    hovedstaden = make_initiative(key="hovedstaden", area=Area(regions=frozenset({"hovedstaden"})))
    sjaelland = make_initiative(key="sjaelland", area=Area(regions=frozenset({"sjaelland"})))
    oestdanmark = make_initiative(key="oestdanmark", area=Area(regions=frozenset({"oestdanmark"})))
    catalogue = [hovedstaden, sjaelland, oestdanmark]
    everyone = {m.code for m in GEO.all_municipalities()}
    for code in everyone:
        got = set(keys(make_need(municipality_code=code), catalogue, on))
        expected = set()
        if code in HOVEDSTADEN_OLD:
            expected = {"hovedstaden", "oestdanmark"}
        elif code in SJAELLAND_OLD:
            expected = {"sjaelland", "oestdanmark"}
        assert got == expected, (code, on)
    assert len(HOVEDSTADEN_OLD) == 29 and len(SJAELLAND_OLD) == 17
    assert GEO.region_of(ROSKILDE, AFTER).code == GEO.region_of(KOEBENHAVN, AFTER).code == "oestdanmark"


def test_covers_follows_the_old_regions_and_listed_municipalities() -> None:
    assert GEO.covers(BORNHOLM, Area(regions=frozenset({"hovedstaden"})))
    assert not GEO.covers(LOLLAND, Area(regions=frozenset({"hovedstaden"})))
    assert GEO.covers(LOLLAND, Area(regions=frozenset({"oestdanmark"})))
    assert GEO.covers(VARDE, Area(municipalities=frozenset({VARDE, BORNHOLM})))
    assert not GEO.covers(ESBJERG, Area(municipalities=frozenset({VARDE, BORNHOLM})))
    assert not GEO.covers(VARDE, Area(national=True)), "national areas are not local"


def test_national_and_online_initiatives_fill_the_places_after_local_ones() -> None:
    """A local offer in the person's area comes first, even an ended one that fits the form less well."""
    national = [
        make_initiative(key=f"national-{n}", area=Area(online=n == 0, national=n != 0), status=Status.RUNNING)
        for n in range(3)
    ]
    local = make_initiative(
        key="local",
        area=Area(regions=frozenset({"hovedstaden"})),
        status=Status.ENDED,
        end_year=2018,
        support_forms=frozenset({SupportForm.COURSE}),
    )
    got = keys(make_need(), [*national, local])
    assert got[0] == "local" and len(got) == 3 and all(key.startswith("national") for key in got[1:])
    assert sorted(keys(make_need(municipality_code=ODENSE), [*national, local])) == [
        "national-0",
        "national-1",
        "national-2",
    ]


def test_peers_outside_the_area_may_still_be_offered_but_rank_lower() -> None:
    near = make_peer(peer_id=1, user_id=11, area=Area(municipalities=frozenset({KOEBENHAVN})))
    neighbour = make_peer(peer_id=2, user_id=12, area=Area(municipalities=frozenset({ROSKILDE})))
    online = make_peer(peer_id=3, user_id=13, area=Area(online=True))
    ranking = rank(make_need(), [online, neighbour, near], [], geography=GEO, on=BEFORE)
    assert [s.candidate_id for s in ranking.peers] == [1, 2, 3]


# Relatives: "relative" qualifies a situation


PSYCHIATRY_RELATIVES = make_initiative(
    key="psychiatry-relatives", target_groups=frozenset(), relatives_of=frozenset({TargetGroup.MENTAL_HEALTH})
)
RARE_PROGRAMME = make_initiative(
    key="rare",
    target_groups=frozenset({TargetGroup.RARE_DIAGNOSIS}),
    relatives_of=frozenset({TargetGroup.RARE_DIAGNOSIS}),
)
PSYCHIATRY_SELF = make_initiative(
    key="psychiatry-self",
    area=Area(municipalities=frozenset({KOEBENHAVN})),
    target_groups=frozenset({TargetGroup.MENTAL_HEALTH}),
)


def relative(*groups: TargetGroup, **changes: object) -> Need:
    return make_need(for_whom=ForWhom.RELATIVE, target_groups=frozenset(groups), **changes)


def test_a_relatives_offer_fits_only_relatives_of_that_situation() -> None:
    catalogue = [PSYCHIATRY_RELATIVES, RARE_PROGRAMME]
    assert keys(relative(TargetGroup.MENTAL_HEALTH), catalogue) == ["psychiatry-relatives"]
    assert keys(relative(TargetGroup.RARE_DIAGNOSIS), catalogue) == ["rare"]
    assert excluded(relative(TargetGroup.RARE_DIAGNOSIS), PSYCHIATRY_RELATIVES) is Exclusion.NO_SHARED_TARGET_GROUP
    # A person seeking for themself never gets an offer only for relatives.
    assert keys(make_need(), catalogue) == []
    assert keys(make_need(target_groups=frozenset({TargetGroup.RARE_DIAGNOSIS})), catalogue) == ["rare"]


def test_a_relatives_offer_that_fits_ranks_above_one_for_the_person_themself() -> None:
    """Even when the one for the person in the situation is local and scores higher."""
    need = relative(TargetGroup.MENTAL_HEALTH)
    ranking = rank(need, [], [PSYCHIATRY_SELF, PSYCHIATRY_RELATIVES], geography=GEO, on=BEFORE)
    assert [s.candidate_id for s in ranking.initiatives] == ["psychiatry-relatives", "psychiatry-self"]
    first, second = ranking.initiatives
    assert first.score.total < second.score.total, "the tier, not the score, puts the relatives' offer first"
    assert Reason("match.reason.relative.offer", (("group", "mental_health"),)) in first.reasons
    assert Reason("match.reason.relative.for_loved_one", (("group", "mental_health"),)) in second.reasons
    assert initiative_tier(need, PSYCHIATRY_RELATIVES, geography=GEO) < initiative_tier(
        need, PSYCHIATRY_SELF, geography=GEO
    )  # type: ignore[operator]


def test_an_old_request_with_the_relatives_group_is_read_as_a_relatives_request() -> None:
    legacy = make_need(target_groups=frozenset({TargetGroup.MENTAL_HEALTH, TargetGroup.RELATIVES}))
    assert keys(legacy, [PSYCHIATRY_RELATIVES, RARE_PROGRAMME]) == ["psychiatry-relatives"]


def test_peers_who_are_relatives_fit_relatives_of_the_same_situation_first() -> None:
    mother = make_peer(
        peer_id=1, user_id=11, target_groups=frozenset(), relative_of=frozenset({TargetGroup.MENTAL_HEALTH})
    )
    rare_parent = make_peer(
        peer_id=2, user_id=12, target_groups=frozenset(), relative_of=frozenset({TargetGroup.RARE_DIAGNOSIS})
    )
    own = make_peer(peer_id=3, user_id=13, target_groups=frozenset({TargetGroup.MENTAL_HEALTH}))
    peers = [own, rare_parent, mother]
    need = relative(TargetGroup.MENTAL_HEALTH)
    ranking = rank(need, peers, [], geography=GEO, on=BEFORE)
    assert [s.candidate_id for s in ranking.peers] == [1, 3]
    assert Reason("match.reason.relative.experience", (("group", "mental_health"),)) in ranking.peers[0].reasons
    assert Reason("match.reason.experience", (("group", "mental_health"),)) in ranking.peers[1].reasons
    assert (peer_tier(need, mother), peer_tier(need, own), peer_tier(need, rare_parent)) == (0, 1, None)
    # A person seeking for themself: only the peer with own experience.
    assert [s.candidate_id for s in rank(make_need(), peers, [], geography=GEO, on=BEFORE).peers] == [3]


# Period and status


def test_running_ranks_before_unknown_before_ended_and_the_tier_beats_the_score() -> None:
    ended = make_initiative(key="ended", status=Status.ENDED, end_year=2018)
    unknown = make_initiative(key="unknown", status=Status.UNKNOWN, support_forms=frozenset({SupportForm.COURSE}))
    running = make_initiative(key="running", status=Status.RUNNING, support_forms=frozenset({SupportForm.COURSE}))
    assert keys(make_need(), [ended, unknown, running]) == ["running", "unknown", "ended"]
    ranking = rank(make_need(), [], [ended, running], geography=GEO, on=BEFORE)
    assert ranking.initiatives[0].score.total < ranking.initiatives[1].score.total  # one-to-one was asked for


def test_an_ended_initiative_is_no_fallback_offer() -> None:
    need = make_need(target_groups=frozenset({TargetGroup.PHYSICAL_DISABILITY}))
    ended = make_initiative(key="ended", status=Status.ENDED, end_year=2018)
    running = make_initiative(key="running", status=Status.RUNNING)
    ranking = rank(need, [], [ended, running], geography=GEO, on=BEFORE)
    assert ranking.nothing_fits and [s.candidate_id for s in ranking.fallback] == ["running"]
