"""The taxonomy codes are stored in the database and CSV files, so their values are pinned here."""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import pairwise

import pytest

from matching.taxonomy import (
    TAXONOMIES,
    AgeBand,
    ContactMode,
    ForWhom,
    Gender,
    GenderPreference,
    Language,
    SupportForm,
    TargetGroup,
    parse_code,
    parse_codes,
)


@pytest.mark.parametrize("enum", TAXONOMIES, ids=lambda e: e.__name__)
def test_codes_are_unique_and_plain(enum: type[StrEnum]) -> None:
    values = [member.value for member in enum]
    assert len(values) == len(set(values)) == len(enum.__members__), "a duplicate value would alias a member"
    for value in values:
        assert re.fullmatch(r"[a-z0-9_]+", value), value


def test_target_groups_follow_the_domain() -> None:
    assert {g.value for g in TargetGroup} == {
        "mental_health",
        "relatives",
        "substance_use",
        "homelessness",
        "violence",
        "greenlanders",
        "vision_loss",
        "physical_disability",
        "rare_diagnosis",
        "chronic_illness",
        "refugees_immigrants",
        "children_youth",
    }


def test_small_enums() -> None:
    assert [f.value for f in SupportForm] == [
        "one_to_one",
        "group_community",
        "course",
        "bridge_work_education",
        "dont_know",
    ]
    assert [m.value for m in ContactMode] == ["chat", "phone", "in_person"]
    assert [w.value for w in ForWhom] == ["self", "relative"]
    assert [p.value for p in GenderPreference] == ["none", "woman", "man"]
    assert {"woman", "man"} <= {g.value for g in Gender}


def test_languages() -> None:
    codes = {lang.value for lang in Language}
    assert {"da", "en", "ar", "so", "tr", "uk", "kl", "fa", "ur", "pl", "de"} <= codes
    assert all(len(code) == 2 for code in codes)


def test_age_bands() -> None:
    assert [b.value for b in AgeBand] == ["under_18", "18_24", "25_39", "40_64", "65_plus"]
    assert AgeBand.UNDER_18.age_range == (0, 17)
    assert AgeBand.A18_24.age_range == (18, 24)
    assert AgeBand.A65_PLUS.max_age is None
    assert AgeBand.A40_64.min_age == 40
    assert [b for b in AgeBand if b.is_minor] == [AgeBand.UNDER_18]
    bands = list(AgeBand)
    for lower, upper in pairwise(bands):
        assert lower.max_age is not None and upper.min_age == lower.max_age + 1, "bands must be contiguous"


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, AgeBand.UNDER_18),
        (17, AgeBand.UNDER_18),
        (18, AgeBand.A18_24),
        (24, AgeBand.A18_24),
        (25, AgeBand.A25_39),
        (64, AgeBand.A40_64),
        (65, AgeBand.A65_PLUS),
        (104, AgeBand.A65_PLUS),
    ],
)
def test_age_band_for_age(age: int, band: AgeBand) -> None:
    assert AgeBand.for_age(age) is band
    assert band.contains(age)


def test_negative_age_is_rejected() -> None:
    with pytest.raises(ValueError):
        AgeBand.for_age(-1)


def test_gender_preference() -> None:
    assert all(GenderPreference.NONE.accepts(g) for g in Gender)
    assert GenderPreference.WOMAN.accepts(Gender.WOMAN)
    assert not GenderPreference.WOMAN.accepts(Gender.MAN)
    assert not GenderPreference.MAN.accepts(Gender.UNSPECIFIED)


def test_parse_codes() -> None:
    assert parse_codes(TargetGroup, ["relatives", "mental_health"]) == (
        TargetGroup.RELATIVES,
        TargetGroup.MENTAL_HEALTH,
    )
    assert parse_codes(TargetGroup, "mental_health, relatives,mental_health,") == (
        TargetGroup.MENTAL_HEALTH,
        TargetGroup.RELATIVES,
    )
    assert parse_codes(Language, []) == ()
    assert parse_codes(AgeBand, ["18_24"]) == (AgeBand.A18_24,)
    assert parse_code(ContactMode, " phone ") is ContactMode.PHONE


def test_parse_codes_rejects_unknown_codes() -> None:
    with pytest.raises(ValueError, match="'mental-health'"):
        parse_codes(TargetGroup, ["relatives", "mental-health"])
    with pytest.raises(ValueError, match=r"SupportForm.*'Course'"):
        parse_codes(SupportForm, "Course")
    with pytest.raises(ValueError, match="'sv'"):
        parse_code(Language, "sv")
