"""The shipped catalogue through the engine: each initiative reaches the people it is for, before and after 2027.

For every initiative for seekers, a typical request of its target group, form and age, from a person living in its
area (anywhere for national ones), gets it among the top three initiatives. Programmes for peers themselves are never
suggested to a person seeking support.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from matching.catalogue import Audience, Initiative, load_initiatives
from matching.engine import Exclusion, initiative_exclusion, initiative_tier, person_proximity, rank
from matching.geo import default_geography
from matching.model import Need
from matching.taxonomy import AgeBand, ContactMode, ForWhom, GenderPreference, Language, SupportForm, TargetGroup

GEO = default_geography()
CATALOGUE = load_initiatives()
BEFORE_MERGER = date(2026, 11, 23)
AFTER_MERGER = date(2027, 3, 1)  # Hovedstaden and Sjælland are Østdanmark
DATES = (BEFORE_MERGER, AFTER_MERGER)
# For national initiatives: people all over the country, from Bornholm to Jammerbugt.
ANYWHERE = (101, 400, 265, 360, 461, 573, 751, 849, 851)

# The initiatives of DOMAIN.md ("Initiatives named in the seeds").
DOMAIN_KEYS = {
    "peer-stoette-region-hovedstaden",
    "ligestillet-stoette",
    "peers-som-brobyggere",
    "peer-netvaerket-danmark",
    "bro-til-hverdagslivet",
    "medarbejder-med-brugererfaring",
    "peer-to-peer-odense",
    "overgangs-og-peerstoette-groenlaendere",
    "peer-to-peer-faellesskaber",
    "at-mestre-livet-med-et-synstab",
    "sjaeldne-navigatorer",
    "laer-at-tackle",
    "mindspring",
    "wrap",
}
FOR_SEEKERS = [initiative for initiative in CATALOGUE if initiative.audience is Audience.SEEKERS]
FOR_PEERS = [initiative for initiative in CATALOGUE if initiative.audience is Audience.PEERS]


def _need(
    municipality: int | None,
    group: TargetGroup,
    form: SupportForm,
    band: AgeBand,
    *,
    online_only: bool = False,
    request_id: int = 1,
    relative: bool = False,
) -> Need:
    return Need(
        person_id=1,
        request_id=request_id,
        for_whom=ForWhom.RELATIVE if relative else ForWhom.SELF,
        target_groups=frozenset({group}),
        age_band=band,
        municipality_code=municipality,
        online_only=online_only,
        support_forms=frozenset({form}),
        languages=frozenset({Language.DA}),
        gender_preference=GenderPreference.NONE,
        contact_modes=frozenset({ContactMode.IN_PERSON}),
    )


def _home_municipalities(initiative: Initiative) -> list[int]:
    """Where a person served by the initiative may live; a regional area is the region as it was in 2026."""
    area = initiative.area
    if area.national or area.online:
        return list(ANYWHERE)
    codes = set(area.municipalities)
    for region in area.regions:
        codes |= {m.code for m in GEO.municipalities_in(region, BEFORE_MERGER)}
    return sorted(codes)


def _bands(initiative: Initiative) -> list[AgeBand]:
    """The age bands the initiative serves; under 18 only for initiatives for children and young people."""
    return [
        band
        for band in AgeBand
        if initiative.serves_age(band) and (not band.is_minor or TargetGroup.CHILDREN_YOUTH in initiative.target_groups)
    ]


def _typical_needs(initiative: Initiative) -> Iterator[Need]:
    request_id = 0
    for municipality in _home_municipalities(initiative):
        situations = [(group, False) for group in sorted(initiative.target_groups)]
        situations += [(group, True) for group in sorted(initiative.relatives_of)]
        for group, relative in situations:
            for form in sorted(initiative.support_forms):
                for band in _bands(initiative):
                    request_id += 1
                    yield _need(municipality, group, form, band, request_id=request_id, relative=relative)


def test_the_catalogue_holds_every_initiative_of_the_domain() -> None:
    assert {initiative.key for initiative in CATALOGUE} == DOMAIN_KEYS
    assert len(CATALOGUE) == 14
    assert {initiative.key for initiative in FOR_PEERS} == {"peer-netvaerket-danmark", "medarbejder-med-brugererfaring"}


@pytest.mark.parametrize("on", DATES, ids=str)
@pytest.mark.parametrize("initiative", FOR_SEEKERS, ids=lambda initiative: initiative.key)
def test_a_typical_request_gets_the_initiative_among_the_top_three(initiative: Initiative, on: date) -> None:
    checked = 0
    by_key = {candidate.key: candidate for candidate in CATALOGUE}
    for need in _typical_needs(initiative):
        ranking = rank(need, [], CATALOGUE, geography=GEO, on=on)
        keys = [suggestion.candidate_id for suggestion in ranking.initiatives]
        if initiative.key not in keys:
            # Only local offers inside the person's area may push a national one out: they come first, and the
            # national ones fill the remaining places.
            assert initiative.area.national and len(keys) == 3, (need, keys)
            assert any(not by_key[str(key)].area.national for key in keys), (need, keys)
            own = initiative_tier(need, initiative, geography=GEO)
            assert own is not None and all(s.tier <= own for s in ranking.initiatives), (need, keys)
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("on", DATES, ids=str)
def test_national_initiatives_reach_online_only_people_and_people_without_municipality(on: date) -> None:
    national = [initiative for initiative in FOR_SEEKERS if initiative.area.national or initiative.area.online]
    assert national
    for initiative in national:
        for group in initiative.target_groups:
            for form in initiative.support_forms:
                band = _bands(initiative)[0]
                for need in (
                    _need(101, group, form, band, online_only=True),
                    _need(None, group, form, band),
                ):
                    keys = [s.candidate_id for s in rank(need, [], CATALOGUE, geography=GEO, on=on).initiatives]
                    assert initiative.key in keys, (need, keys)


def test_mindspring_reaches_young_refugees_under_18() -> None:
    for on in DATES:
        for municipality in (573, 849, 400):  # Varde, Jammerbugt, Bornholm
            need = _need(municipality, TargetGroup.REFUGEES_IMMIGRANTS, SupportForm.GROUP_COMMUNITY, AgeBand.UNDER_18)
            ranking = rank(need, [], CATALOGUE, geography=GEO, on=on)
            assert [s.candidate_id for s in ranking.initiatives] == ["mindspring"]


@pytest.mark.parametrize("on", DATES, ids=str)
@pytest.mark.parametrize("initiative", FOR_PEERS, ids=lambda initiative: initiative.key)
def test_programmes_for_peers_are_never_suggested_to_a_seeker(initiative: Initiative, on: date) -> None:
    for municipality in ANYWHERE:
        for group in initiative.target_groups:
            for form in [*initiative.support_forms, SupportForm.DONT_KNOW]:
                for band in AgeBand:
                    for online_only in (False, True):
                        need = _need(municipality, group, form, band, online_only=online_only)
                        proximity = person_proximity(need, initiative.area, geography=GEO, on=on)
                        assert initiative_exclusion(need, initiative, proximity) == Exclusion.FOR_PEERS
                        ranking = rank(need, [], CATALOGUE, geography=GEO, on=on)
                        offered = {s.candidate_id for s in ranking.initiatives + ranking.fallback}
                        assert initiative.key not in offered


def test_a_request_no_initiative_is_for_gets_national_initiatives_as_fallback() -> None:
    need = _need(751, TargetGroup.PHYSICAL_DISABILITY, SupportForm.COURSE, AgeBand.A40_64)
    ranking = rank(need, [], CATALOGUE, geography=GEO, on=BEFORE_MERGER)
    assert ranking.nothing_fits
    assert ranking.initiatives == ()
    assert len(ranking.fallback) == 3
    by_key = {initiative.key: initiative for initiative in CATALOGUE}
    for suggestion in ranking.fallback:
        initiative = by_key[str(suggestion.candidate_id)]
        assert initiative.offered_to_seekers and initiative.area.national
        assert initiative.serves_age(AgeBand.A40_64)
    # The courses come first: they are the form the person asked for.
    assert all(SupportForm.COURSE in by_key[str(s.candidate_id)].support_forms for s in ranking.fallback)
