"""Invariants of the engine over random requests, peers and initiatives (hypothesis).

Whatever the inputs: no suggestion breaks a hard constraint, no peer at capacity is suggested, the ranking is
deterministic and independent of input order, the limits hold, every suggestion explains itself, and the best
candidates are the ones suggested.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.catalogue import Audience, Initiative, Status, serves_age
from matching.engine import (
    Limits,
    Ranking,
    initiative_exclusion,
    initiative_tier,
    peer_exclusion,
    peer_tier,
    person_proximity,
    rank,
)
from matching.geo import Area, default_geography
from matching.model import Need, PeerKind, PeerProfile, PeerStatus
from matching.scoring import DEFAULT_WEIGHTS, score_initiative, score_peer
from matching.taxonomy import (
    AgeBand,
    ContactMode,
    ForWhom,
    Gender,
    GenderPreference,
    Language,
    SupportForm,
    TargetGroup,
)

GEO = default_geography()
MUNICIPALITIES = sorted(m.code for m in GEO.all_municipalities())
REGIONS = sorted(region.code for region in GEO.all_regions())
# Before, just before and after the 2027 merger of Hovedstaden and Sjælland.
DATES = (date(2015, 6, 1), date(2026, 12, 31), date(2027, 1, 1), date(2027, 3, 1))
EXAMPLES = settings(max_examples=200, deadline=None, database=None)  # no example database in the project


def codes(enum: type, max_size: int = 3, min_size: int = 0) -> st.SearchStrategy[frozenset]:  # type: ignore[type-arg]
    return st.frozensets(st.sampled_from(list(enum)), min_size=min_size, max_size=max_size)


def mostly(common: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    """`common` three times in four, else `rare`: uniform codes would almost never give a candidate that fits."""
    return st.sampled_from([0, 0, 0, 1]).flatmap(lambda branch: rare if branch else common)


# A few municipalities across the regions (København, Bornholm, Roskilde, Odense, Aarhus, Jammerbugt), so that
# areas and people meet often; any municipality now and then.
municipality = mostly(st.sampled_from([101, 400, 265, 461, 751, 849]), st.sampled_from(MUNICIPALITIES))
COMMON_GROUPS = [
    TargetGroup.MENTAL_HEALTH,
    TargetGroup.RELATIVES,
    TargetGroup.SUBSTANCE_USE,
    TargetGroup.CHILDREN_YOUTH,
]


def group_sets(min_size: int) -> st.SearchStrategy[frozenset[TargetGroup]]:
    return mostly(
        st.frozensets(st.sampled_from(COMMON_GROUPS), min_size=1, max_size=2), codes(TargetGroup, 3, min_size)
    )


def language_sets(min_size: int) -> st.SearchStrategy[frozenset[Language]]:
    with_danish = st.frozensets(st.sampled_from([Language.EN, Language.AR]), max_size=1).map(
        lambda extra: extra | {Language.DA}
    )
    return mostly(with_danish, codes(Language, 2, min_size))


adult_bands = [AgeBand.A18_24, AgeBand.A25_39, AgeBand.A40_64, AgeBand.A65_PLUS]

areas = st.one_of(
    st.just(Area(national=True)),
    st.just(Area(online=True)),
    st.builds(Area, regions=st.frozensets(st.sampled_from(REGIONS), min_size=1, max_size=2)),
    st.builds(Area, municipalities=st.frozensets(municipality, min_size=1, max_size=3)),
    st.builds(
        Area,
        national=st.booleans(),
        online=st.booleans(),
        regions=st.frozensets(st.sampled_from(REGIONS), max_size=2),
        municipalities=st.frozensets(municipality, max_size=2),
    ),
)

needs = st.builds(
    Need,
    person_id=st.integers(1, 4),
    request_id=st.integers(0, 10**6),
    for_whom=st.sampled_from(list(ForWhom)),
    target_groups=group_sets(0),
    age_band=st.sampled_from([*adult_bands, *adult_bands, AgeBand.UNDER_18]),
    municipality_code=mostly(municipality, st.none()),
    online_only=mostly(st.just(False), st.just(True)),
    support_forms=codes(SupportForm, 2),
    languages=language_sets(0),
    gender_preference=st.sampled_from(list(GenderPreference)),
    contact_modes=codes(ContactMode),
    excluded_peers=mostly(st.just(frozenset()), st.frozensets(st.integers(0, 12), max_size=3)),
)

# Peer ids overlap the excluded ids, and user ids now and then the person's id, so those constraints get exercised.
peer_profiles = st.builds(
    PeerProfile,
    peer_id=st.integers(0, 12),
    user_id=mostly(st.integers(100, 999), st.integers(1, 4)),
    status=mostly(st.just(PeerStatus.APPROVED), st.sampled_from(list(PeerStatus))),
    kind=st.sampled_from(list(PeerKind)),
    target_groups=group_sets(1),
    support_forms=codes(SupportForm, min_size=1),
    languages=language_sets(1),
    gender=st.sampled_from(list(Gender)),
    contact_modes=codes(ContactMode, min_size=1),
    area=areas,
    capacity=st.integers(1, 5),
    active_matches=st.integers(0, 6),
    min_age=st.sampled_from([0, 18, 18, 25, 40]),
    max_age=st.sampled_from([None, None, 24, 39, 64]),
    relative_of=mostly(st.just(frozenset()), group_sets(1)),
)

initiatives_strategy = st.builds(
    Initiative,
    key=st.sampled_from([f"initiative-{index}" for index in range(10)]),
    name=st.just("Indsats"),
    organiser=st.just("Arrangør"),
    description_da=st.just("Beskrivelse."),
    description_en=st.just(""),
    target_groups=group_sets(1),
    min_age=st.sampled_from([None, None, 18, 25]),
    max_age=st.sampled_from([None, None, None, 17, 24, 64]),
    support_forms=codes(SupportForm, min_size=1),
    area=areas,
    audience=mostly(st.just(Audience.SEEKERS), st.just(Audience.PEERS)),
    contact_da=st.just("Kontakt."),
    contact_en=st.just(""),
    active=mostly(st.just(True), st.just(False)),
    relatives_of=mostly(st.just(frozenset()), group_sets(1)),
    status=st.sampled_from(list(Status)),
)

peer_lists = st.lists(peer_profiles, min_size=2, max_size=12, unique_by=lambda peer: peer.peer_id)
initiative_lists = st.lists(initiatives_strategy, min_size=1, max_size=8, unique_by=lambda initiative: initiative.key)
limits_strategy = st.builds(Limits, peers=st.integers(0, 4), initiatives=st.integers(0, 4))
dates = st.sampled_from(DATES)


def _rank(need: Need, peers: list[PeerProfile], initiatives: list[Initiative], on: date, limits: Limits) -> Ranking:
    return rank(need, peers, initiatives, geography=GEO, on=on, limits=limits)


def _eligible_peers(need: Need, peers: list[PeerProfile], on: date) -> list[PeerProfile]:
    return [peer for peer in peers if peer_exclusion(need, peer, geography=GEO, on=on) is None]


def _eligible_initiatives(need: Need, initiatives: list[Initiative], on: date) -> list[Initiative]:
    return [
        initiative
        for initiative in initiatives
        if initiative_exclusion(
            need, initiative, person_proximity(need, initiative.area, geography=GEO, on=on), geography=GEO
        )
        is None
    ]


@EXAMPLES
@given(needs, peer_lists, initiative_lists, dates, limits_strategy)
def test_no_suggestion_breaks_a_hard_constraint(
    need: Need, peers: list[PeerProfile], initiatives: list[Initiative], on: date, limits: Limits
) -> None:
    ranking = _rank(need, peers, initiatives, on, limits)
    by_id = {peer.peer_id: peer for peer in peers}
    by_key = {initiative.key: initiative for initiative in initiatives}
    for suggestion in ranking.peers:
        peer = by_id[suggestion.candidate_id]  # type: ignore[index]
        assert peer_exclusion(need, peer, geography=GEO, on=on) is None
        assert peer.status is PeerStatus.APPROVED
        assert peer.active_matches < peer.capacity, "no peer at or beyond capacity"
        assert peer.user_id != need.person_id
        assert peer.peer_id not in need.excluded_peers
        assert need.languages & peer.languages
        assert peer_tier(need, peer) is not None
        relative = need.for_whom is ForWhom.RELATIVE or TargetGroup.RELATIVES in need.target_groups
        assert (need.target_groups - {TargetGroup.RELATIVES}) & (
            peer.target_groups | (peer.relative_of if relative else frozenset())
        )
        assert not need.age_band.is_minor
    for suggestion in ranking.initiatives:
        initiative = by_key[suggestion.candidate_id]  # type: ignore[index]
        proximity = person_proximity(need, initiative.area, geography=GEO, on=on)
        assert initiative_exclusion(need, initiative, proximity, geography=GEO) is None
        assert initiative.offered_to_seekers
        if not (initiative.area.national or initiative.area.online):
            assert need.municipality_code is not None and GEO.covers(need.municipality_code, initiative.area)
        relative = need.for_whom is ForWhom.RELATIVE or TargetGroup.RELATIVES in need.target_groups
        groups = need.target_groups - {TargetGroup.RELATIVES}
        assert groups & (initiative.target_groups | (initiative.relatives_of if relative else frozenset()))
        assert serves_age(initiative, need.age_band)
        if need.age_band.is_minor:
            assert TargetGroup.CHILDREN_YOUTH in initiative.target_groups
        if need.online_only or need.municipality_code is None:
            assert initiative.area.national or initiative.area.online
        else:
            raw = GEO.proximity(need.municipality_code, initiative.area, on)
            assert initiative_exclusion(need, initiative, raw) is None
    for suggestion in ranking.fallback:
        initiative = by_key[suggestion.candidate_id]  # type: ignore[index]
        assert initiative.offered_to_seekers
        assert initiative.area.national or initiative.area.online
        assert serves_age(initiative, need.age_band)
        if need.age_band.is_minor:
            assert TargetGroup.CHILDREN_YOUTH in initiative.target_groups


@EXAMPLES
@given(needs, peer_lists, initiative_lists, dates, limits_strategy, st.randoms(use_true_random=False))
def test_ranking_is_deterministic_and_independent_of_input_order(
    need: Need,
    peers: list[PeerProfile],
    initiatives: list[Initiative],
    on: date,
    limits: Limits,
    rnd: random.Random,
) -> None:
    first = _rank(need, peers, initiatives, on, limits)
    assert _rank(need, peers, initiatives, on, limits) == first
    shuffled_peers, shuffled_initiatives = peers[:], initiatives[:]
    rnd.shuffle(shuffled_peers)
    rnd.shuffle(shuffled_initiatives)
    assert _rank(need, shuffled_peers, shuffled_initiatives, on, limits) == first
    assert rank(need, iter(shuffled_peers), iter(shuffled_initiatives), geography=GEO, on=on, limits=limits) == first


@EXAMPLES
@given(needs, peer_lists, initiative_lists, dates, limits_strategy)
def test_limits_reasons_scores_order_and_that_the_best_are_chosen(
    need: Need, peers: list[PeerProfile], initiatives: list[Initiative], on: date, limits: Limits
) -> None:
    ranking = _rank(need, peers, initiatives, on, limits)
    eligible_peers = _eligible_peers(need, peers, on)
    eligible_initiatives = _eligible_initiatives(need, initiatives, on)

    assert len(ranking.peers) == min(limits.peers, len(eligible_peers))
    assert len(ranking.initiatives) == min(limits.initiatives, len(eligible_initiatives))
    assert len(ranking.fallback) <= limits.initiatives
    assert ranking.nothing_fits == (not eligible_peers and not eligible_initiatives)
    if not ranking.nothing_fits:
        assert ranking.fallback == ()
    for suggestion in ranking.peers + ranking.initiatives + ranking.fallback:
        assert 1 <= len(suggestion.reasons) <= 3
    assert len({s.candidate_id for s in ranking.peers}) == len(ranking.peers)

    # The scores shown are those of the scoring module, and their totals are the sums of their contributions.
    by_id = {peer.peer_id: peer for peer in peers}
    for suggestion in ranking.peers:
        peer = by_id[suggestion.candidate_id]  # type: ignore[index]
        proximity = person_proximity(need, peer.area, geography=GEO, on=on)
        assert suggestion.score == score_peer(need, peer, weights=DEFAULT_WEIGHTS, proximity=proximity)
        assert sum(f.contribution for f in suggestion.score.factors) == pytest.approx(suggestion.score.total)

    # Best tier first, then best total; equal totals put fewer active matches first.
    by_key = {initiative.key: initiative for initiative in initiatives}
    for suggestion in ranking.peers:
        assert suggestion.tier == peer_tier(need, by_id[suggestion.candidate_id])  # type: ignore[index]
    for suggestion in ranking.initiatives:
        assert suggestion.tier == initiative_tier(need, by_key[suggestion.candidate_id], geography=GEO)  # type: ignore[index]
    keys = [
        (s.tier, round(-s.score.total, 9), by_id[s.candidate_id].active_matches)  # type: ignore[index]
        for s in ranking.peers
    ]
    assert keys == sorted(keys)
    order = [(s.tier, round(-s.score.total, 9)) for s in ranking.initiatives]
    assert order == sorted(order)

    # Nothing left out ranks better than what was suggested.
    if ranking.peers:
        suggested = {s.candidate_id for s in ranking.peers}
        last = ranking.peers[-1]
        for peer in eligible_peers:
            if peer.peer_id not in suggested:
                proximity = person_proximity(need, peer.area, geography=GEO, on=on)
                score = score_peer(need, peer, weights=DEFAULT_WEIGHTS, proximity=proximity)
                tier = peer_tier(need, peer)
                assert tier is not None and tier >= last.tier
                assert tier > last.tier or score.total <= last.score.total + 1e-9
    if ranking.initiatives:
        suggested = {s.candidate_id for s in ranking.initiatives}
        last = ranking.initiatives[-1]
        for initiative in eligible_initiatives:
            if initiative.key not in suggested:
                proximity = person_proximity(need, initiative.area, geography=GEO, on=on)
                score = score_initiative(need, initiative, weights=DEFAULT_WEIGHTS, proximity=proximity)
                tier = initiative_tier(need, initiative, geography=GEO)
                assert tier is not None and tier >= last.tier
                assert tier > last.tier or score.total <= last.score.total + 1e-9


@EXAMPLES
@given(municipality, areas, dates)
def test_cached_proximity_equals_the_geography(code: int, area: Area, on: date) -> None:
    """The engine combines per-region and per-municipality proximities; the result must be Geography.proximity's."""
    need = Need(
        person_id=1,
        request_id=1,
        for_whom=ForWhom.SELF,
        target_groups=frozenset({TargetGroup.MENTAL_HEALTH}),
        age_band=AgeBand.A25_39,
        municipality_code=code,
        online_only=False,
        support_forms=frozenset(),
        languages=frozenset({Language.DA}),
        gender_preference=GenderPreference.NONE,
        contact_modes=frozenset(),
    )
    assert person_proximity(need, area, geography=GEO, on=on) == GEO.proximity(code, area, on)
