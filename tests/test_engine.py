"""The engine: every hard constraint, the rules for minors, fair and deterministic ranking, and "nothing fits"."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest

from matching.catalogue import Audience, Initiative
from matching.engine import (
    DEFAULT_LIMITS,
    Exclusion,
    Limits,
    Ranking,
    Suggestion,
    initiative_exclusion,
    peer_exclusion,
    person_proximity,
    rank,
)
from matching.geo import Area, Proximity, default_geography
from matching.model import Need, PeerProfile, PeerStatus
from matching.scoring import DEFAULT_WEIGHTS, Factor, Reason, Weights, score_peer
from matching.taxonomy import AgeBand, Gender, GenderPreference, Language, SupportForm, TargetGroup
from tests.test_scoring import COPENHAGEN, ODENSE, make_initiative, make_need, make_peer

ON = date(2026, 11, 23)
AARHUS = 751
GEO = default_geography()


def ranked(
    need: Need | None = None,
    peers: Iterable[PeerProfile] = (),
    initiatives: Iterable[Initiative] = (),
    **kwargs: Any,
) -> Ranking:
    return rank(need or make_need(), peers, initiatives, geography=GEO, on=ON, **kwargs)


def peer_ids(ranking: Ranking) -> list[int | str]:
    return [suggestion.candidate_id for suggestion in ranking.peers]


def initiative_keys(ranking: Ranking) -> list[int | str]:
    return [suggestion.candidate_id for suggestion in ranking.initiatives]


# A good candidate passes


def test_a_good_peer_is_not_excluded_and_is_suggested() -> None:
    assert peer_exclusion(make_need(), make_peer()) is None
    assert peer_exclusion(make_need(), make_peer(), geography=GEO, on=ON) is None
    ranking = ranked(peers=[make_peer()])
    assert peer_ids(ranking) == [10]
    assert ranking.peers[0].kind == "peer"
    assert not ranking.nothing_fits
    assert ranking.fallback == ()


def test_a_good_initiative_is_not_excluded_and_is_suggested() -> None:
    assert initiative_exclusion(make_need(), make_initiative(), Proximity.NATIONAL_OR_ONLINE) is None
    ranking = ranked(initiatives=[make_initiative()])
    assert initiative_keys(ranking) == ["test-initiative"]
    assert ranking.initiatives[0].kind == "initiative"


# Peer constraints, one test each


def _peer_is_excluded(peer_changes: dict[str, object], code: Exclusion, **need_changes: object) -> None:
    need = make_need(**need_changes)
    peer = make_peer(**peer_changes)
    assert peer_exclusion(need, peer, geography=GEO, on=ON) == code
    assert peer_ids(ranked(need, [peer])) == []


@pytest.mark.parametrize("status", [PeerStatus.PENDING, PeerStatus.REJECTED])
def test_a_peer_not_approved_is_excluded(status: PeerStatus) -> None:
    _peer_is_excluded({"status": status}, Exclusion.NOT_APPROVED)


def test_a_paused_peer_is_excluded() -> None:
    _peer_is_excluded({"status": PeerStatus.PAUSED}, Exclusion.PAUSED)


@pytest.mark.parametrize(("active", "capacity"), [(3, 3), (4, 3), (0, 0)])
def test_a_peer_at_capacity_is_excluded(active: int, capacity: int) -> None:
    _peer_is_excluded({"active_matches": active, "capacity": capacity}, Exclusion.AT_CAPACITY)


def test_a_peer_the_person_declined_blocked_or_was_declined_by_is_excluded() -> None:
    _peer_is_excluded({"peer_id": 10}, Exclusion.EXCLUDED_BY_PERSON, excluded_peers=frozenset({7, 10}))


def test_a_peer_without_a_shared_language_is_excluded() -> None:
    _peer_is_excluded({"languages": frozenset({Language.EN})}, Exclusion.NO_SHARED_LANGUAGE)


def test_the_person_themself_is_excluded() -> None:
    _peer_is_excluded({"user_id": 1}, Exclusion.SELF, person_id=1)


def test_a_peer_without_a_shared_target_group_is_excluded() -> None:
    _peer_is_excluded({"target_groups": frozenset({TargetGroup.VIOLENCE})}, Exclusion.NO_SHARED_TARGET_GROUP)


def test_a_peer_whose_area_does_not_serve_the_person_is_excluded() -> None:
    # Nordjylland does not border Hovedstaden.
    _peer_is_excluded({"area": Area(regions=frozenset({"nordjylland"}))}, Exclusion.NOT_IN_AREA)


def test_a_local_peer_is_excluded_for_an_online_only_person() -> None:
    _peer_is_excluded({"area": Area(municipalities=frozenset({COPENHAGEN}))}, Exclusion.NOT_IN_AREA, online_only=True)


def test_a_local_peer_is_excluded_for_a_person_without_municipality() -> None:
    _peer_is_excluded({}, Exclusion.NOT_IN_AREA, municipality_code=None)


def test_an_online_peer_serves_an_online_only_person_and_one_without_municipality() -> None:
    peer = make_peer(area=Area(online=True))
    for need in (make_need(online_only=True), make_need(municipality_code=None)):
        assert peer_exclusion(need, peer, geography=GEO, on=ON) is None
        assert peer_ids(ranked(need, [peer])) == [10]


def test_a_neighbouring_region_serves_but_ranks_below_the_same_municipality() -> None:
    near = make_peer(peer_id=1, user_id=101)
    neighbour = make_peer(peer_id=2, user_id=102, area=Area(regions=frozenset({"sjaelland"})))
    assert peer_ids(ranked(peers=[neighbour, near])) == [1, 2]


def test_peer_exclusion_without_geography_skips_only_the_area() -> None:
    peer = make_peer(area=Area(regions=frozenset({"nordjylland"})))
    assert peer_exclusion(make_need(), peer) is None
    with pytest.raises(ValueError, match="on"):
        peer_exclusion(make_need(), peer, geography=GEO)


def test_exclusion_codes_are_the_documented_strings() -> None:
    assert {code.value for code in Exclusion} == {
        "not_approved",
        "paused",
        "at_capacity",
        "excluded_by_person",
        "no_shared_language",
        "self",
        "minor_adult_peer",
        "no_shared_target_group",
        "not_in_area",
        "age",
        "inactive",
        "for_peers",
    }


# Initiative constraints, one test each


def _initiative_is_excluded(initiative_changes: dict[str, object], code: Exclusion, **need_changes: object) -> None:
    need = make_need(**need_changes)
    initiative = make_initiative(**initiative_changes)
    proximity = person_proximity(need, initiative.area, geography=GEO, on=ON)
    assert initiative_exclusion(need, initiative, proximity) == code
    assert initiative_keys(ranked(need, initiatives=[initiative])) == []


def test_an_inactive_initiative_is_excluded() -> None:
    _initiative_is_excluded({"active": False}, Exclusion.INACTIVE)


def test_an_initiative_for_peers_is_never_offered_to_a_seeker() -> None:
    _initiative_is_excluded({"audience": Audience.PEERS}, Exclusion.FOR_PEERS)


@pytest.mark.parametrize(
    ("min_age", "max_age", "band"), [(None, 24, AgeBand.A40_64), (65, None, AgeBand.A25_39), (18, 24, AgeBand.A65_PLUS)]
)
def test_an_initiative_outside_the_persons_age_is_excluded(min_age: int, max_age: int, band: AgeBand) -> None:
    _initiative_is_excluded({"min_age": min_age, "max_age": max_age}, Exclusion.AGE, age_band=band)


def test_an_initiative_without_a_shared_target_group_is_excluded() -> None:
    _initiative_is_excluded({"target_groups": frozenset({TargetGroup.VISION_LOSS})}, Exclusion.NO_SHARED_TARGET_GROUP)


def test_an_initiative_elsewhere_is_excluded() -> None:
    _initiative_is_excluded({"area": Area(municipalities=frozenset({ODENSE}))}, Exclusion.NOT_IN_AREA)


def test_a_local_initiative_is_excluded_for_an_online_only_person_even_with_a_raw_proximity() -> None:
    need = make_need(online_only=True)
    initiative = make_initiative(area=Area(regions=frozenset({"hovedstaden"})))
    assert initiative_exclusion(need, initiative, Proximity.SAME_REGION) == Exclusion.NOT_IN_AREA
    assert initiative_exclusion(need, initiative, None) == Exclusion.NOT_IN_AREA
    _initiative_is_excluded({"area": initiative.area}, Exclusion.NOT_IN_AREA, online_only=True)


def test_person_proximity_for_online_only_people() -> None:
    need = make_need(online_only=True)
    assert person_proximity(need, Area(national=True), geography=GEO, on=ON) is Proximity.NATIONAL_OR_ONLINE
    assert person_proximity(need, Area(online=True), geography=GEO, on=ON) is Proximity.NATIONAL_OR_ONLINE
    local = Area(municipalities=frozenset({COPENHAGEN}))
    assert person_proximity(need, local, geography=GEO, on=ON) is None
    assert person_proximity(make_need(), local, geography=GEO, on=ON) is Proximity.SAME_MUNICIPALITY


def test_an_unknown_municipality_of_the_person_is_an_error() -> None:
    with pytest.raises(KeyError):
        ranked(make_need(municipality_code=999), initiatives=[make_initiative()])


# Under 18


def test_a_minor_is_never_matched_to_an_individual_peer() -> None:
    need = make_need(age_band=AgeBand.UNDER_18, target_groups=frozenset({TargetGroup.CHILDREN_YOUTH}))
    peer = make_peer(target_groups=frozenset({TargetGroup.CHILDREN_YOUTH}), min_age=0)
    assert peer_exclusion(need, peer) == Exclusion.MINOR_ADULT_PEER
    assert peer_ids(ranked(need, [peer])) == []


def test_a_minor_gets_only_initiatives_for_children_and_young_people() -> None:
    need = make_need(
        age_band=AgeBand.UNDER_18,
        target_groups=frozenset({TargetGroup.MENTAL_HEALTH, TargetGroup.REFUGEES_IMMIGRANTS}),
    )
    for_all_ages = make_initiative(key="for-all-ages")
    for_youth = make_initiative(
        key="for-youth",
        target_groups=frozenset({TargetGroup.REFUGEES_IMMIGRANTS, TargetGroup.CHILDREN_YOUTH}),
        max_age=24,
    )
    for_adults = make_initiative(key="for-adults", target_groups=frozenset({TargetGroup.CHILDREN_YOUTH}), min_age=18)
    proximity = Proximity.NATIONAL_OR_ONLINE
    assert initiative_exclusion(need, for_all_ages, proximity) == Exclusion.AGE
    assert initiative_exclusion(need, for_adults, proximity) == Exclusion.AGE
    assert initiative_exclusion(need, for_youth, proximity) is None
    ranking = ranked(need, [make_peer()], [for_all_ages, for_youth, for_adults])
    assert initiative_keys(ranking) == ["for-youth"]
    assert ranking.peers == ()


# Fair and deterministic ordering


def test_among_identical_peers_the_one_with_fewer_active_matches_comes_first() -> None:
    busy = make_peer(peer_id=1, user_id=101, active_matches=2)
    free = make_peer(peer_id=2, user_id=102, active_matches=1)
    for request_id in range(20):
        assert peer_ids(ranked(make_need(request_id=request_id), [busy, free])) == [2, 1]


def test_equal_totals_put_fewer_active_matches_first() -> None:
    """With load weighted 0 the totals are equal; the active matches still decide."""
    weights = Weights(load=0.0)
    busy = make_peer(peer_id=1, user_id=101, active_matches=3, capacity=5)
    free = make_peer(peer_id=2, user_id=102, active_matches=0, capacity=1)
    for request_id in range(20):
        ranking = ranked(make_need(request_id=request_id), [busy, free], weights=weights)
        assert ranking.peers[0].score.total == ranking.peers[1].score.total
        assert peer_ids(ranking) == [2, 1]


def test_equal_peers_each_win_sometimes_across_requests() -> None:
    one = make_peer(peer_id=1, user_id=101)
    two = make_peer(peer_id=2, user_id=102)
    winners = [peer_ids(ranked(make_need(request_id=request_id), [one, two]))[0] for request_id in range(100)]
    assert 20 <= winners.count(1) <= 80
    # ...yet the same request always gets the same answer.
    assert winners == [peer_ids(ranked(make_need(request_id=request_id), [two, one]))[0] for request_id in range(100)]


def test_ranking_is_by_total_descending() -> None:
    peers = [
        make_peer(peer_id=1, user_id=101, area=Area(regions=frozenset({"sjaelland"}))),
        make_peer(peer_id=2, user_id=102),
        make_peer(peer_id=3, user_id=103, area=Area(regions=frozenset({"hovedstaden"}))),
        make_peer(peer_id=4, user_id=104, area=Area(online=True)),
    ]
    ranking = ranked(peers=peers, limits=Limits(peers=4))
    assert peer_ids(ranking) == [2, 3, 1, 4]
    totals = [suggestion.score.total for suggestion in ranking.peers]
    assert totals == sorted(totals, reverse=True)


def test_the_suggestion_carries_the_same_score_as_score_peer() -> None:
    peer = make_peer(area=Area(regions=frozenset({"hovedstaden"})), active_matches=1)
    ranking = ranked(peers=[peer])
    expected = score_peer(make_need(), peer, weights=DEFAULT_WEIGHTS, proximity=Proximity.SAME_REGION)
    assert ranking.peers[0].score == expected
    assert ranking.peers[0].reasons == expected.reasons()


def _many_candidates() -> tuple[list[PeerProfile], list[Initiative]]:
    rnd = random.Random(7)
    areas = [
        Area(municipalities=frozenset({COPENHAGEN})),
        Area(regions=frozenset({"hovedstaden"})),
        Area(regions=frozenset({"sjaelland"})),
        Area(online=True),
        Area(national=True),
    ]
    peers = [
        make_peer(
            peer_id=index,
            user_id=1000 + index,
            area=rnd.choice(areas),
            capacity=rnd.randint(1, 4),
            active_matches=rnd.randint(0, 3),
        )
        for index in range(40)
    ]
    initiatives = [make_initiative(key=f"i{index}", area=rnd.choice(areas)) for index in range(40)]
    return peers, initiatives


def test_the_same_inputs_give_the_same_ranking_in_any_order() -> None:
    peers, initiatives = _many_candidates()
    need = make_need(request_id=42)
    expected = ranked(need, peers, initiatives, limits=Limits(peers=10, initiatives=10))
    rnd = random.Random(1)
    for _ in range(10):
        rnd.shuffle(peers)
        rnd.shuffle(initiatives)
        assert ranked(need, peers, initiatives, limits=Limits(peers=10, initiatives=10)) == expected
        assert ranked(need, iter(peers), iter(initiatives), limits=Limits(peers=10, initiatives=10)) == expected


def test_a_peer_passed_twice_is_suggested_once() -> None:
    peer = make_peer()
    assert peer_ids(ranked(peers=[peer, peer, dataclasses.replace(peer)])) == [10]


# Limits


def test_limits_cap_the_suggestions() -> None:
    peers, initiatives = _many_candidates()
    assert Limits(peers=3, initiatives=3) == DEFAULT_LIMITS
    ranking = ranked(peers=peers, initiatives=initiatives)
    assert (len(ranking.peers), len(ranking.initiatives)) == (3, 3)
    ranking = ranked(peers=peers, initiatives=initiatives, limits=Limits(peers=5, initiatives=1))
    assert (len(ranking.peers), len(ranking.initiatives)) == (5, 1)
    ranking = ranked(peers=peers, initiatives=initiatives, limits=Limits(peers=0, initiatives=0))
    assert (ranking.peers, ranking.initiatives, ranking.nothing_fits) == ((), (), False)


def test_a_larger_limit_extends_the_same_ranking() -> None:
    peers, initiatives = _many_candidates()
    short = ranked(peers=peers, initiatives=initiatives, limits=Limits(peers=2, initiatives=2))
    long = ranked(peers=peers, initiatives=initiatives, limits=Limits(peers=8, initiatives=8))
    assert long.peers[:2] == short.peers
    assert long.initiatives[:2] == short.initiatives


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_limits_must_be_whole_numbers_not_negative(bad: object) -> None:
    with pytest.raises(ValueError, match="limit"):
        Limits(peers=bad)  # type: ignore[arg-type]


# Reasons on suggestions


def test_every_suggestion_has_one_to_three_reasons() -> None:
    peers, initiatives = _many_candidates()
    ranking = ranked(peers=peers, initiatives=initiatives, limits=Limits(peers=40, initiatives=40))
    for suggestion in ranking.peers + ranking.initiatives:
        assert 1 <= len(suggestion.reasons) <= 3
        assert suggestion.reasons == suggestion.score.reasons()


def test_a_suggestion_without_reasons_is_refused() -> None:
    score = score_peer(make_need(), make_peer(), weights=DEFAULT_WEIGHTS, proximity=Proximity.SAME_MUNICIPALITY)
    with pytest.raises(ValueError, match="reasons"):
        Suggestion("peer", 10, score, ())
    with pytest.raises(ValueError, match="reasons"):
        Suggestion("peer", 10, score, (Reason("match.reason.available"),) * 4)


def test_suggestions_explain_themselves_even_when_every_weight_is_zero() -> None:
    weights = Weights(**{factor.value: 0.0 for factor in Factor})
    ranking = ranked(peers=[make_peer()], initiatives=[make_initiative()], weights=weights)
    assert [len(s.reasons) for s in ranking.peers + ranking.initiatives] == [1, 1]


# When nothing fits


def test_nothing_fits_offers_national_and_online_initiatives_for_the_persons_age() -> None:
    need = make_need(target_groups=frozenset({TargetGroup.VIOLENCE}), age_band=AgeBand.A40_64)
    initiatives = [
        make_initiative(key="national-course", support_forms=frozenset({SupportForm.COURSE})),
        make_initiative(key="online-one-to-one", area=Area(online=True)),
        make_initiative(key="local", area=Area(municipalities=frozenset({COPENHAGEN}))),  # not national or online
        make_initiative(key="for-young", max_age=24),  # not the person's age
        make_initiative(key="for-peers", audience=Audience.PEERS),
        make_initiative(key="inactive", active=False),
    ]
    ranking = ranked(need, [make_peer()], initiatives)
    assert ranking.nothing_fits
    assert (ranking.peers, ranking.initiatives) == ((), ())
    # The one-to-one offer fits the wanted form, so it comes first.
    assert [s.candidate_id for s in ranking.fallback] == ["online-one-to-one", "national-course"]
    assert all(1 <= len(s.reasons) <= 3 for s in ranking.fallback)
    assert ranking.fallback[0].reasons[0] == Reason("match.reason.form", (("form", "one_to_one"),))


def test_the_fallback_is_limited_and_best_first() -> None:
    need = make_need(target_groups=frozenset({TargetGroup.VIOLENCE}))
    initiatives = [make_initiative(key=f"national-{index}") for index in range(6)]
    ranking = ranked(need, initiatives=initiatives, limits=Limits(initiatives=2))
    assert ranking.nothing_fits
    assert len(ranking.fallback) == 2
    assert ranking.fallback == ranked(need, initiatives=initiatives[::-1], limits=Limits(initiatives=2)).fallback


def test_no_fallback_when_something_fits() -> None:
    need = make_need(target_groups=frozenset({TargetGroup.VIOLENCE}))
    peer = make_peer(target_groups=frozenset({TargetGroup.VIOLENCE}))
    ranking = ranked(need, [peer], [make_initiative()])
    assert not ranking.nothing_fits
    assert ranking.fallback == ()


def test_a_minors_fallback_keeps_the_rule_for_minors() -> None:
    need = make_need(age_band=AgeBand.UNDER_18, target_groups=frozenset({TargetGroup.VIOLENCE}))
    for_all = make_initiative(key="for-all")
    for_youth = make_initiative(key="for-youth", target_groups=frozenset({TargetGroup.CHILDREN_YOUTH}))
    ranking = ranked(need, [make_peer()], [for_all, for_youth])
    assert ranking.nothing_fits
    assert [s.candidate_id for s in ranking.fallback] == ["for-youth"]


def test_nothing_at_all_is_an_honest_empty_answer() -> None:
    ranking = ranked(make_need(), [], [])
    assert ranking == Ranking(peers=(), initiatives=(), nothing_fits=True, fallback=())


def test_gender_preference_ranks_but_does_not_exclude() -> None:
    """A stated preference is a strong factor; with no peer of that gender, another peer is still suggested."""
    need = make_need(gender_preference=GenderPreference.WOMAN)
    man = make_peer(peer_id=1, user_id=101, gender=Gender.MAN)
    woman = make_peer(peer_id=2, user_id=102, gender=Gender.WOMAN, area=Area(regions=frozenset({"hovedstaden"})))
    assert peer_ids(ranked(need, [man, woman])) == [2, 1]
    assert peer_ids(ranked(need, [man])) == [1]


def test_a_person_in_aarhus_is_served_by_a_midtjylland_peer() -> None:
    need = make_need(municipality_code=AARHUS)
    peer = make_peer(area=Area(regions=frozenset({"midtjylland"})))
    ranking = ranked(need, [peer])
    assert ranking.peers[0].score.factor(Factor.PROXIMITY).reason == Reason("match.reason.same_region")
