"""Scoring: each factor's value and reason, the choice of reasons to show, and the weights as settings."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from matching.catalogue import Audience, Initiative
from matching.geo import Area, Proximity
from matching.model import Need, PeerKind, PeerProfile, PeerStatus
from matching.scoring import (
    DEFAULT_WEIGHTS,
    PROXIMITY_VALUES,
    REASON_KEYS,
    Factor,
    FactorScore,
    Reason,
    Score,
    Weights,
    score_initiative,
    score_peer,
)
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

COPENHAGEN = 101
ODENSE = 461


def make_need(**changes: Any) -> Need:
    """A typical adult in København asking for one-to-one support with mental-health difficulties, by chat."""
    values: dict[str, Any] = {
        "person_id": 1,
        "request_id": 1,
        "for_whom": ForWhom.SELF,
        "target_groups": frozenset({TargetGroup.MENTAL_HEALTH}),
        "age_band": AgeBand.A25_39,
        "municipality_code": COPENHAGEN,
        "online_only": False,
        "support_forms": frozenset({SupportForm.ONE_TO_ONE}),
        "languages": frozenset({Language.DA}),
        "gender_preference": GenderPreference.NONE,
        "contact_modes": frozenset({ContactMode.CHAT}),
        "excluded_peers": frozenset(),
    }
    values.update(changes)
    return Need(**values)


def make_peer(**changes: Any) -> PeerProfile:
    """An approved peer in København who fits make_need() on every factor."""
    values: dict[str, Any] = {
        "peer_id": 10,
        "user_id": 1010,
        "status": PeerStatus.APPROVED,
        "kind": PeerKind.VOLUNTEER,
        "target_groups": frozenset({TargetGroup.MENTAL_HEALTH}),
        "support_forms": frozenset({SupportForm.ONE_TO_ONE}),
        "languages": frozenset({Language.DA}),
        "gender": Gender.WOMAN,
        "contact_modes": frozenset({ContactMode.CHAT}),
        "area": Area(municipalities=frozenset({COPENHAGEN})),
        "capacity": 4,
        "active_matches": 0,
    }
    values.update(changes)
    return PeerProfile(**values)


def make_initiative(**changes: Any) -> Initiative:
    """An active national one-to-one initiative for seekers with mental-health difficulties, all ages."""
    values: dict[str, Any] = {
        "key": "test-initiative",
        "name": "Testindsats",
        "organiser": "Testforeningen",
        "description_da": "En indsats til tests.",
        "description_en": "",
        "target_groups": frozenset({TargetGroup.MENTAL_HEALTH}),
        "min_age": None,
        "max_age": None,
        "support_forms": frozenset({SupportForm.ONE_TO_ONE}),
        "area": Area(national=True),
        "audience": Audience.SEEKERS,
        "contact_da": "Spørg i din kommune.",
        "contact_en": "",
        "active": True,
    }
    values.update(changes)
    return Initiative(**values)


def peer_factor(
    factor: Factor, need: Need | None = None, peer: PeerProfile | None = None, proximity: Proximity | None = None
) -> FactorScore:
    score = score_peer(
        need or make_need(),
        peer or make_peer(),
        weights=DEFAULT_WEIGHTS,
        proximity=Proximity.SAME_MUNICIPALITY if proximity is None else proximity,
    )
    return score.factor(factor)


def initiative_factor(
    factor: Factor, need: Need | None = None, initiative: Initiative | None = None, proximity: Proximity | None = None
) -> FactorScore:
    score = score_initiative(
        need or make_need(),
        initiative or make_initiative(),
        weights=DEFAULT_WEIGHTS,
        proximity=Proximity.NATIONAL_OR_ONLINE if proximity is None else proximity,
    )
    return score.factor(factor)


# Weights


def test_weights_have_the_documented_defaults() -> None:
    weights = Weights()
    assert weights.as_tuple() == (4.0, 3.0, 2.0, 1.0, 1.0, 1.5, 1.0, 1.5)
    assert [weights.of(factor) for factor in Factor] == list(weights.as_tuple())


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Weights)])
@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf, -math.inf])
def test_weights_must_be_finite_and_not_negative(field: str, bad: float) -> None:
    with pytest.raises(ValueError, match=field):
        Weights(**{field: bad})


@pytest.mark.parametrize("bad", ["1", None, True])
def test_weights_must_be_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match="target_group"):
        Weights(target_group=bad)  # type: ignore[arg-type]


def test_a_zero_weight_turns_a_factor_off() -> None:
    weights = Weights(target_group=0, load=0.0)
    score = score_peer(make_need(), make_peer(), weights=weights, proximity=Proximity.SAME_MUNICIPALITY)
    assert score.factor(Factor.TARGET_GROUP).contribution == 0.0
    assert score.factor(Factor.LOAD).contribution == 0.0


def test_factors_are_the_eight_of_the_issue_with_lower_case_values() -> None:
    assert [factor.value for factor in Factor] == [
        "target_group",
        "proximity",
        "support_form",
        "language",
        "age",
        "gender",
        "contact",
        "load",
    ]
    assert {f.name for f in dataclasses.fields(Weights)} == {factor.value for factor in Factor}


# Reasons as data


def test_reason_keys_are_catalogue_keys_with_code_parameters() -> None:
    assert all(key.startswith("match.reason.") for key in REASON_KEYS)
    assert Reason("match.reason.speaks", (("language", "en"),)).kwargs == {"language": "en"}


def test_a_reason_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown reason key"):
        Reason("match.reason.nonsense")


def test_a_reason_with_the_wrong_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="parameters"):
        Reason("match.reason.speaks")
    with pytest.raises(ValueError, match="parameters"):
        Reason("match.reason.available", (("group", "mental_health"),))


# Target group


def test_target_group_is_the_share_of_the_needs_groups_the_peer_covers() -> None:
    need = make_need(target_groups=frozenset({TargetGroup.MENTAL_HEALTH, TargetGroup.SUBSTANCE_USE}))
    peer = make_peer(target_groups=frozenset({TargetGroup.SUBSTANCE_USE, TargetGroup.HOMELESSNESS}))
    factor = peer_factor(Factor.TARGET_GROUP, need, peer)
    assert factor.value == 0.5
    assert factor.reason == Reason("match.reason.experience", (("group", "substance_use"),))


def test_target_group_reason_names_the_first_shared_group_in_taxonomy_order() -> None:
    groups = frozenset({TargetGroup.CHILDREN_YOUTH, TargetGroup.RELATIVES, TargetGroup.MENTAL_HEALTH})
    factor = peer_factor(Factor.TARGET_GROUP, make_need(target_groups=groups), make_peer(target_groups=groups))
    assert factor.value == 1.0
    assert factor.reason == Reason("match.reason.experience", (("group", "mental_health"),))


def test_target_group_without_overlap_is_zero_without_reason() -> None:
    factor = peer_factor(Factor.TARGET_GROUP, peer=make_peer(target_groups=frozenset({TargetGroup.VIOLENCE})))
    assert (factor.value, factor.reason) == (0.0, None)


def test_target_group_of_an_initiative_says_whom_it_is_for() -> None:
    need = make_need(target_groups=frozenset({TargetGroup.CHRONIC_ILLNESS, TargetGroup.VISION_LOSS}))
    initiative = make_initiative(target_groups=frozenset({TargetGroup.CHRONIC_ILLNESS, TargetGroup.MENTAL_HEALTH}))
    factor = initiative_factor(Factor.TARGET_GROUP, need, initiative)
    assert factor.value == 0.5
    assert factor.reason == Reason("match.reason.initiative_for", (("group", "chronic_illness"),))


# Proximity


@pytest.mark.parametrize(
    ("proximity", "value", "key"),
    [
        (Proximity.SAME_MUNICIPALITY, 1.0, "match.reason.same_municipality"),
        (Proximity.SAME_REGION, 0.75, "match.reason.same_region"),
        (Proximity.NEIGHBOUR_REGION, 0.4, "match.reason.neighbour_region"),
    ],
)
def test_proximity_values_and_reasons(proximity: Proximity, value: float, key: str) -> None:
    factor = peer_factor(Factor.PROXIMITY, proximity=proximity)
    assert factor.value == value == PROXIMITY_VALUES[proximity]
    assert factor.reason == Reason(key)


def test_an_online_peer_is_national_or_online_and_says_online() -> None:
    peer = make_peer(area=Area(online=True))
    factor = peer_factor(Factor.PROXIMITY, peer=peer, proximity=Proximity.NATIONAL_OR_ONLINE)
    assert factor.value == 0.25
    assert factor.reason == Reason("match.reason.online")


def test_a_national_initiative_says_national_not_online() -> None:
    factor = initiative_factor(Factor.PROXIMITY, proximity=Proximity.NATIONAL_OR_ONLINE)
    assert factor.value == 0.25
    assert factor.reason == Reason("match.reason.national")


@pytest.mark.parametrize(
    ("area", "key"), [(Area(online=True), "match.reason.online"), (Area(national=True), "match.reason.national")]
)
def test_online_only_person_gets_full_proximity_from_online_and_national_offers(area: Area, key: str) -> None:
    need = make_need(online_only=True)
    factor = peer_factor(Factor.PROXIMITY, need, make_peer(area=area), Proximity.NATIONAL_OR_ONLINE)
    assert factor.value == 1.0
    assert factor.reason == Reason(key)
    factor = initiative_factor(Factor.PROXIMITY, need, make_initiative(area=area), Proximity.NATIONAL_OR_ONLINE)
    assert (factor.value, factor.reason) == (1.0, Reason(key))


def test_online_only_person_gets_full_proximity_even_from_a_raw_closer_proximity() -> None:
    """An area that is online and also lists the person's region: Geography.proximity says SAME_REGION."""
    peer = make_peer(area=Area(online=True, regions=frozenset({"hovedstaden"})))
    factor = peer_factor(Factor.PROXIMITY, make_need(online_only=True), peer, Proximity.SAME_REGION)
    assert (factor.value, factor.reason) == (1.0, Reason("match.reason.online"))


def test_no_proximity_is_zero_without_reason() -> None:
    score = score_peer(make_need(), make_peer(), weights=DEFAULT_WEIGHTS, proximity=None)
    factor = score.factor(Factor.PROXIMITY)
    assert (factor.value, factor.reason) == (0.0, None)


# Support form


def test_support_form_offered_is_one_with_the_first_shared_form() -> None:
    need = make_need(support_forms=frozenset({SupportForm.COURSE, SupportForm.GROUP_COMMUNITY}))
    peer = make_peer(support_forms=frozenset({SupportForm.COURSE, SupportForm.GROUP_COMMUNITY}))
    factor = peer_factor(Factor.SUPPORT_FORM, need, peer)
    assert factor.value == 1.0
    assert factor.reason == Reason("match.reason.form", (("form", "group_community"),))


def test_support_form_not_offered_is_zero() -> None:
    factor = peer_factor(Factor.SUPPORT_FORM, peer=make_peer(support_forms=frozenset({SupportForm.COURSE})))
    assert (factor.value, factor.reason) == (0.0, None)


@pytest.mark.parametrize(
    "forms", [frozenset({SupportForm.DONT_KNOW}), frozenset({SupportForm.DONT_KNOW, SupportForm.COURSE}), frozenset()]
)
def test_dont_know_is_neutral_for_every_candidate(forms: frozenset[SupportForm]) -> None:
    need = make_need(support_forms=forms)
    for offered in (frozenset({SupportForm.COURSE}), frozenset({SupportForm.ONE_TO_ONE})):
        factor = peer_factor(Factor.SUPPORT_FORM, need, make_peer(support_forms=offered))
        assert (factor.value, factor.reason) == (0.5, None)
        factor = initiative_factor(Factor.SUPPORT_FORM, need, make_initiative(support_forms=offered))
        assert (factor.value, factor.reason) == (0.5, None)


def test_support_form_of_an_initiative() -> None:
    factor = initiative_factor(Factor.SUPPORT_FORM)
    assert (factor.value, factor.reason) == (1.0, Reason("match.reason.form", (("form", "one_to_one"),)))
    factor = initiative_factor(
        Factor.SUPPORT_FORM, initiative=make_initiative(support_forms=frozenset({SupportForm.COURSE}))
    )
    assert (factor.value, factor.reason) == (0.0, None)


# Language


def test_a_shared_language_beyond_danish_is_a_reason() -> None:
    need = make_need(languages=frozenset({Language.DA, Language.EN, Language.AR}))
    peer = make_peer(languages=frozenset({Language.DA, Language.AR, Language.EN}))
    factor = peer_factor(Factor.LANGUAGE, need, peer)
    assert factor.value == 1.0
    assert factor.reason == Reason("match.reason.speaks", (("language", "en"),))


def test_sharing_only_danish_fits_without_a_reason() -> None:
    peer = make_peer(languages=frozenset({Language.DA, Language.EN}))
    factor = peer_factor(Factor.LANGUAGE, peer=peer)
    assert (factor.value, factor.reason) == (1.0, None)


def test_no_shared_language_is_zero() -> None:
    factor = peer_factor(Factor.LANGUAGE, peer=make_peer(languages=frozenset({Language.EN})))
    assert (factor.value, factor.reason) == (0.0, None)


def test_language_of_an_initiative_is_neutral() -> None:
    factor = initiative_factor(Factor.LANGUAGE, make_need(languages=frozenset({Language.EN})))
    assert (factor.value, factor.reason) == (0.5, None)


# Age


def test_a_peer_for_all_adults_fits_an_adult_without_a_reason() -> None:
    factor = peer_factor(Factor.AGE)
    assert (factor.value, factor.reason) == (1.0, None)


def test_a_peer_for_an_age_group_fits_it_with_a_reason() -> None:
    factor = peer_factor(Factor.AGE, make_need(age_band=AgeBand.A18_24), make_peer(min_age=18, max_age=30))
    assert factor.value == 1.0
    assert factor.reason == Reason("match.reason.for_age", (("age_band", "18_24"),))


@pytest.mark.parametrize(("min_age", "max_age"), [(18, 24), (40, None), (40, 50)])
def test_a_peer_outside_the_persons_age_band_is_zero(min_age: int, max_age: int | None) -> None:
    factor = peer_factor(Factor.AGE, make_need(age_band=AgeBand.A25_39), make_peer(min_age=min_age, max_age=max_age))
    assert (factor.value, factor.reason) == (0.0, None)


def test_a_peer_overlapping_the_band_fits() -> None:
    """Ages are asked as a band, so overlap is enough: a 25-39 may be 25 and a peer for 18-30 fits."""
    factor = peer_factor(Factor.AGE, make_need(age_band=AgeBand.A25_39), make_peer(min_age=18, max_age=30))
    assert factor.value == 1.0


def test_initiative_age_follows_serves_age() -> None:
    youth = make_initiative(max_age=24)
    factor = initiative_factor(Factor.AGE, make_need(age_band=AgeBand.A18_24), youth)
    assert (factor.value, factor.reason) == (1.0, Reason("match.reason.for_age", (("age_band", "18_24"),)))
    factor = initiative_factor(Factor.AGE, make_need(age_band=AgeBand.A40_64), youth)
    assert (factor.value, factor.reason) == (0.0, None)
    adults = make_initiative(min_age=18)
    assert initiative_factor(Factor.AGE, make_need(age_band=AgeBand.A65_PLUS), adults).reason is None


# Gender


def test_no_gender_preference_fits_every_peer_without_a_reason() -> None:
    for gender in Gender:
        factor = peer_factor(Factor.GENDER, peer=make_peer(gender=gender))
        assert (factor.value, factor.reason) == (1.0, None)


def test_an_honoured_gender_preference_is_a_reason() -> None:
    need = make_need(gender_preference=GenderPreference.MAN)
    factor = peer_factor(Factor.GENDER, need, make_peer(gender=Gender.MAN))
    assert factor.value == 1.0
    assert factor.reason == Reason("match.reason.gender", (("gender", "man"),))


@pytest.mark.parametrize("gender", [Gender.MAN, Gender.OTHER, Gender.UNSPECIFIED])
def test_a_preference_not_honoured_is_zero(gender: Gender) -> None:
    need = make_need(gender_preference=GenderPreference.WOMAN)
    factor = peer_factor(Factor.GENDER, need, make_peer(gender=gender))
    assert (factor.value, factor.reason) == (0.0, None)


def test_gender_of_an_initiative_is_neutral() -> None:
    factor = initiative_factor(Factor.GENDER, make_need(gender_preference=GenderPreference.WOMAN))
    assert (factor.value, factor.reason) == (0.5, None)


# Contact


def test_contact_is_the_share_of_wanted_modes_offered() -> None:
    need = make_need(contact_modes=frozenset({ContactMode.PHONE, ContactMode.IN_PERSON}))
    factor = peer_factor(Factor.CONTACT, need, make_peer(contact_modes=frozenset({ContactMode.IN_PERSON})))
    assert factor.value == 0.5
    assert factor.reason == Reason("match.reason.contact", (("mode", "in_person"),))
    factor = peer_factor(Factor.CONTACT, need, make_peer(contact_modes=frozenset(ContactMode)))
    assert factor.value == 1.0
    assert factor.reason == Reason("match.reason.contact", (("mode", "phone"),))


def test_no_contact_mode_in_common_is_zero() -> None:
    factor = peer_factor(Factor.CONTACT, peer=make_peer(contact_modes=frozenset({ContactMode.PHONE})))
    assert (factor.value, factor.reason) == (0.0, None)


def test_no_contact_wish_fits_every_peer() -> None:
    factor = peer_factor(Factor.CONTACT, make_need(contact_modes=frozenset()))
    assert (factor.value, factor.reason) == (1.0, None)


def test_contact_of_an_initiative_is_neutral() -> None:
    factor = initiative_factor(Factor.CONTACT)
    assert (factor.value, factor.reason) == (0.5, None)


# Load


@pytest.mark.parametrize(
    ("active", "capacity", "value", "available"),
    [(0, 4, 1.0, True), (2, 4, 0.5, True), (3, 4, 0.25, False), (4, 4, 0.0, False), (6, 4, 0.0, False)],
)
def test_load_is_the_free_share_of_capacity(active: int, capacity: int, value: float, available: bool) -> None:
    factor = peer_factor(Factor.LOAD, peer=make_peer(active_matches=active, capacity=capacity))
    assert factor.value == value
    assert factor.reason == (Reason("match.reason.available") if available else None)


def test_load_of_a_peer_without_capacity_is_zero() -> None:
    factor = peer_factor(Factor.LOAD, peer=make_peer(capacity=0))
    assert (factor.value, factor.reason) == (0.0, None)


def test_load_of_an_initiative_is_neutral() -> None:
    factor = initiative_factor(Factor.LOAD)
    assert (factor.value, factor.reason) == (0.5, None)


# The score as a whole


def test_total_is_the_sum_of_contributions_in_factor_order() -> None:
    weights = Weights(target_group=2.5, proximity=1.25, load=0.5)
    need = make_need(target_groups=frozenset({TargetGroup.MENTAL_HEALTH, TargetGroup.RELATIVES}))
    score = score_peer(need, make_peer(active_matches=1), weights=weights, proximity=Proximity.SAME_REGION)
    assert [item.factor for item in score.factors] == list(Factor)
    assert [item.weight for item in score.factors] == list(weights.as_tuple())
    assert math.isclose(score.total, sum(item.contribution for item in score.factors))
    assert score.factor(Factor.LOAD).contribution == 0.75 * 0.5


def test_a_perfect_peer_scores_the_sum_of_the_weights() -> None:
    need = make_need(gender_preference=GenderPreference.WOMAN)
    score = score_peer(need, make_peer(), weights=DEFAULT_WEIGHTS, proximity=Proximity.SAME_MUNICIPALITY)
    assert score.total == sum(DEFAULT_WEIGHTS.as_tuple())


def test_factor_values_stay_between_zero_and_one() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        FactorScore(Factor.AGE, 1.5, 1.0)
    with pytest.raises(ValueError, match="weight"):
        FactorScore(Factor.AGE, 0.5, -1.0)


def test_score_factor_of_a_missing_factor_raises() -> None:
    with pytest.raises(KeyError):
        Score(0.0, ()).factor(Factor.AGE)


# Which reasons are shown


def test_the_issue_example_experience_region_language() -> None:
    """The issue's example: Har selv erfaring med angst · Samme region · Taler engelsk."""
    need = make_need(languages=frozenset({Language.DA, Language.EN}))
    peer = make_peer(
        languages=frozenset({Language.DA, Language.EN}),
        support_forms=frozenset({SupportForm.COURSE}),
        area=Area(regions=frozenset({"hovedstaden"})),
        active_matches=3,
    )
    score = score_peer(need, peer, weights=DEFAULT_WEIGHTS, proximity=Proximity.SAME_REGION)
    assert score.reasons() == (
        Reason("match.reason.experience", (("group", "mental_health"),)),
        Reason("match.reason.same_region"),
        Reason("match.reason.speaks", (("language", "en"),)),
    )


def test_reasons_are_by_contribution_then_factor_order_and_limited() -> None:
    factors = (
        FactorScore(Factor.TARGET_GROUP, 0.25, 4.0, Reason("match.reason.experience", (("group", "violence"),))),
        FactorScore(Factor.PROXIMITY, 1.0, 3.0, Reason("match.reason.same_municipality")),
        FactorScore(Factor.SUPPORT_FORM, 1.0, 1.0, Reason("match.reason.form", (("form", "course"),))),
        FactorScore(Factor.LANGUAGE, 1.0, 1.0, Reason("match.reason.speaks", (("language", "en"),))),
        FactorScore(Factor.AGE, 1.0, 5.0, None),  # the largest contribution, but nothing to say
        FactorScore(
            Factor.LOAD, 0.0, 1.5, Reason("match.reason.available")
        ),  # a reason without contribution is not shown
    )
    score = Score(sum(item.contribution for item in factors), factors)
    assert [r.key for r in score.reasons()] == [
        "match.reason.same_municipality",
        "match.reason.experience",
        "match.reason.form",
    ]
    assert [r.key for r in score.reasons(limit=1)] == ["match.reason.same_municipality"]
    assert len(score.reasons(limit=10)) == 4
    assert score.reasons() == score.reasons()  # stable


def test_reasons_fall_back_to_the_first_reason_when_no_weight_counts() -> None:
    weights = Weights(**{factor.value: 0.0 for factor in Factor})
    score = score_peer(make_need(), make_peer(), weights=weights, proximity=Proximity.SAME_MUNICIPALITY)
    assert score.total == 0.0
    assert score.reasons() == (Reason("match.reason.experience", (("group", "mental_health"),)),)


def test_no_reasons_when_no_factor_has_one() -> None:
    assert Score(0.0, (FactorScore(Factor.AGE, 1.0, 1.0),)).reasons() == ()


def test_reasons_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        Score(0.0, ()).reasons(limit=0)


def test_every_reason_key_can_be_produced() -> None:
    """So the catalogue test in the bot checks keys that matching really uses."""
    produced: set[str] = set()
    need = make_need(
        target_groups=frozenset({TargetGroup.MENTAL_HEALTH}),
        languages=frozenset({Language.DA, Language.EN}),
        gender_preference=GenderPreference.WOMAN,
        age_band=AgeBand.A18_24,
    )
    peer = make_peer(languages=frozenset({Language.DA, Language.EN}), max_age=30)
    for proximity in Proximity:
        for area in (Area(online=True), Area(national=True)):
            for score in (
                score_peer(need, dataclasses.replace(peer, area=area), weights=DEFAULT_WEIGHTS, proximity=proximity),
                score_initiative(need, make_initiative(area=area), weights=DEFAULT_WEIGHTS, proximity=proximity),
            ):
                produced |= {item.reason.key for item in score.factors if item.reason is not None}
    # A relative: an offer for relatives of the situation, one for people in it themselves, a peer who was a relative.
    relative = dataclasses.replace(need, for_whom=ForWhom.RELATIVE)
    for score in (
        score_initiative(
            relative,
            make_initiative(relatives_of=frozenset({TargetGroup.MENTAL_HEALTH})),
            weights=DEFAULT_WEIGHTS,
            proximity=Proximity.NATIONAL_OR_ONLINE,
        ),
        score_initiative(relative, make_initiative(), weights=DEFAULT_WEIGHTS, proximity=Proximity.SAME_REGION),
        score_peer(
            relative,
            dataclasses.replace(peer, relative_of=frozenset({TargetGroup.MENTAL_HEALTH})),
            weights=DEFAULT_WEIGHTS,
            proximity=Proximity.SAME_REGION,
        ),
    ):
        produced |= {item.reason.key for item in score.factors if item.reason is not None}
    assert produced == set(REASON_KEYS)
